"""Which channel of a stereo call is the agent (``--agent-channel auto``), from what each side said.

Recording systems disagree on which side the agent is on, and inbound and outbound legs
swap even within one system. Both channels are transcribed anyway, so the decision costs
nothing but reading them, with the same cues and scoring as a mono call's two voices
(:func:`qa_pipeline.roles.decide_roles`: ``role_cues`` in ``rules/roles.yaml``, plus who
answered first and who read out digits). A margin under ``roles.MEDIUM`` is ``low``: the call is
flagged ("check which channel is the agent") instead of guessed silently.
"""

from __future__ import annotations

from typing import Sequence

from .roles import RoleDecision, decide_roles
from .types import SpeakerAssignment, Utterance

SIDES = ("left", "right")


def decide_agent_channel(left: Sequence[Utterance], right: Sequence[Utterance], *, rules=None,
                         tolerance: float = 0.2) -> RoleDecision:
    """Decide which channel's transcript is the agent's (``decision.agent``: ``left`` or ``right``).

    Parameters
    ----------
    left, right : the utterances transcribed on each channel.
    rules : a :class:`~qa_pipeline.rules.RuleSet` (its ``role_cues``; default: the default rules).
    tolerance : pinyin matching tolerance.

    Returns
    -------
    RoleDecision

    Example
    -------
    >>> from qa_pipeline.types import Utterance
    >>> a = [Utterance("unknown", 0.5, 3.0, "您好，安心保险，工号1234，很高兴为您服务", "")]
    >>> c = [Utterance("unknown", 3.5, 5.0, "我想查询一下我的保单", "")]
    >>> d = decide_agent_channel(c, a)
    >>> d.agent, d.level
    ('right', 'high')
    """
    return decide_roles(dict(zip(SIDES, (left, right))), rules=rules, tolerance=tolerance,
                        fallback="no cue told the channels apart: the left channel is taken to be the agent")


def channel_assignment(decision: RoleDecision, name: dict[str, str]) -> SpeakerAssignment:
    """The report's ``speakers`` block; ``name`` maps ``left``/``right`` to agent/customer."""
    said = [c.cue for c in decision.cues if c.side == decision.agent and c.points_to == "agent"]
    why = decision.fallback or ("its side " + ", ".join(said) if said else "the other side gave more customer cues")
    detail = (f"agent on the {decision.agent} channel (auto: {why}; "
              f"confidence {decision.confidence:.2f}, {decision.level})")
    return SpeakerAssignment(method="stereo channels", detail=detail, role_confidence=decision.confidence,
                             role_level=decision.level, cues=decision.speaker_cues(name))
