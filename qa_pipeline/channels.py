"""Which channel of a stereo call is the agent (``--agent-channel auto``), from what each side said.

Recording systems disagree on which side the agent is on, and inbound and outbound legs
swap even within one system. Both channels are transcribed anyway, so the decision costs
nothing but reading them: the agent's side says the service script (company name or 工号
in its first seconds, 有什么可以帮您, asks for identifiers, asks to hold, apologises,
closes); the customer's side states a request or complains. The cue phrases live in the
rule files (``role_cues`` in ``rules/roles.yaml``), matched by pinyin like every rule.
Two more cues come from the timing and the digits: the side that speaks first answered
the call (agent, weight 1) and a side that reads out a run of 6+ digits is giving an
identifier (customer, weight 1).

Every cue counts once per side. The difference of the two sides' balances is the margin;
its logistic is the confidence, and a margin under ``MEDIUM`` is ``low``: the call is
flagged ("check which channel is the agent") instead of guessed silently.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Sequence

from .entities import mask_text
from .rules.match import find
from .types import SpeakerAssignment, SpeakerCue, Utterance

HIGH, MEDIUM = 4.0, 2.0  # margins for "high" and "medium" confidence
ANSWERS_FIRST = ("answers_first", "agent", 1.0)
GIVES_NUMBER = ("gives_number", "customer", 1.0, re.compile(r"\d{6,}"))
SIDES = ("left", "right")


@dataclass(frozen=True)
class ChannelCue:
    """One piece of evidence: which cue, on which channel, when, and the (masked) words."""

    cue: str
    points_to: str
    weight: float
    channel: str
    start: float
    quote: str


@dataclass(frozen=True)
class ChannelDecision:
    """The agent's channel, how sure, and why.

    ``confidence`` is in [0.5, 1); ``level`` is ``high`` (margin ≥ 4), ``medium`` (≥ 2) or
    ``low`` (the call is flagged).
    """

    agent_channel: str
    margin: float
    confidence: float
    level: str
    cues: tuple[ChannelCue, ...]
    fallback: str | None = None

    def assignment(self, name: dict[str, str]) -> SpeakerAssignment:
        """The report's ``speakers`` block; ``name`` maps ``left``/``right`` to agent/customer."""
        said = [c.cue for c in self.cues if c.channel == self.agent_channel and c.points_to == "agent"]
        why = self.fallback or ("its side " + ", ".join(said) if said else "the other side gave more customer cues")
        detail = (f"agent on the {self.agent_channel} channel (auto: {why}; "
                  f"confidence {self.confidence:.2f}, {self.level})")
        cues = tuple(SpeakerCue(c.cue, c.points_to, c.weight, name[c.channel], c.start, c.quote) for c in self.cues)
        return SpeakerAssignment(method="stereo channels", detail=detail, role_confidence=self.confidence,
                                 role_level=self.level, cues=cues)


def _cues(utterances: Sequence[Utterance], channel: str, role_cues, tolerance: float) -> list[ChannelCue]:
    out: dict[str, ChannelCue] = {}
    first = utterances[0].start if utterances else 0.0
    for u in utterances:
        for rc in role_cues:
            if rc.cue in out or (rc.first_s is not None and u.start - first > rc.first_s):
                continue
            if any(find(p, u.text, tolerance=tolerance) for p in rc.any):
                out[rc.cue] = ChannelCue(rc.cue, rc.points_to, rc.weight, channel, u.start, mask_text(u.text)[:60])
        name, role, weight, pattern = GIVES_NUMBER
        if name not in out and pattern.search(u.text.replace(" ", "")):
            out[name] = ChannelCue(name, role, weight, channel, u.start, mask_text(u.text)[:60])
    return list(out.values())


def decide_agent_channel(left: Sequence[Utterance], right: Sequence[Utterance], *, rules=None,
                         tolerance: float = 0.2) -> ChannelDecision:
    """Decide which channel's transcript is the agent's.

    Parameters
    ----------
    left, right : the utterances transcribed on each channel.
    rules : a :class:`~qa_pipeline.rules.RuleSet` (its ``role_cues``; default: the default rules).
    tolerance : pinyin matching tolerance.

    Returns
    -------
    ChannelDecision

    Example
    -------
    >>> from qa_pipeline.types import Utterance
    >>> a = [Utterance("unknown", 0.5, 3.0, "您好，安心保险，工号1234，很高兴为您服务", "")]
    >>> c = [Utterance("unknown", 3.5, 5.0, "我想查询一下我的保单", "")]
    >>> d = decide_agent_channel(c, a)
    >>> d.agent_channel, d.level
    ('right', 'high')
    """
    if rules is None:
        from .rules import load_rules

        rules = load_rules()
    by = {"left": list(left), "right": list(right)}
    cues = [c for side in SIDES for c in _cues(by[side], side, rules.role_cues, tolerance)]
    starts = {s: by[s][0].start for s in SIDES if by[s]}
    if starts:
        side = min(starts, key=lambda s: (starts[s], s))
        u = by[side][0]
        cues.append(ChannelCue(*ANSWERS_FIRST, side, u.start, mask_text(u.text)[:60]))
    balance = {s: 0.0 for s in SIDES}
    for c in cues:
        balance[c.channel] += c.weight if c.points_to == "agent" else -c.weight
    diff = balance["left"] - balance["right"]
    fallback = None
    if diff == 0:
        diff, fallback = 0.5, "no cue told the channels apart: the left channel is taken to be the agent"
    margin = abs(diff)
    level = "high" if margin >= HIGH else "medium" if margin >= MEDIUM else "low"
    confidence = round(1 / (1 + math.exp(-margin)), 3)
    return ChannelDecision("left" if diff > 0 else "right", margin, confidence, level,
                           tuple(sorted(cues, key=lambda c: (c.start, c.channel))), fallback)
