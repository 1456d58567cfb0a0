"""A transcription cache on disk, for rule authors and test suites (``$QA_PIPELINE_ASR_CACHE``).

Editing rules means scoring the same recordings again and again; the speech model is nine
tenths of that time. With ``QA_PIPELINE_ASR_CACHE=/some/dir`` set, :func:`transcribe_cached`
keeps each call's recognition result there as JSON, keyed on everything that decides it: the
exact audio of every track (after echo and noise removal), the speech spans, every recognition
option, the model's files and the code that turns Whisper's output into utterances. Change any
of them and the key changes. The cache is off unless the variable is set; the batch and
``qa score`` results are identical with it on or off (tests/test_asr_cache.py).

JSON, not pickle: a cache directory is not trusted to run code.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from .types import Interval, Utterance, Word

ENV = "QA_PIPELINE_ASR_CACHE"
_FORMAT = 1


def cache_dir() -> Path | None:
    """The cache directory from ``$QA_PIPELINE_ASR_CACHE`` (None: no cache)."""
    value = os.environ.get(ENV, "").strip()
    return Path(value) if value else None


def _code_digest() -> str:
    from . import text, transcribe

    h = hashlib.sha256()
    for module in (transcribe, text):
        h.update(Path(module.__file__).read_bytes())
    return h.hexdigest()


def _model_digest(options) -> str:
    from .models import resolve_model

    path = Path(resolve_model(options.model))
    parts = [str(path.resolve())]
    for f in sorted(path.glob("*")) if path.is_dir() else [path]:
        st = f.stat()
        parts.append(f"{f.name}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


def cache_key(tracks: dict[str, np.ndarray], speech: dict[str, list[Interval]] | None, options) -> str:
    """The key of one recognition: tracks, speech spans, options, model files and code."""
    h = hashlib.sha256(f"format {_FORMAT}".encode())
    for spk in sorted(tracks):
        arr = np.ascontiguousarray(tracks[spk], dtype=np.float32)
        h.update(spk.encode() + b"\0" + str(arr.shape).encode() + b"\0")
        h.update(arr.tobytes())
        for iv in (speech or {}).get(spk, ()):
            h.update(f"{iv.start!r},{iv.end!r};".encode())
    h.update(repr(sorted(dataclasses.asdict(options).items())).encode())
    h.update(_model_digest(options).encode())
    h.update(_code_digest().encode())
    return h.hexdigest()


def _dump(results) -> dict:
    def utt(u: Utterance) -> dict:
        d = dataclasses.asdict(u)
        d["words"] = [[w.start, w.end, w.text, w.prob] for w in u.words]
        return d

    return {spk: {"speaker": r.speaker, "speech": [[i.start, i.end] for i in r.speech],
                  "utterances": [utt(u) for u in r.utterances], "retried": r.retried,
                  "untranscribed": [[i.start, i.end] for i in r.untranscribed], "dropped": list(r.dropped)}
            for spk, r in results.items()}


def _load(data: dict):
    from .transcribe import ChannelResult

    out = {}
    for spk, r in data.items():
        utts = [Utterance(**{**u, "words": tuple(Word(*w) for w in u["words"]), "corrections": ()})
                for u in r["utterances"]]
        out[spk] = ChannelResult(r["speaker"], [Interval(*i) for i in r["speech"]], utts, r["retried"],
                                 [Interval(*i) for i in r["untranscribed"]], list(r["dropped"]))
    return out


def transcribe_cached(tracks: dict[str, np.ndarray], options, speech: dict[str, list[Interval]] | None = None):
    """:func:`qa_pipeline.transcribe.transcribe_tracks`, through the cache when one is set."""
    from .transcribe import TranscribeOptions, transcribe_tracks

    folder = cache_dir()
    options = options or TranscribeOptions()
    if folder is None:
        return transcribe_tracks(tracks, options, speech)
    key = cache_key(tracks, speech, options)
    target = folder / key[:2] / f"{key}.json"
    found = _read(target)
    if found is not None:
        return found
    with _computing(target):  # a parallel process recognizing the same audio: wait for its result
        found = _read(target)
        if found is not None:
            return found
        results = transcribe_tracks(tracks, options, speech)
        _write(target, results)
    return results


def _read(target: Path):
    try:
        return _load(json.loads(target.read_text("utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing or unreadable: recognize again and rewrite it


@contextlib.contextmanager
def _computing(target: Path):
    """An exclusive lock on ``target``'s lock file while it is computed (POSIX; elsewhere no lock)."""
    try:
        import fcntl

        target.parent.mkdir(parents=True, exist_ok=True)
        f = open(target.with_suffix(".lock"), "a+b")
    except (ImportError, OSError):
        yield
        return
    try:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield
    finally:
        f.close()  # closing releases the lock


def _write(target: Path, results) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=target.parent, delete=False,
                                         suffix=".tmp") as f:
            json.dump(_dump(results), f, ensure_ascii=False)
        os.replace(f.name, target)  # atomic: parallel workers never read half a file
    except OSError:
        pass  # a read-only or full cache directory never fails a call
