"""Phrase matching that tolerates what ASR gets wrong: same-sound characters.

Whisper mishears Mandarin mostly by sound (来电→来点, 工号→公号, 稍等→收等), so a
phrase matches an utterance in three ways, tried in order:

``exact``      the characters appear as written;
``homophone``  the toneless pinyin appears (来点 ↔ 来电);
``fuzzy``      the pinyin appears with a few close syllables (收等 ↔ 稍等), the cost
               of the alignment divided by the phrase's syllable count at most
               ``tolerance``.

Syllable substitution costs come from the edit distance between the two syllables'
spellings, cheaper for the confusions of southern Mandarin and 8 kHz audio
(zh/z, ch/c, sh/s, n/l, -ng/-n). One-syllable phrases (喂, 好) only match as written:
too many characters share their sound. Two-syllable phrases (你好) match as written or
as homophones, never fuzzily: one changed syllable is half the phrase (你好 ↔ 你找).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from ..text import pinyin

_SKIP = re.compile(r"[\s，。！？、；：,.!?;:\"'“”‘’（）()《》…~～-]")
_CLOSE = [(re.compile(r"^(z|c|s)h"), r"\1"), (re.compile(r"^l"), "n"), (re.compile(r"ng$"), "n")]


@dataclass(frozen=True)
class Match:
    """Where a phrase was heard in a text.

    ``start``/``end`` index the original text; ``heard`` is that slice; ``how`` is
    ``exact``, ``homophone`` or ``fuzzy``; ``similarity`` is 1.0 for the first two.
    """

    phrase: str
    start: int
    end: int
    heard: str
    how: str
    similarity: float


@lru_cache(maxsize=65536)
def _plain(text: str) -> tuple[str, list[int]]:
    """Text without spaces and punctuation, and the original index of each kept character."""
    keep = [(i, ch) for i, ch in enumerate(text) if not _SKIP.match(ch)]
    return "".join(ch for _, ch in keep), [i for i, _ in keep]


@lru_cache(maxsize=4096)
def _collapse(syl: str) -> str:
    for pat, rep in _CLOSE:
        syl = pat.sub(rep, syl)
    return syl


@lru_cache(maxsize=65536)
def syllable_cost(a: str, b: str) -> float:
    """0 for the same syllable, 0.2 for a classic confusion (shi/si, lan/nan), else edit distance share."""
    if a == b:
        return 0.0
    if _collapse(a) == _collapse(b):
        return 0.2
    return min(1.0, Levenshtein.normalized_distance(a, b))


@lru_cache(maxsize=65536)
def _row(syl: str, text: tuple[str, ...]) -> tuple[float, ...]:
    """The cost of ``syl`` against every syllable of a text (reused across phrases and windows)."""
    return tuple([syllable_cost(syl, t) for t in text])


def _align(phrase: tuple[str, ...], text: tuple[str, ...], lo: int = 0, hi: int | None = None
           ) -> tuple[float, int, int]:
    """Best local alignment of the whole phrase inside ``text[lo:hi]``: (cost, start, end) in
    syllables, relative to ``lo``."""
    hi = len(text) if hi is None else hi
    m, n = len(phrase), hi - lo
    prev = [0.0] * (n + 1)
    start_prev = list(range(n + 1))
    for i in range(1, m + 1):
        costs = _row(phrase[i - 1], text)
        cur = [float(i)] + [0.0] * n
        start_cur = [0] * (n + 1)
        left, left_start = float(i), 0
        for j in range(1, n + 1):
            best, origin = prev[j - 1] + costs[lo + j - 1], start_prev[j - 1]
            if prev[j] + 1.0 < best:
                best, origin = prev[j] + 1.0, start_prev[j]
            if left + 1.0 < best:
                best, origin = left + 1.0, left_start
            cur[j] = left = best
            start_cur[j] = left_start = origin
        prev, start_prev = cur, start_cur
    end = min(range(1, n + 1), key=lambda j: (prev[j], -j)) if n else 0
    return (prev[end] if n else float(m)), start_prev[end], end


def find(phrase: str, text: str, *, tolerance: float = 0.2) -> list[Match]:
    """Every non-overlapping place ``phrase`` is heard in ``text``.

    Parameters
    ----------
    phrase : what the rule looks for, e.g. ``"感谢您的来电"``.
    text : one utterance (normalized).
    tolerance : the largest alignment cost per syllable accepted as ``fuzzy``;
        0 accepts homophones only.

    Example
    -------
    >>> [(m.heard, m.how) for m in find("感谢来电", "好的感谢来点再见")]
    [('感谢来点', 'homophone')]
    """
    out: list[Match] = []
    pos = text.find(phrase)
    while pos >= 0 and phrase:
        out.append(Match(phrase, pos, pos + len(phrase), phrase, "exact", 1.0))
        pos = text.find(phrase, pos + len(phrase))
    if out:
        return out
    p_plain, _ = _plain(phrase)
    if len(p_plain) < 2:
        return []
    t_plain, index = _plain(text)
    return [_to_match(phrase, text, index, m) for m in _pinyin_hits(p_plain, t_plain, tolerance)]


@lru_cache(maxsize=65536)
def _pinyin_hits(p_plain: str, t_plain: str, tolerance: float) -> tuple[tuple[int, int, float], ...]:
    ps, ts = pinyin(p_plain), pinyin(t_plain)
    if len(ps) < 3:
        tolerance = 0.0
    if len(ps) != len(p_plain) or len(ts) != len(t_plain) or len(ts) < len(ps) - 1:
        return ()  # pinyin did not map one syllable per character: no safe alignment
    if tolerance == 0.0:  # homophones only: the same result as the alignment below, found directly
        m = len(ps)
        last = next((j for j in range(len(ts) - m, -1, -1) if ts[j:j + m] == ps), None)
        return () if last is None else ((last, last + m, 1.0),)
    # a fuzzy hit keeps at least one syllable exactly, and more when the tolerance is tight (any
    # other syllable costs at least 1/6): skip texts without them, align only around them
    have = set(ts)
    need = max(1, len(ps) - int(tolerance * len(ps) * 6 + 1e-9))
    if sum(1 for p in ps if p in have) < need:
        return ()
    hits: list[tuple[int, int, float]] = []
    for lo, hi in _windows(ps, ts, margin=2):
        offset = lo
        while offset < hi:
            cost, s, e = _align(ps, ts, offset, hi)
            share = cost / len(ps)
            if share > tolerance + 1e-9 or e <= s:
                break
            exact = sum(1 for a, b in zip(ps, ts[offset + s: offset + e]) if a == b)
            if exact or cost == 0:
                hits.append((offset + s, offset + e, 1.0 - share))
            offset += e
    return tuple(hits)


def _to_match(phrase: str, text: str, index: list[int], hit: tuple[int, int, float]) -> Match:
    s, e, sim = hit
    start, end = index[s], index[e - 1] + 1
    how = "homophone" if sim >= 1.0 else "fuzzy"
    return Match(phrase, start, end, text[start:end], how, round(sim, 3))


def nearest(phrases: list[str], text: str) -> Match | None:
    """The closest any of ``phrases`` comes to ``text`` (for explaining a miss)."""
    return _nearest(tuple(phrases), text)


@lru_cache(maxsize=16384)
def _nearest(phrases: tuple[str, ...], text: str) -> Match | None:
    best: Match | None = None
    t_plain, index = _plain(text)
    if not t_plain:
        return None
    ts = pinyin(t_plain)
    if len(ts) != len(t_plain):
        return None
    # phrases sharing a syllable with the text, aligned around the shared syllables (any close
    # miss shares one); all phrases over the whole text only when none shares a syllable
    have = set(ts)
    sharing = [p for p in phrases if set(pinyin(_plain(p)[0])) & have]
    for phrase in sharing or phrases:
        p_plain, _ = _plain(phrase)
        if not p_plain:
            continue
        ps = pinyin(p_plain)
        for lo, hi in (_windows(ps, ts) if sharing else [(0, len(ts))]):
            cost, s, e = _align(ps, ts, lo, hi)
            s, e = s + lo, e + lo
            sim = max(0.0, 1.0 - cost / len(p_plain))
            if e > s and (best is None or sim > best.similarity):
                best = Match(phrase, index[s], index[e - 1] + 1, text[index[s]: index[e - 1] + 1], "nearest",
                             round(sim, 3))
    return best


def _windows(ps: tuple[str, ...], ts: tuple[str, ...], margin: int = 0) -> list[tuple[int, int]]:
    """Stretches of the text around the syllables it shares with the phrase, merged."""
    m = len(ps) + margin
    spans = sorted((max(0, j - m), min(len(ts), j + m + 1)) for j, t in enumerate(ts) if t in ps)
    out: list[tuple[int, int]] = []
    for lo, hi in spans:
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out
