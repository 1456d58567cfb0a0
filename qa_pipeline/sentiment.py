"""The customer's mood, per turn and per quarter of the call: from the words and the voice.

Words: a small lexicon of complaint/anger and of satisfaction cues (matched on the
normalized text, with negation: 不满意 is negative, 不生气 is not), scored per turn as
``(pos - neg) / (pos + neg + 1)``. Voice: the turn's median pitch (semitones) and level
(dB) against the speaker's own first turns; rising pitch and level is arousal, which
deepens a non-positive turn (anger) and leaves a positive one alone (excitement)::

    turn score = words - 0.3 * max(0, arousal - 0.25) / 0.75    if words <= 0
               = words                                          otherwise
    arousal    = clip(Δpitch / 3 st + Δlevel / 6 dB, -1, 1)

(arousal under 0.25 is the ordinary wobble of a voice between turns, and voice alone moves
a neutral turn by at most 0.3: the words decide, the voice deepens).

Quarters split the call's speech time in four; a quarter's score is the duration-weighted
mean of the turns that end in it. ``change`` is the last quarter with speech minus the first;
the caller "ended angrier than they began" when ``change <= -0.3`` and the end is negative.

Example
-------
>>> s = call_sentiment(report.transcript, report.metrics.prosody)   # doctest: +SKIP
>>> s.ended_angrier, round(s.change, 2)                             # doctest: +SKIP
(True, -0.62)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .types import Utterance

NEGATIVE = ("投诉", "生气", "气死", "太慢", "太差", "差劲", "怎么回事", "什么意思", "搞什么", "搞什么鬼", "不满意",
            "不满", "烦", "骗", "凭什么", "到底", "还要等", "等了半天", "离谱", "没用", "浪费", "不合理", "坑",
            "受不了", "算了", "不要了", "退保", "你们领导", "你们经理", "曝光", "监管", "12378", "太过分", "过分", "无语",
            "着急", "急死", "不讲理", "欺负", "推来推去", "踢皮球", "没人管", "不负责", "态度", "怎么搞的",
            "又是", "说了多少遍", "我刚才说了", "听不懂", "不是这个意思", "麻烦死了", "扯皮", "失望")
POSITIVE = ("谢谢", "感谢", "多谢", "太好了", "满意", "辛苦", "不错", "清楚了", "明白了", "知道了", "放心", "好的好的",
            "麻烦你了", "麻烦您了", "很好", "挺好", "可以可以", "没问题", "理解", "帮了大忙", "专业", "耐心")
NEGATORS = ("不", "没", "别", "未", "无")
INTENSIFIERS = ("太", "非常", "特别", "真", "简直", "实在")
AROUSAL_ST = 3.0
AROUSAL_DB = 6.0
AROUSAL_WEIGHT = 0.3
AROUSAL_DEAD = 0.25
ANGRIER_CHANGE = -0.3
BASELINE_TURNS = 3
_CUE = re.compile("|".join(sorted(map(re.escape, NEGATIVE + POSITIVE), key=len, reverse=True)))


@dataclass(frozen=True)
class TurnSentiment:
    """One turn's mood: ``score`` in [-1, 1] (-1 angry … +1 pleased), what it came from."""

    start: float
    end: float
    speaker: str
    score: float
    words: float
    arousal: float | None
    cues: tuple[str, ...]


@dataclass(frozen=True)
class QuarterSentiment:
    start: float
    end: float
    score: float | None
    turns: int


@dataclass(frozen=True)
class Sentiment:
    """A party's mood over the call (see the module docstring for the formula)."""

    speaker: str
    method: str
    turns: tuple[TurnSentiment, ...]
    quarters: tuple[QuarterSentiment, ...]
    start_score: float
    end_score: float
    change: float
    ended_angrier: bool


def word_sentiment(text: str) -> tuple[float, tuple[str, ...]]:
    """Lexicon score of one text in [-1, 1] and the cues behind it.

    >>> word_sentiment("我要投诉你们，太慢了")[0] < 0
    True
    >>> word_sentiment("好的谢谢，我明白了")[0] > 0
    True
    >>> word_sentiment("我不生气")[0]
    0.0
    """
    pos = neg = 0.0
    cues = []
    for m in _CUE.finditer(text):
        cue = m.group(0)
        before = text[max(0, m.start() - 2):m.start()]
        negated = any(before.endswith(n) for n in NEGATORS) and not cue.startswith(NEGATORS)
        weight = 1.5 if any(before.endswith(i) for i in INTENSIFIERS) else 1.0
        is_neg = cue in NEGATIVE
        if negated:
            if is_neg:
                cues.append("不" + cue)
                continue          # 不生气: neither
            is_neg = True         # 不满意 is listed; 不专业, 没耐心 land here
        cues.append(cue)
        if is_neg:
            neg += weight
        else:
            pos += weight
    if text.count("！") + text.count("!") >= 1:
        neg += 0.5 if neg > pos else 0.0
    return (pos - neg) / (pos + neg + 1.0), tuple(cues)


def call_sentiment(utterances: Sequence[Utterance], prosody: Mapping | None = None, *,
                   speaker: str = "customer") -> Sentiment | None:
    """The mood of ``speaker`` per turn and per quarter; None when they said nothing.

    Parameters
    ----------
    utterances : the transcript.
    prosody : ``metrics.prosody`` (per-turn pitch and level); without it, words only.
    speaker : whose mood (default the customer).
    """
    mine = [u for u in utterances if u.speaker == speaker and u.text.strip()]
    if not mine:
        return None
    voice = {}
    p = (prosody or {}).get(speaker)
    for tv in (getattr(p, "turns", ()) or ()):
        voice[round(tv.start, 2)] = tv
    base_p = [voice[k].pitch_st for k in sorted(voice) if voice[k].pitch_st is not None][:BASELINE_TURNS]
    base_l = [voice[k].level_db for k in sorted(voice) if voice[k].level_db is not None][:BASELINE_TURNS]
    turns = []
    for u in mine:
        words, cues = word_sentiment(u.text)
        tv = voice.get(round(u.start, 2))
        arousal = None
        if tv is not None and tv.pitch_st is not None and base_p and base_l and tv.level_db is not None:
            arousal = float(np.clip((tv.pitch_st - np.median(base_p)) / AROUSAL_ST
                                    + (tv.level_db - np.median(base_l)) / AROUSAL_DB, -1, 1))
        voice_term = AROUSAL_WEIGHT * max(0.0, arousal - AROUSAL_DEAD) / (1 - AROUSAL_DEAD) if arousal else 0.0
        score = words - voice_term if words <= 0 else words
        turns.append(TurnSentiment(u.start, u.end, speaker, float(np.clip(score, -1, 1)), words, arousal, cues))
    t0 = min(u.start for u in utterances)
    t1 = max(u.end for u in utterances)
    step = (t1 - t0) / 4 if t1 > t0 else 1.0
    quarters = []
    for q in range(4):
        a, b = t0 + q * step, t0 + (q + 1) * step
        inside = [t for t in turns if a <= t.end <= b + 1e-6 and not (q and t.end <= a)]
        w = [max(t.end - t.start, 0.1) for t in inside]
        score = float(np.average([t.score for t in inside], weights=w)) if inside else None
        quarters.append(QuarterSentiment(a, b, score, len(inside)))
    scored = [q for q in quarters if q.score is not None]
    start, end = scored[0].score, scored[-1].score
    change = end - start
    method = "words (lexicon)" + (" and voice (pitch and level against the caller's first turns)" if voice else "")
    return Sentiment(speaker, method, tuple(turns), tuple(quarters), start, end, change,
                     change <= ANGRIER_CHANGE and end < 0)
