"""What a stored result depends on, as one key: the batch skips a call only when its audio, rules and this key
are unchanged.

The key hashes every pipeline option that can change a result: audio, ASR, VAD, metrics and diarization
settings, the agent channel, and any option added later (an option is in unless it is listed in
:data:`NOT_RESULTS` as only changing speed). For recordings it also holds the speech model's files (not the
model's folder name): an assembled registry model by the sha256 sums it was verified against, any other
model folder by each file's size, modification time and first megabyte, read once per process. A transcript
does not go through the audio, ASR or diarization stages, so their options leave its key alone.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

from ..pipeline import PipelineOptions

# Options that change how fast a call is scored, never its result. ``rules_dir`` is covered by the rules
# version (a hash of the rule files' contents), stored beside the key.
NOT_RESULTS = frozenset({("asr", "threads"), ("diarize", "threads"), ("rules_dir",)})
# Stages a transcript (JSON report or JSONL dialogue) skips: none of their options touch its result.
AUDIO_ONLY = frozenset({"audio", "asr", "diarize", "agent_channel"})
HEAD_BYTES = 1 << 20
MARKER = "qa-pipeline-model.json"  # written by models.assemble beside a verified registry model


def options_digest(options: PipelineOptions, *, audio: bool = True) -> str:
    """sha256 (hex) of every option of ``options`` that changes a result (``audio=False``: a transcript's)."""
    def keep(prefix: tuple[str, ...], value):
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {f.name: keep(prefix + (f.name,), getattr(value, f.name)) for f in dataclasses.fields(value)
                    if prefix + (f.name,) not in NOT_RESULTS and (prefix or audio or f.name not in AUDIO_ONLY)}
        if isinstance(value, (list, tuple)):
            return [keep(prefix, v) for v in value]
        return value

    data = keep((), options)
    if data.get("calibration"):  # a qa calibrate model by its version, not its path (latest.json is rewritten)
        from ..pipeline import _calibration

        data["calibration"] = _calibration(options.calibration).version
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=16)
def model_fingerprint(folder: str) -> str:
    """sha256 (hex) identifying the model files in ``folder``; computed once per process per folder."""
    root = Path(folder)
    h = hashlib.sha256()
    marker = root / MARKER
    if marker.is_file():  # a registry model: its files were checked against these sums when it was assembled
        try:
            files = json.loads(marker.read_text("utf-8"))["files"]
            h.update(json.dumps({k: [v["sha256"], v.get("size")] for k, v in files.items()},
                                sort_keys=True).encode())
            return h.hexdigest()
        except (ValueError, KeyError, TypeError):
            h = hashlib.sha256()  # a damaged marker: fall back to the files themselves
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")):
        st = path.stat()
        h.update(f"{path.relative_to(root).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
        with open(path, "rb") as f:
            h.update(hashlib.sha256(f.read(HEAD_BYTES)).digest())
    return h.hexdigest()


def result_key(options: PipelineOptions, *, audio: bool = True) -> str:
    """The stored ``model_key`` of a call: readable model facts, then the model files' and options' hashes.

    ``whisper-base|int8|beam1|zh|model:1a2b3c4d5e6f|opts:0123456789abcdef`` for a recording,
    ``transcript|opts:…`` for a transcript. Raises ``ModelError`` when the model cannot be found."""
    opts = options_digest(options, audio=audio)[:16]
    if not audio:
        return f"transcript|opts:{opts}"
    from ..models import resolve_model
    from ..transcribe import model_info

    m = model_info(options.asr)
    folder = resolve_model(options.asr.model)
    fingerprint = model_fingerprint(os.fspath(Path(folder).resolve()))[:12]
    return f"{str(m['name'])[:150]}|{m['compute_type']}|beam{m['beam_size']}|{m['language']}|model:{fingerprint}|opts:{opts}"
