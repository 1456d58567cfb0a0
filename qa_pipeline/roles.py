"""Which of two sides is the agent, decided from what each side said: one scoring for every call.

A stereo call has two channels (:mod:`qa_pipeline.channels`, ``--agent-channel auto``); a
mono call has two diarized voices (:mod:`qa_pipeline.mono`). Either way both sides are
transcribed, and :func:`decide_roles` reads them: the agent's side says the service script
(company name or 工号 in its first seconds, 有什么可以帮您, asks for identifiers, asks to
hold, apologises, closes); the customer's side states a request or complains. The cue
phrases live in the rule files (``role_cues`` in ``rules/roles.yaml``; a project's rules
folder replaces them for both kinds of call), matched by pinyin like every rule, so ASR's
homophones (公号, 来点) still count. Two cues come from the code: a side that reads out a
run of 6+ digits is giving an identifier (``gives_number``: customer, weight 1), and, on
stereo calls, the side that speaks first answered the call (``answers_first``: agent,
weight 1; on a mono call the voice heard first is only the tie-break).

Every cue counts once per side. The difference of the two sides' balances is the margin;
its logistic is the confidence, and a margin under ``MEDIUM`` is ``low`` (the call is
flagged). No difference at all falls back to the first side given.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from collections.abc import Hashable, Mapping, Sequence

from .entities import mask_text
from .rules.match import find
from .types import SpeakerCue, Utterance

HIGH, MEDIUM = 4.0, 2.0  # margins for "high" and "medium" confidence
ANSWERS_FIRST = ("answers_first", "agent", 1.0)
GIVES_NUMBER = ("gives_number", "customer", 1.0, re.compile(r"\d{6,}"))
QUOTE_CHARS = 60


@dataclass(frozen=True)
class RoleCueHit:
    """One piece of evidence: which cue, on which side, when, and the (masked) words."""

    cue: str
    points_to: str
    weight: float
    side: Hashable  # a channel ("left"/"right") or a voice (0/1)
    start: float
    quote: str


@dataclass(frozen=True)
class RoleDecision:
    """The agent's side, how sure, and why.

    ``confidence`` is in [0.5, 1): 0.5 is a coin toss; ``level`` is ``high`` (margin ≥ 4),
    ``medium`` (≥ 2) or ``low``. ``fallback`` says why the first side was taken when no cue
    told the sides apart.
    """

    agent: Hashable
    margin: float
    confidence: float
    level: str
    cues: tuple[RoleCueHit, ...]
    fallback: str | None = None

    def speaker_cues(self, name: Mapping[Hashable, str]) -> tuple[SpeakerCue, ...]:
        """The report's ``speakers.cues``; ``name`` maps each side to ``agent``/``customer``."""
        return tuple(SpeakerCue(c.cue, c.points_to, c.weight, name[c.side], c.start, c.quote) for c in self.cues)


def _quote(u: Utterance) -> str:
    return mask_text(u.text)[:QUOTE_CHARS]


def cue_hits(utterances: Sequence[Utterance], side: Hashable, role_cues, *, tolerance: float = 0.2
             ) -> list[RoleCueHit]:
    """The role cues one side said, each once (its first utterance), ``gives_number`` included."""
    out: dict[str, RoleCueHit] = {}
    first = utterances[0].start if utterances else 0.0
    name, role, weight, pattern = GIVES_NUMBER
    for u in utterances:
        for rc in role_cues:
            if rc.cue in out or (rc.first_s is not None and u.start - first > rc.first_s):
                continue
            if any(find(p, u.text, tolerance=tolerance) for p in rc.any):
                out[rc.cue] = RoleCueHit(rc.cue, rc.points_to, rc.weight, side, u.start, _quote(u))
        if name not in out and pattern.search(u.text.replace(" ", "")):
            out[name] = RoleCueHit(name, role, weight, side, u.start, _quote(u))
    return list(out.values())


def decide_roles(by_side: Mapping[Hashable, Sequence[Utterance]], *, rules=None, tolerance: float = 0.2,
                 answers_first: bool = True, fallback: str = "no cue told the sides apart: the first side is taken "
                                                              "to be the agent") -> RoleDecision:
    """Decide which of two sides' transcripts is the agent's.

    Parameters
    ----------
    by_side : the utterances of each of the two sides, in order (ties go to the first).
    rules : a :class:`~qa_pipeline.rules.RuleSet` (its ``role_cues``; default: the default rules).
    tolerance : pinyin matching tolerance (as the rules use).
    answers_first : add the ``answers_first`` cue for the side whose speech starts first.
    fallback : the reason recorded when no cue tells the sides apart.

    Returns
    -------
    RoleDecision
        Its cues in time order.

    Example
    -------
    >>> from qa_pipeline.types import Utterance
    >>> a = [Utterance("unknown", 0.5, 3.0, "您好，安心保险，工号1234，很高兴为您服务", "")]
    >>> c = [Utterance("unknown", 3.5, 5.0, "我想查询一下我的保单", "")]
    >>> d = decide_roles({"left": c, "right": a})
    >>> d.agent, d.level
    ('right', 'high')
    """
    if rules is None:
        from .rules import load_rules

        rules = load_rules()
    sides = list(by_side)
    if len(sides) != 2:
        raise ValueError(f"roles are decided between two sides, not {len(sides)}")
    by = {s: list(by_side[s]) for s in sides}
    cues = [c for s in sides for c in cue_hits(by[s], s, rules.role_cues, tolerance=tolerance)]
    starts = {s: by[s][0].start for s in sides if by[s]}
    if answers_first and starts:
        side = min(starts, key=lambda s: (starts[s], sides.index(s)))
        u = by[side][0]
        cues.append(RoleCueHit(*ANSWERS_FIRST, side, u.start, _quote(u)))
    balance = {s: 0.0 for s in sides}
    for c in cues:
        balance[c.side] += c.weight if c.points_to == "agent" else -c.weight
    diff = balance[sides[0]] - balance[sides[1]]
    why = None
    if diff == 0:
        diff, why = 0.5, fallback
    margin = abs(diff)
    level = "high" if margin >= HIGH else "medium" if margin >= MEDIUM else "low"
    confidence = round(1 / (1 + math.exp(-margin)), 3)
    order = {s: i for i, s in enumerate(sides)}
    return RoleDecision(sides[0] if diff > 0 else sides[1], margin, confidence, level,
                        tuple(sorted(cues, key=lambda c: (c.start, order[c.side]))), why)


def assign_roles(by_voice: Sequence[Sequence[Utterance]], *, rules=None, tolerance: float = 0.2) -> RoleDecision:
    """Decide which of a mono call's two diarized voices is the agent (:func:`decide_roles`).

    The voices are sides ``0`` and ``1`` (voice 0 spoke first); ``answers_first`` is not a
    cue here (the first voice is only the tie-break: diarization may give the first breath
    to either voice).

    Example
    -------
    >>> from qa_pipeline.types import Utterance
    >>> a = [Utterance("unknown", 0.5, 3.0, "您好，安心保险，工号1234，很高兴为您服务", "")]
    >>> c = [Utterance("unknown", 3.5, 5.0, "我想查询一下我的保单", "")]
    >>> r = assign_roles([c, a])
    >>> r.agent, r.level
    (1, 'high')
    """
    return decide_roles(dict(enumerate(by_voice)), rules=rules, tolerance=tolerance, answers_first=False,
                        fallback="no cue told the voices apart: the voice heard first is taken to be the agent")
