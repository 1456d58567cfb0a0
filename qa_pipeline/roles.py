"""Which of two voices is the agent: decided from what each voice said.

Diarization (:mod:`qa_pipeline.diarize`) says *who spoke when*, not who is who. The agent
is the voice that says the service script: the opening with a 工号 or the company's
name, the closing, asking for identifiers, asking the caller to hold. The customer is
the voice that gives identifiers and states a request. Each cue is matched by pinyin
(:func:`qa_pipeline.rules.match.find`), so ASR's homophone errors still count. Every
cue heard adds its weight to that voice once; the difference between the two voices'
balances decides, and its size is the confidence. No cue at all falls back to "the
first voice is the agent" (call centers answer with a greeting) at low confidence.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Sequence

from .rules.match import find
from .types import Utterance

# (cue, role it points to, weight, phrases): phrases a customer rarely says (你好 and
# 再见 are not here: both parties say them). Each cue counts once per voice.
CUES: tuple[tuple[str, str, float, tuple[str, ...]], ...] = (
    ("self_id", "agent", 3.0, ("工号", "客服专员", "客服代表", "客服中心", "很高兴为您服务")),
    ("offer_help", "agent", 2.0, ("有什么可以帮您", "有什么可以帮到您", "还有其他可以帮您", "还有什么可以帮您",
                                  "请问还有其他问题吗")),
    ("closing", "agent", 2.0, ("感谢您的来电", "感谢来电", "祝您生活愉快", "欢迎再次来电", "请您对我的服务做出评价")),
    ("asks_identifier", "agent", 2.0, ("请您提供", "麻烦您提供", "请提供", "核对一下", "请问您的", "报一下您的",
                                       "请问您是", "请问怎么称呼")),
    ("hold", "agent", 1.0, ("请您稍等", "麻烦您稍等", "感谢您的耐心等待", "让您久等了")),
    ("apology", "agent", 1.0, ("非常抱歉", "给您带来不便", "请您谅解")),
    ("request", "customer", 2.0, ("我想查询", "我想问", "我想咨询", "我想了解", "我要投诉", "我想办理", "我的保单",
                                  "我想改", "我想取消", "帮我查")),
    ("complaint", "customer", 1.0, ("怎么回事", "太慢了", "什么态度", "有没有搞错")),
)
# A run of digits (an ID, phone or policy number) given by a voice: the customer's.
GIVES_NUMBER = ("gives_number", "customer", 1.0, re.compile(r"\d{6,}"))

HIGH, MEDIUM = 4.0, 2.0  # margins for "high" and "medium" confidence


@dataclass(frozen=True)
class Cue:
    """One cue heard: which, from which voice, when, and the words."""

    cue: str
    role: str
    weight: float
    voice: int
    start: float
    quote: str


@dataclass(frozen=True)
class RoleAssignment:
    """Which voice is the agent, how sure, and the cues that decided it.

    ``confidence`` is in [0.5, 1): 0.5 is a coin toss; ``level`` is ``high``
    (margin ≥ 4), ``medium`` (≥ 2) or ``low``.
    """

    agent_voice: int
    margin: float
    confidence: float
    level: str
    cues: tuple[Cue, ...]
    fallback: str | None = None


def _hits(utterances: Sequence[Utterance], voice: int, tolerance: float) -> list[Cue]:
    out: dict[str, Cue] = {}
    for u in utterances:
        for name, role, weight, phrases in CUES:
            if name in out:
                continue
            for phrase in phrases:
                if find(phrase, u.text, tolerance=tolerance):
                    out[name] = Cue(name, role, weight, voice, u.start, u.text)
                    break
        name, role, weight, pattern = GIVES_NUMBER
        if name not in out and pattern.search(u.text.replace(" ", "")):
            out[name] = Cue(name, role, weight, voice, u.start, u.text)
    return list(out.values())


def assign_roles(by_voice: Sequence[Sequence[Utterance]], *, tolerance: float = 0.2) -> RoleAssignment:
    """Decide which of two voices' transcripts is the agent's.

    Parameters
    ----------
    by_voice : the utterances of voice 0 and of voice 1 (voice 0 spoke first).
    tolerance : pinyin matching tolerance (as the rules use).

    Example
    -------
    >>> from qa_pipeline.types import Utterance
    >>> a = [Utterance("unknown", 0.5, 3.0, "您好，安心保险，工号1234，很高兴为您服务", "")]
    >>> c = [Utterance("unknown", 3.5, 5.0, "我想查询一下我的保单", "")]
    >>> r = assign_roles([c, a])
    >>> r.agent_voice, r.level
    (1, 'high')
    """
    cues = [c for v, utts in enumerate(by_voice) for c in _hits(utts, v, tolerance)]
    balance = [0.0, 0.0]  # agent-ness of each voice
    for c in cues:
        balance[c.voice] += c.weight if c.role == "agent" else -c.weight
    diff = balance[0] - balance[1]
    fallback = None
    if diff == 0:
        diff, fallback = 0.5, "no cue told the voices apart: the voice heard first is taken to be the agent"
    agent = 0 if diff > 0 else 1
    margin = abs(diff)
    confidence = 1 / (1 + math.exp(-margin))
    level = "high" if margin >= HIGH else "medium" if margin >= MEDIUM else "low"
    return RoleAssignment(agent, margin, round(confidence, 3), level, tuple(cues), fallback)
