"""Redaction: masked text in every output, and bleeped audio for sharing recordings.

Text: every entity :mod:`qa_pipeline.entities` finds is masked (``4403**********1234``),
and any other run of 7 or more digits keeps only its last 4 (a number ASR garbled so
that no checksum fits is still somebody's number). Audio: the time span of each
entity is replaced by a 1 kHz tone on every channel.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import replace
from pathlib import Path

import numpy as np

from .entities import EntityOptions, find_entities, mask_text
from .errors import AudioError
from .timeline import support
from .types import CallReport, Finding, Interval, Utterance

_LONG_DIGITS = re.compile(r"(?<![0-9*])[0-9X]{7,}(?![0-9*])")
_NUMERALS = set("0123456789零〇一二两三四五六七八九十幺")
BLEEP_HZ = 1000.0
BLEEP_DBFS = -12.0
PAD_S = 0.25


def redact_text(text: str, options: EntityOptions | None = None) -> str:
    """``text`` with sensitive entities and long digit runs masked (same length)."""
    if not text:
        return text
    masked = mask_text(text, find_entities(text, options))
    return _LONG_DIGITS.sub(lambda m: "*" * (len(m.group()) - 4) + m.group()[-4:], masked)


def _utterance(u: Utterance, options: EntityOptions | None) -> Utterance:
    text = redact_text(u.text, options)
    if text == u.text:
        return u
    hidden = {ch for a, b in zip(u.text, text) if a != b for ch in a}
    words = tuple(replace(w, text="*" * len(w.text)) if set(w.text) & (_NUMERALS | hidden) else w for w in u.words)
    corrections = tuple(replace(c, heard=redact_text(c.heard, options), term=text[c.start:c.end])
                        for c in u.corrections)
    return replace(u, text=text, raw_text=text, words=words, corrections=corrections)


def _finding(f: Finding, options: EntityOptions | None) -> Finding:
    return replace(f, quote=redact_text(f.quote, options), why=redact_text(f.why, options),
                   heard=redact_text(f.heard, options) if f.heard else f.heard)


def redact_report(report: CallReport, options: EntityOptions | None = None) -> CallReport:
    """A copy of ``report`` with sensitive data masked in the transcript and all evidence."""
    if report.redacted:
        return report
    checks = tuple(replace(c, findings=tuple(_finding(f, options) for f in c.findings),
                           evidence=tuple(_finding(f, options) for f in c.evidence),
                           summary=redact_text(c.summary, options)) for c in report.checks)
    ot = report.metrics.overtalk
    spans = tuple(replace(s, quote=redact_text(s.quote, options)) for s in ot.spans)
    metrics = replace(report.metrics, overtalk=replace(ot, spans=spans))
    return dataclasses.replace(report, transcript=tuple(_utterance(u, options) for u in report.transcript),
                               checks=checks, metrics=metrics, redacted=True)


def sensitive_spans(report: CallReport, options: EntityOptions | None = None) -> list[Interval]:
    """Time spans of the sensitive data in a (not yet redacted) report, padded and merged (``support``).

    An entity's time is interpolated from its character position in the utterance.
    """
    spans: list[Interval] = []
    for u in report.transcript:
        text = u.text
        n = max(len(text), 1)
        marks = [(e.start, e.end) for e in find_entities(text, options)]
        marks += [m.span() for m in _LONG_DIGITS.finditer(text)]
        for a, b in marks:
            t0 = u.start + (u.end - u.start) * a / n
            t1 = u.start + (u.end - u.start) * b / n
            spans.append(Interval(max(u.start, t0 - PAD_S), min(u.end, t1 + PAD_S)))
    return support(spans)

def bleep_audio(path: str | Path, spans: list[Interval], out: str | Path) -> float:
    """Write ``out``: the recording at ``path`` with ``spans`` replaced by a tone.

    Keeps the sample rate and channels when libsndfile can read the file; otherwise
    writes the decoded 16 kHz audio. The format follows ``out``'s extension (WAV/FLAC/OGG).
    Returns the seconds bleeped.
    """
    import soundfile as sf

    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError):
        from .audio import load_audio

        rec = load_audio(path)
        data, rate = np.stack(rec.channels, axis=1), rec.rate
    amp = 10 ** (BLEEP_DBFS / 20)
    done = 0.0
    for s in spans:
        a, b = int(s.start * rate), min(int(s.end * rate), len(data))
        if b <= a:
            continue
        t = np.arange(b - a) / rate
        data[a:b, :] = (amp * np.sin(2 * np.pi * BLEEP_HZ * t)).astype(np.float32)[:, None]
        done += (b - a) / rate
    try:
        sf.write(str(out), data, rate)
    except (sf.LibsndfileError, ValueError, TypeError) as exc:
        raise AudioError(out, f"cannot write the redacted audio ({exc}); use a .wav or .flac name") from None
    return done
