"""The operator registry: each rule operator once, with its schema model and its evaluator.

The loader looks an operator up here by name to validate its keys; the parsed condition
keeps the :class:`~.context.Operator`, so the engine evaluates it without a second table.
A new operator is one entry here (plus its model in :mod:`.schema` and its evaluator).
"""

from __future__ import annotations

from . import engine as E
from . import schema as S
from .context import Operator
from .privacy import confidential_readout, identity_verified, needs_privacy
from .call_ops import CallCond, call_fact
from .sheet_eval import knowledge, response_gap

OPERATORS: dict[str, Operator] = {op.name: op for op in (
    Operator("all", None, E.all_of, combinator="list", doc="every condition holds"),
    Operator("any", None, E.any_of, combinator="list", doc="at least one condition holds"),
    Operator("not", None, E.not_, combinator="one", doc="the condition does not hold"),
    Operator("phrases", S.Phrases, E.phrases, doc="any / all / none of the phrases are heard"),
    Operator("regex", S.Regex, E.regex, doc="the pattern matches the normalized text"),
    Operator("before", S.Before, E.before, doc="`first` is heard before `then`"),
    Operator("followed_by", S.FollowedBy, E.followed_by, doc="every trigger gets a response"),
    Operator("none_after", S.NoneAfter, E.none_after, doc="nothing forbidden after the anchor"),
    Operator("metric", S.Metric, E.metric, doc="a measurement compares true"),
    Operator("entity", S.EntityCond, E.entity, doc="at least N entities of the types"),
    Operator("around_silence", S.AroundSilence, E.around_silence, doc="wait/thanks around long silences"),
    Operator("identity_verified", S.IdentityVerified, needs_privacy(identity_verified),
             doc="disclosures follow enough identifiers"),
    Operator("confidential_readout", S.ConfidentialReadout, needs_privacy(confidential_readout),
             doc="confidential data read out unprompted"),
    Operator("knowledge", S.KnowledgeCheck, knowledge, doc="an answer covers the topic's key points / says nothing wrong"),
    Operator("response_gap", S.ResponseGap, response_gap, doc="the agent answers the customer in time"),
    Operator("call", CallCond, call_fact, doc="a fact of the call's metadata (direction)"),
)}
