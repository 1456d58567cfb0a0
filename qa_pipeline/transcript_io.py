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
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import TranscriptError
from .text import count_chars, normalize, to_simplified
from .types import Utterance, Word

SPEAKERS = {"agent": "agent", "a": "agent", "坐席": "agent", "客服": "agent",
            "customer": "customer", "c": "customer", "客户": "customer", "unknown": "unknown"}
CHARS_PER_S = 4.0
TURN_GAP_S = 0.6
TRANSCRIPT_SUFFIXES = (".json", ".jsonl")


@dataclass(frozen=True)
class LoadedTranscript:
    utterances: tuple[Utterance, ...]
    duration_s: float
    source: dict


def is_transcript(path: str | Path) -> bool:
    return Path(path).suffix.lower() in TRANSCRIPT_SUFFIXES


def load_transcript(path: str | Path) -> LoadedTranscript:
    """Read a transcript file (our JSON report or a JSONL dialogue).

    Raises
    ------
    TranscriptError
        The file is missing, not JSON, or lacks speakers and text; the message says which line.
    """
    path = Path(path)
    if not path.is_file():
        raise TranscriptError(f"{path}: file not found")
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TranscriptError(f"{path}: cannot read as UTF-8 text ({exc})") from None
    if path.suffix.lower() == ".jsonl":
        rows = []
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    rows.append((n, json.loads(line)))
                except json.JSONDecodeError as exc:
                    raise TranscriptError(f"{path}:{n}: not valid JSON ({exc.msg})") from None
        return _from_rows(path, rows, {})
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TranscriptError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    if isinstance(data, dict) and isinstance(data.get("transcript"), list):
        rows = list(enumerate(data["transcript"], 1))
        source = {k: data.get(k) for k in ("call_id", "file", "audio", "redacted", "metrics") if k in data}
        return _from_rows(path, rows, source, duration=data.get("duration_s"))
    if isinstance(data, list):
        return _from_rows(path, list(enumerate(data, 1)), {})
    raise TranscriptError(f"{path}: expected a qa report (with 'transcript') or a list of utterances")


def _from_rows(path: Path, rows: list[tuple[int, object]], source: dict, duration: float | None = None
               ) -> LoadedTranscript:
    utts: list[Utterance] = []
    clock = 0.0
    for n, row in rows:
        if not isinstance(row, dict):
            raise TranscriptError(f"{path}: utterance {n}: expected an object with 'speaker' and 'text'")
        spk = SPEAKERS.get(str(row.get("speaker", "")).strip().lower())
        if spk is None:
            raise TranscriptError(f"{path}: utterance {n}: speaker {row.get('speaker')!r} is not one of "
                                  "agent/customer (or A/C, 坐席/客户)")
        raw = to_simplified(str(row.get("raw_text") or row.get("text") or "")).strip()
        start, end = row.get("start"), row.get("end")
        if start is None or end is None:
            start = clock + (TURN_GAP_S if utts else 0.5)
            end = start + max(count_chars(raw), 1) / CHARS_PER_S
        try:
            start, end = float(start), float(end)
        except (TypeError, ValueError):
            raise TranscriptError(f"{path}: utterance {n}: start/end must be numbers of seconds") from None
        if end < start:
            raise TranscriptError(f"{path}: utterance {n}: ends ({end}) before it starts ({start})")
        words = tuple(Word(float(w["start"]), float(w["end"]), str(w["text"]), float(w.get("prob", 1.0)))
                      for w in row.get("words") or [] if isinstance(w, dict) and {"start", "end", "text"} <= set(w))
        text = normalize(str(row.get("text") or raw))
        utts.append(Utterance(spk, start, end, text, raw, words, row.get("rate_cpm")))
        clock = max(clock, end)
    if not utts:
        raise TranscriptError(f"{path}: no utterances")
    utts.sort(key=lambda u: (u.start, u.speaker))
    return LoadedTranscript(tuple(utts), float(duration or clock + 0.5), source)
