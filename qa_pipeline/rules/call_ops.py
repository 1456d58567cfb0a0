"""The ``call`` operator: facts about the call that are not in its audio (the manifest's metadata).

::

    when:
      call: {direction: outbound}    # 外呼: the batch manifest's direction (呼入/呼出), qa score --direction

A call without a direction counts as inbound, as the KPIs count it (most centers answer calls;
an outbound project states its direction in the manifest), so an outbound-only rule does not
apply to it rather than being undecided.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from ..messages import msg
from .context import Cond, Context, Outcome


class CallCond(BaseModel):
    """``direction``: the call is ``inbound`` (or has no direction) / ``outbound``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    direction: Literal["inbound", "outbound"]


def call_fact(cond: Cond, ctx: Context) -> Outcome:
    got = getattr(ctx, "call", {}).get("direction") or "inbound"
    holds = got == cond.spec.direction
    given = getattr(ctx, "call", {}).get("direction")
    return Outcome(holds, reason=msg("call.is" if given else "call.is_default", direction=msg(f"direction.{got}")))
