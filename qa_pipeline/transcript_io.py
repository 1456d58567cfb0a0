"""Transcripts as input: re-apply the rules to a stored call without running ASR.

Two formats are read:

- our own output (``qa score --json``), whose ``transcript`` holds utterances with
  speaker, times, text and words;
- a plain dialogue in JSON Lines, one utterance per line::

      {"speaker": "agent", "start": 0.5, "end": 3.2, "text": "您好，安心保险客服中心"}
      {"speaker": "customer", "text": "你好，我想查一下保单"}

  ``speaker`` is ``agent``/``customer`` (also ``A``/``C``, ``坐席``/``客户``); ``start``
  and ``end`` are optional: missing times are laid out at 4 characters a second with
  0.6 s between turns, so time windows and rates are approximate.

Every field is checked before it is used: times are finite seconds, ``words`` a list of
``{start, end, text}``, and the file, its lines and its utterance count are bounded
(:data:`MAX_BYTES`, :data:`MAX_LINE_CHARS`, :data:`MAX_UTTERANCES`). A wrong file is one
:class:`~qa_pipeline.errors.TranscriptError` naming the file, the utterance and the field.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import TranscriptError
from .files import Unreadable, read_text
from .sanitize import terminal_text
from .text import count_chars, normalize, to_simplified
from .types import Correction, Utterance, Word

SPEAKERS = {"agent": "agent", "a": "agent", "坐席": "agent", "客服": "agent",
            "customer": "customer", "c": "customer", "客户": "customer", "unknown": "unknown"}
CHARS_PER_S = 4.0
TURN_GAP_S = 0.6
TRANSCRIPT_SUFFIXES = (".json", ".jsonl")
MAX_BYTES = 64 << 20            # a 10-hour call's report is a few MB
MAX_LINE_CHARS = 100_000        # one JSONL utterance
MAX_UTTERANCES = 50_000
MAX_WORDS = 20_000              # in one utterance
MAX_TEXT_CHARS = 20_000         # in one utterance
MAX_TIME_S = 7 * 24 * 3600.0    # no call lasts a week


@dataclass(frozen=True)
class LoadedTranscript:
    utterances: tuple[Utterance, ...]
    duration_s: float
    source: dict


def is_transcript(path: str | Path) -> bool:
    return Path(path).suffix.lower() in TRANSCRIPT_SUFFIXES


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _json(text: str, path: Path, line: int | None = None) -> Any:
    where = f"{path}:{line}" if line else str(path)
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise TranscriptError(f"{path}:{line or exc.lineno}: not valid JSON ({exc.msg})") from None
    except ValueError as exc:  # NaN / Infinity
        raise TranscriptError(f"{where}: not valid JSON ({exc})") from None
    except RecursionError:
        raise TranscriptError(f"{where}: JSON nested too deeply; a transcript is a list of utterances") from None


def load_transcript(path: str | Path) -> LoadedTranscript:
    """Read a transcript file (our JSON report or a JSONL dialogue).

    Raises
    ------
    TranscriptError
        The file is missing, unreadable, too big, not JSON, or an utterance lacks a speaker or
        has a field of the wrong type; the message says which line or utterance and which field.
    """
    path = Path(path)
    try:
        text = read_text(path, max_bytes=MAX_BYTES, what="transcript")
    except Unreadable as exc:
        raise TranscriptError(f"{path}: {exc}") from None
    if path.suffix.lower() == ".jsonl":
        rows = []
        for n, line in enumerate(text.splitlines(), 1):
            if len(line) > MAX_LINE_CHARS:
                raise TranscriptError(f"{path}:{n}: line longer than {MAX_LINE_CHARS:,} characters; "
                                      "one utterance per line")
            if line.strip():
                rows.append((n, _json(line, path, n)))
                if len(rows) > MAX_UTTERANCES:
                    raise TranscriptError(f"{path}: more than {MAX_UTTERANCES:,} utterances; split the file")
        return _from_rows(path, rows, {})
    data = _json(text, path)
    if isinstance(data, dict) and isinstance(data.get("transcript"), list):
        return transcript_from_report(data, path)
    if isinstance(data, list):
        return _from_rows(path, list(enumerate(data, 1)), {})
    raise TranscriptError(f"{path}: expected a qa report (with 'transcript') or a list of utterances")


def transcript_from_report(data: dict, path: str | Path = "stored report") -> LoadedTranscript:
    """The transcript of a report already in memory (a stored call's, perhaps with a reviewer's corrections),
    checked as :func:`load_transcript` checks a file; ``path`` names it in error messages."""
    path = Path(path)
    if not isinstance(data.get("transcript"), list):
        raise TranscriptError(f"{path}: a report needs a 'transcript' list")
    rows = list(enumerate(data["transcript"], 1))
    source = {k: data.get(k) for k in ("call_id", "file", "audio", "redacted", "metrics") if k in data}
    diag = data.get("diagnostics")
    if isinstance(diag, dict) and diag.get("direction") is not None:  # the manifest's, for the outbound rules
        if diag["direction"] not in ("inbound", "outbound"):
            raise TranscriptError(f"{path}: diagnostics.direction must be 'inbound' or 'outbound'")
        source["direction"] = diag["direction"]
    return _from_rows(path, rows, _source(path, source), duration=_seconds(data.get("duration_s"), path,
                                                                            "duration_s", optional=True))


def _seconds(value: Any, path: Path, what: str, *, optional: bool = False) -> float | None:
    """A time in seconds: a finite number (or numeric string) from 0 to a week."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TranscriptError(f"{path}: {what} must be a number of seconds, not {type(value).__name__}")
    try:
        x = float(value)
    except ValueError:
        raise TranscriptError(f"{path}: {what} must be a number of seconds, not {str(value)[:30]!r}") from None
    if not math.isfinite(x) or not 0 <= x <= MAX_TIME_S:
        raise TranscriptError(f"{path}: {what} = {str(value)[:30]} is not a time in the call (0 to {MAX_TIME_S:g} s)")
    return x


def _text(value: Any, path: Path, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TranscriptError(f"{path}: {what} must be text, not {type(value).__name__}")
    if len(value) > MAX_TEXT_CHARS:
        raise TranscriptError(f"{path}: {what} longer than {MAX_TEXT_CHARS:,} characters")
    return terminal_text(value)  # a transcript file cannot smuggle terminal escapes into any output


def _source(path: Path, source: dict) -> dict:
    """The report fields re-used as they are: check their types."""
    for key in ("call_id", "file"):
        if key in source and source[key] is not None and not isinstance(source[key], str):
            raise TranscriptError(f"{path}: '{key}' must be text")
    audio = source.get("audio")
    if audio is None:
        return source
    if not isinstance(audio, dict):
        raise TranscriptError(f"{path}: 'audio' must be an object")
    for key in ("sample_rate", "channels"):
        v = audio.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 1_000_000):
            raise TranscriptError(f"{path}: audio.{key} must be a whole number")
    for key in ("format", "codec", "sha256", "agent_channel"):
        if audio.get(key) is not None and not isinstance(audio[key], str):
            raise TranscriptError(f"{path}: audio.{key} must be text")
    return source


def _words(raw: Any, path: Path, where: str) -> tuple[Word, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise TranscriptError(f"{path}: {where}: 'words' must be a list of {{start, end, text}}")
    if len(raw) > MAX_WORDS:
        raise TranscriptError(f"{path}: {where}: more than {MAX_WORDS:,} words")
    out = []
    for k, w in enumerate(raw, 1):
        if not isinstance(w, dict) or not {"start", "end", "text"} <= set(w):
            continue  # words are optional detail; an incomplete one is skipped, as before
        at = f"{where}, word {k}"
        prob = w.get("prob", 1.0)
        if isinstance(prob, bool) or not isinstance(prob, (int, float)) or not 0 <= prob <= 1:
            raise TranscriptError(f"{path}: {at}: prob must be a number from 0 to 1")
        out.append(Word(_seconds(w["start"], path, f"{at}: start"), _seconds(w["end"], path, f"{at}: end"),
                        _text(w["text"], path, f"{at}: text"), float(prob)))
    return tuple(out)


def _from_rows(path: Path, rows: list[tuple[int, object]], source: dict, duration: float | None = None
               ) -> LoadedTranscript:
    if len(rows) > MAX_UTTERANCES:
        raise TranscriptError(f"{path}: more than {MAX_UTTERANCES:,} utterances; split the file")
    utts: list[Utterance] = []
    clock = 0.0
    for n, row in rows:
        where = f"utterance {n}"
        if not isinstance(row, dict):
            raise TranscriptError(f"{path}: {where}: expected an object with 'speaker' and 'text'")
        speaker = row.get("speaker", "")
        spk = SPEAKERS.get(speaker.strip().lower()) if isinstance(speaker, str) else None
        if spk is None:
            from .redact import redact_text  # an error quotes the input: masked like every output

            said = redact_text(str(speaker)[:30])
            raise TranscriptError(f"{path}: {where}: speaker {said!r} is not one of "
                                  "agent/customer (or A/C, 坐席/客户)")
        given = _text(row.get("text"), path, f"{where}: text")
        raw = to_simplified(_text(row.get("raw_text"), path, f"{where}: raw_text") or given).strip()
        start, end = row.get("start"), row.get("end")
        if start is None or end is None:
            start = clock + (TURN_GAP_S if utts else 0.5)
            end = start + max(count_chars(raw), 1) / CHARS_PER_S
        else:
            start, end = _seconds(start, path, f"{where}: start"), _seconds(end, path, f"{where}: end")
        if end < start:
            raise TranscriptError(f"{path}: {where}: ends ({end}) before it starts ({start})")
        rate = row.get("rate_cpm")
        if rate is not None and (isinstance(rate, bool) or not isinstance(rate, (int, float))
                                 or not math.isfinite(rate) or rate < 0):
            raise TranscriptError(f"{path}: {where}: rate_cpm must be a number of characters a minute")
        words = _words(row.get("words"), path, where)
        text = normalize(given or raw)
        utts.append(Utterance(spk, start, end, text, raw, words, rate, _corrections(row.get("corrections"), text)))
        clock = max(clock, end)
    if not utts:
        raise TranscriptError(f"{path}: no utterances")
    utts.sort(key=lambda u: (u.start, u.speaker))
    return LoadedTranscript(tuple(utts), float(duration or clock + 0.5), source)


def _corrections(rows, text: str) -> tuple[Correction, ...]:
    """A stored report's ``corrections[]`` (ASR homophones replaced in ``text``), kept on re-scoring.

    Informational only: an entry that is malformed or no longer points at its term in the
    text is left out, never an error."""
    out = []
    for c in rows if isinstance(rows, list) else ():
        if not isinstance(c, dict):
            continue
        heard, term, start, end, how = (c.get(k) for k in ("heard", "term", "start", "end", "how"))
        if (isinstance(heard, str) and isinstance(term, str) and isinstance(how, str)
                and isinstance(start, int) and isinstance(end, int) and not isinstance(start, bool)
                and 0 <= start < end <= len(text) and text[start:end] == term):
            out.append(Correction(heard, term, start, end, how))
    return tuple(out)
