"""Redaction: masked text in every output, and bleeped audio for sharing recordings.

Text has **one path**: :func:`redact_data` walks a whole result — a :class:`CallReport`,
its JSON, a stored review's events, a table row — and passes every text field through
:func:`redact_text` with the project's entity rules (``rules/entities.yaml`` via
``RuleSet.entity_options()``). ``qa score`` (``--json``, ``-o``, the summary), the batch's
masked database, the review app and its exports all call it; nothing keeps its own list of
fields to mask.

:func:`redact_text` masks every entity :mod:`qa_pipeline.entities` finds (``4403**********1234``)
and any other run of 7 or more digits but its last 4 (a number ASR garbled so that no
checksum fits is still somebody's number). Digits read out as characters (幺三九…, 洞,
full-width ０-９) are seen as digits, so raw recognizer text and hallucinations are masked
too. A transcript's ``words[]`` are masked on their joined text, so a number split over
several words is hidden in every piece. Audio: the time span of each entity is replaced by
a 1 kHz tone on every channel.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .entities import EntityOptions, find_entities, mask_text
from .errors import AudioError
from .timeline import support
from .types import CallReport, Interval, Utterance, Word

_LONG_DIGITS = re.compile(r"(?<![0-9*])[0-9X]{7,}(?![0-9*])")
# Characters that are digits when a number is read out; the same length, so offsets carry over.
_AS_DIGITS = str.maketrans({**dict(zip("零〇洞一幺二两三四五六七八九", "00011223456789")),
                            **{chr(0xFF10 + i): str(i) for i in range(10)}})
# Fields that identify a call or a file rather than say anything: never masked (a sha256 or
# a rules hash may hold 7 digits in a row; a call id must still join the tables).
KEEP_FIELDS = frozenset({"call_id", "file", "path", "sha256", "content_sha256", "schema_version", "version",
                         "files", "audio", "model", "rules", "timings_s", "model_key", "rules_version",
                         "calibration_version"})
BLEEP_HZ = 1000.0
BLEEP_DBFS = -12.0
PAD_S = 0.25


def redact_text(text: str, options: EntityOptions | None = None) -> str:
    """``text`` with sensitive entities and long digit runs masked (same length).

    Parameters
    ----------
    text : str
        Any text: normalized transcript, raw recognizer output, a reviewer's comment.
    options : EntityOptions, optional
        The project's entity formats (``RuleSet.entity_options()``); the defaults if None.

    Returns
    -------
    str
        ``text`` with hidden characters replaced by ``*``.

    Examples
    --------
    >>> redact_text("电话幺三九幺二三四五六七八，卡号62220212345678901283")
    '电话幺三九****五六七八，卡号6222************1283'
    """
    if not text or not isinstance(text, str):
        return text
    return _redact(text, options or _DEFAULT)


_DEFAULT = EntityOptions()


@lru_cache(maxsize=8192)
def _redact(text: str, options: EntityOptions) -> str:
    mapped = text.translate(_AS_DIGITS)
    masked = mask_text(mapped, find_entities(mapped, options))
    masked = _LONG_DIGITS.sub(lambda m: "*" * (len(m.group()) - 4) + m.group()[-4:], masked)
    plain = mask_text(text, find_entities(text, options)) if mapped != text else masked
    out = [p if p != o else (m if m != d else o) for o, d, m, p in zip(text, mapped, masked, plain)]
    return "".join(out)


def _words(words, text_of, options: EntityOptions | None, text_changed: bool):
    """Mask words on their joined text: a number split over words is hidden in every piece.

    Where the utterance's text was masked but the words' own text shows nothing to mask (an entity
    only normalization revealed), every word holding a digit is hidden."""
    texts = [text_of(w) or "" for w in words]
    joined = "".join(texts)
    masked = redact_text(joined, options)
    if masked == joined:
        if not text_changed:
            return None
        return ["*" * len(t) if any(c.isdigit() for c in t.translate(_AS_DIGITS)) else t for t in texts]
    out, pos = [], 0
    for t in texts:
        out.append(masked[pos:pos + len(t)])
        pos += len(t)
    return out


def _utterance(u: Utterance, options: EntityOptions | None) -> Utterance:
    text, raw = redact_text(u.text, options), redact_text(u.raw_text, options)
    if text != u.text and raw == u.raw_text:
        raw = text  # the normalized text showed an entity the raw text hides: keep nothing raw
    pieces = _words(u.words, lambda w: w.text, options, text != u.text)
    words = u.words if pieces is None else tuple(replace(w, text=p) for w, p in zip(u.words, pieces))
    corrections = tuple(redact_data(c, options) for c in u.corrections)  # heard/term masked like the text
    return replace(u, text=text, raw_text=raw, words=words, corrections=corrections)


def _utterance_dict(u: dict, options: EntityOptions | None) -> dict:
    out = {k: redact_data(v, options, key=k) for k, v in u.items() if k != "words"}
    if u.get("text") != out.get("text") and u.get("raw_text") == out.get("raw_text") and "raw_text" in u:
        out["raw_text"] = out["text"]
    if "words" in u:
        words = [w for w in u["words"] or () if isinstance(w, dict)]
        pieces = _words(words, lambda w: w.get("text") if isinstance(w.get("text"), str) else "", options,
                        u.get("text") != out.get("text"))
        out["words"] = words if pieces is None else [{**w, "text": p} for w, p in zip(words, pieces)]
    return out


def redact_data(obj: Any, options: EntityOptions | None = None, *, key: str | None = None) -> Any:
    """``obj`` with every text field masked by :func:`redact_text`: the one redaction path.

    Parameters
    ----------
    obj : CallReport, dataclass, dict, list, tuple, str or pandas.DataFrame
        A report, its JSON (``to_dict()``), stored review events, table rows, an export; walked
        recursively. Fields named in :data:`KEEP_FIELDS` (call ids, file names, hashes,
        model and rules provenance) are left as they are.
    options : EntityOptions, optional
        The project's entity formats.
    key : str, optional
        The field name ``obj`` sits under (used while walking).

    Returns
    -------
    The same kind of object, masked (frozen dataclasses are copied with ``replace``).

    Examples
    --------
    >>> redact_data({"call_id": "c1", "history": [{"reason": "客户新号码是13912345678"}]})
    {'call_id': 'c1', 'history': [{'reason': '客户新号码是139****5678'}]}
    """
    if key in KEEP_FIELDS:
        return obj
    if isinstance(obj, str):
        return redact_text(obj, options)
    if isinstance(obj, Utterance):
        return _utterance(obj, options)
    if isinstance(obj, Word):
        return replace(obj, text=redact_text(obj.text, options))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {f.name: redact_data(getattr(obj, f.name), options, key=f.name) for f in dataclasses.fields(obj)}
        return replace(obj, **changes)
    if isinstance(obj, dict):
        if isinstance(obj.get("words"), list) and isinstance(obj.get("text"), str):
            return _utterance_dict(obj, options)
        return {k: redact_data(v, options, key=str(k)) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(redact_data(v, options, key=key) for v in obj)
    if hasattr(obj, "columns") and hasattr(obj, "assign"):  # a pandas DataFrame: every text column
        out = obj.copy()
        for col in out.columns:
            if str(col) not in KEEP_FIELDS and getattr(out[col].dtype, "kind", "") in ("O", "U", "T"):
                out[col] = out[col].map(lambda v, c=str(col): redact_data(v, options, key=c))
        return out
    return obj


def redact_report(report: CallReport, options: EntityOptions | None = None) -> CallReport:
    """A copy of ``report`` with every text field masked (see :func:`redact_data`).

    Parameters
    ----------
    report : CallReport
        A scored call.
    options : EntityOptions, optional
        The project's entity formats: ``load_rules(dir).entity_options()``.

    Returns
    -------
    CallReport
        Masked, with ``redacted=True``. A report already redacted is masked again (a no-op
        on masked text), so a project's rules reach stored reports too.
    """
    masked = redact_data(report, options)
    return replace(masked, redacted=True)


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
