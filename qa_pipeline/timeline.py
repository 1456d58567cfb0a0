"""Interval maths on sorted lists of :class:`~qa_pipeline.types.Interval`."""

from __future__ import annotations

from collections.abc import Iterable

from .types import Interval


def support(spans: Iterable[Interval], *, collar_s: float = 0.0) -> list[Interval]:
    """Union of ``spans``; spans closer than ``collar_s`` are merged.

    Example
    -------
    >>> support([Interval(0, 1), Interval(1.2, 2)], collar_s=0.5)
    [Interval(start=0, end=2)]
    """
    out: list[Interval] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if out and span.start - out[-1].end <= collar_s:
            if span.end > out[-1].end:
                out[-1] = Interval(out[-1].start, span.end)
        else:
            out.append(span)
    return out


def gaps(spans: Iterable[Interval], *, within: Interval, min_s: float = 0.0) -> list[Interval]:
    """The parts of ``within`` that no span covers, at least ``min_s`` long."""
    out, cursor = [], within.start
    for span in support(spans):
        if span.start > cursor and span.start - cursor >= min_s:
            out.append(Interval(cursor, min(span.start, within.end)))
        cursor = max(cursor, span.end)
        if cursor >= within.end:
            break
    if within.end - cursor >= min_s and within.end > cursor:
        out.append(Interval(cursor, within.end))
    return [g for g in out if g.duration > 0]


def intersections(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """Pairwise overlaps between two span lists (each list is merged first)."""
    a, b = support(a), support(b)
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i].start, b[j].start), min(a[i].end, b[j].end)
        if hi > lo:
            out.append(Interval(lo, hi))
        if a[i].end < b[j].end:
            i += 1
        else:
            j += 1
    return out


def total(spans: Iterable[Interval]) -> float:
    """Total duration of the union of ``spans``, in seconds."""
    return sum(s.duration for s in support(spans))


def clip(spans: Iterable[Interval], window: Interval) -> list[Interval]:
    """The parts of ``spans`` inside ``window``."""
    out = []
    for s in spans:
        lo, hi = max(s.start, window.start), min(s.end, window.end)
        if hi > lo:
            out.append(Interval(lo, hi))
    return out
