"""Who may do what on a call: roles, users and the rules each review event is held to (:func:`allowed`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..errors import QAError
from ..store import utcnow

ROLES = ("agent", "reviewer", "senior", "admin")


class PermissionDenied(QAError):
    """The user's role may not do this (the page shows the message)."""


@dataclass(frozen=True)
class User:
    name: str
    role: str = "reviewer"
    sensitive: bool = False  # may see unmasked ID/card/phone numbers and names

    def can(self, action: str) -> bool:
        rank = ROLES.index(self.role)
        need = {"review": 1, "rule": 2, "appeal": 0, "reopen": 3}[action]
        return rank >= need


def _appeal_window(state: dict, now: dt.datetime, appeal_days: float | None) -> None:
    if appeal_days is None or not state.get("reviewed_at"):
        return
    reviewed = dt.datetime.fromisoformat(state["reviewed_at"].rstrip("Z"))
    if now - reviewed >= dt.timedelta(days=appeal_days):
        raise PermissionDenied(f"the appeal window of {appeal_days:g} day(s) after the review has closed")


def allowed(user: User, kind: str, row: dict, state: dict, *, target: str = "", appeal_days: float | None = None,
            now: dt.datetime | None = None) -> None:
    """Raise :class:`PermissionDenied` unless ``user`` may record a ``kind`` event on a call in ``state``
    (decisions and annotations: a reviewer or above, on a call not ruled; on an appealed call, a senior)."""
    status = state["status"]
    if kind == "ack":
        if not (user.role == "agent" and user.name == row["agent_id"]):
            raise PermissionDenied("only the call's own agent acknowledges its review")
        if status not in ("reviewed", "ruled"):
            raise PermissionDenied(f"there is no finished review to acknowledge (this call is {status})")
    elif kind == "claim":
        if not user.can("review"):
            raise PermissionDenied(f"role '{user.role}' cannot review calls")
        who = state.get("assignee")
        if (target or user.name) != user.name and not user.can("rule"):
            raise PermissionDenied("only a senior reviewer assigns calls to others")
        if who and who != user.name and not user.can("rule"):
            raise PermissionDenied(f"{who} has already claimed this call")
        if status in ("reviewed", "appealed", "ruled"):
            raise PermissionDenied(f"this call is {status}; there is nothing left to claim")
    elif kind == "release":
        who = state.get("assignee")
        if not user.can("review"):
            raise PermissionDenied(f"role '{user.role}' cannot review calls")
        if not who:
            raise PermissionDenied("nobody has claimed this call")
        if who != user.name and not user.can("rule"):
            raise PermissionDenied(f"this call is {who}'s; only they or a senior reviewer can release it")
    elif kind == "reopen":
        if not user.can("reopen"):
            raise PermissionDenied("only an admin can reopen a ruled call")
        if status != "ruled":
            raise PermissionDenied(f"only a ruled call is reopened (this one is {status})")
    elif kind == "appeal":
        if not ((user.role == "agent" and user.name == row["agent_id"]) or user.role == "admin"):
            raise PermissionDenied("only the call's own agent can appeal it (or an admin on their behalf)")
        if state.get("ruling") or status == "ruled":
            raise PermissionDenied("this call's appeal was already ruled on; it cannot be appealed again")
        if status != "reviewed":
            raise PermissionDenied(f"only a reviewed call can be appealed (this one is {status})")
        _appeal_window(state, now or utcnow(), appeal_days)
    elif kind == "ruling":
        if not user.can("rule"):
            raise PermissionDenied("only a senior reviewer gives the final ruling on an appeal")
        if status != "appealed":
            raise PermissionDenied(f"there is no open appeal on this call (it is {status})")
    else:
        if not user.can("review"):
            raise PermissionDenied(f"role '{user.role}' cannot review calls")
        if status == "ruled" and kind != "comment":
            raise PermissionDenied("this call was ruled on after an appeal; the ruling is final "
                                   "(an admin can reopen it)")
        if status == "appealed" and not user.can("rule"):
            raise PermissionDenied(f"this call is {status}; only a senior reviewer can change it now")
