"""Vocabulary suggestions from reviewers' ASR corrections: what the machine heard → what was said.

Each correction in force (:mod:`.annotations`, the latest per segment) is compared with the machine's text
character by character (:class:`difflib.SequenceMatcher`); every changed stretch is widened to whole words
of the corrected text (jieba), so 感谢您的来点 → 感谢您的来电 gives 来点 → 来电, not 点 → 电. Pairs are
counted over all calls. A term whose toneless pinyin is what ASR heard is a homophone: the correction pass
replaces it when it is listed under ``lists: corrections:`` of ``vocabulary.yaml``; any other term is
suggested as a hotword (``vocabulary:``), which biases recognition towards it.

Stretches holding digits or masked characters (``*``), and stretches longer than :data:`MAX_TERM_CHARS`
(a rewritten sentence is no vocabulary), are left out.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from ..store import Store, reviews
from ..store.calls import stored_report
from ..text import pinyin, strip_punct
from .annotations import replay

MAX_TERM_CHARS = 8
_NOT_A_TERM = re.compile(r"[0-9*＊]")


@dataclass(frozen=True)
class Suggestion:
    """One machine → corrected pair: how often reviewers made it and in which calls."""

    heard: str
    term: str
    count: int
    calls: tuple[str, ...]
    homophone: bool


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(60)
    return jieba


def _bounds(text: str) -> list[int]:
    out, at = [0], 0
    for w in _jieba().lcut(text):
        at += len(w)
        out.append(at)
    return out


def changed_terms(machine: str, corrected: str) -> list[tuple[str, str]]:
    """The stretches a correction changed, widened to whole words of the corrected text.

    Example
    -------
    >>> changed_terms("感谢您的来点，再见。", "感谢您的来电，再见。")
    [('来点', '来电')]
    """
    bounds = _bounds(corrected)
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, machine, corrected, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        a = max((b for b in bounds if b <= j1), default=0)
        z = min((b for b in bounds if b >= j2), default=len(corrected))
        if z - a < 2:  # one character is no term: take the word after it (or before)
            z = min((b for b in bounds if b > z), default=z)
            a = a if z - a >= 2 else max((b for b in bounds if b < a), default=a)
        heard = strip_punct(machine[max(i1 - (j1 - a), 0):i2 + (z - j2)])
        term = strip_punct(corrected[a:z])
        if (heard and term and heard != term and len(heard) <= MAX_TERM_CHARS and len(term) <= MAX_TERM_CHARS
                and not _NOT_A_TERM.search(heard + term) and _alike(heard, term)):
            out.append((heard, term))
    return out


def _alike(heard: str, term: str) -> bool:
    """A misheard term shares a character or half its syllables with what was said (a rewrite does not)."""
    if set(heard) & set(term):
        return True
    return 2 * len(set(pinyin(heard)) & set(pinyin(term))) >= min(len(heard), len(term))


def suggestions(store: Store, *, min_count: int = 1) -> list[Suggestion]:
    """Every machine → corrected pair in the store's corrections made at least ``min_count`` times, most
    frequent first (then by term)."""
    by_call: dict[str, list[dict]] = {}
    for ev in reviews.events_of_kinds(store, ("correction",)):
        by_call.setdefault(ev["call_id"], []).append(ev)
    seen: dict[tuple[str, str], list[str]] = {}
    for call_id, events in by_call.items():
        report = stored_report(store, call_id) or {}
        for c in replay(events, report.get("transcript") or []).corrections.values():
            for pair in changed_terms(c.machine_text, c.text):
                seen.setdefault(pair, []).append(call_id)
    out = [Suggestion(h, t, len(calls), tuple(dict.fromkeys(calls)), pinyin(h) == pinyin(t))
           for (h, t), calls in seen.items() if len(calls) >= min_count]
    return sorted(out, key=lambda s: (-s.count, s.term, s.heard))


def to_yaml(found: Iterable[Suggestion]) -> str:
    """The suggestions as a vocabulary rule file (``rules/vocabulary.yaml``'s format) with the evidence as
    comments: paste its terms into the project's file."""
    found = list(found)
    lines = ["# qa vocabulary suggest: ASR errors reviewers corrected on the review page (heard → said).",
             "# Homophones go to lists.corrections (the correction pass replaces them in transcripts);",
             "# other terms to vocabulary (hotwords that bias recognition). Keep the lists short.",
             "version: 1"]

    def entry(s: Suggestion) -> str:
        calls = ", ".join(s.calls[:5]) + (f" +{len(s.calls) - 5}" if len(s.calls) > 5 else "")
        return f"  - {json.dumps(s.term, ensure_ascii=False)}  # heard {s.heard} ×{s.count} ({calls})"

    hot = [s for s in found if not s.homophone]
    homo = [s for s in found if s.homophone]
    lines += ["vocabulary:"] + [entry(s) for s in hot] if hot else ["vocabulary: []"]
    lines += ["lists:", "  corrections:"] + ["  " + entry(s) for s in homo] if homo else ["lists: {}"]
    return "\n".join(lines) + "\n"
