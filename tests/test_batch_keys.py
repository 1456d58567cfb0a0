"""Stale results: the batch skips a stored call only when its file, the rules and every option that changes a
result (and the model's files) are unchanged. Real batches (worker processes, the real model on a 20 s clip,
real SQLite files); the key's parts are checked as tables."""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
import soundfile as sf

from qa_pipeline.batch import BatchOptions, discover, run_batch
from qa_pipeline.batch.keys import model_fingerprint, options_digest, result_key
from qa_pipeline.metrics import MetricsOptions
from qa_pipeline.pipeline import PipelineOptions

from .conftest import SAMPLES

BASE = PipelineOptions()


def _with(**changes) -> PipelineOptions:
    """BASE with ``stage__field=value`` (or a top-level ``field=value``) changed."""
    opts = BASE
    for name, value in changes.items():
        if "__" in name:
            stage, field = name.split("__")
            opts = replace(opts, **{stage: replace(getattr(opts, stage), **{field: value})})
        else:
            opts = replace(opts, **{name: value})
    return opts


CHANGES = [  # (change, changes a recording's result, changes a transcript's result)
    ({"asr__beam_size": 5}, True, False),
    ({"asr__compute_type": "int8_float32"}, True, False),
    ({"asr__device": "cuda"}, True, False),
    ({"asr__vad_threshold": 0.4}, True, False),
    ({"asr__min_silence_ms": 300}, True, False),
    ({"asr__language": "en"}, True, False),
    ({"asr__vocabulary": ("安心保险",)}, True, False),
    ({"audio__min_duration_s": 1.0}, True, False),
    ({"diarize__max_similarity": 0.7}, True, False),
    ({"diarize__enabled": False}, True, False),
    ({"agent_channel": "right"}, True, False),
    ({"metrics__hold_min_s": 8.0}, True, True),
    ({"metrics__min_silence_s": 2.0}, True, True),
    ({"asr__threads": 3}, False, False),
    ({"diarize__threads": 2}, False, False),
    ({"rules_dir": "/some/rules"}, False, False),  # the rules' own version (hash of their files) covers them
]


@pytest.mark.parametrize("change, audio, transcript", CHANGES, ids=[next(iter(c[0])) for c in CHANGES])
def test_options_digest_changes_exactly_with_result_options(change, audio, transcript):
    opts = _with(**change)
    assert (options_digest(opts) != options_digest(BASE)) is audio
    assert (options_digest(opts, audio=False) != options_digest(BASE, audio=False)) is transcript


def test_model_fingerprint_follows_the_files_not_the_folder_name(tmp_path):
    def model(folder: Path, first: bytes) -> str:
        folder.mkdir()
        (folder / "model.bin").write_bytes(first + b"\0" * 3000)
        (folder / "config.json").write_text("{}")
        for p in folder.iterdir():
            os.utime(p, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
        return model_fingerprint(str(folder))

    a = model(tmp_path / "whisper", b"A")
    assert model(tmp_path / "other-name", b"A") == a  # same files under another folder name
    changed = model(tmp_path / "whisper-2", b"B")  # same name pattern and size, other weights
    assert changed != a
    marked = tmp_path / "assembled"
    marked.mkdir()
    (marked / "qa-pipeline-model.json").write_text(json.dumps({"files": {"model.bin": {"sha256": "ab" * 32,
                                                                                       "size": 3}}}))
    other = tmp_path / "assembled-2"
    other.mkdir()
    (other / "qa-pipeline-model.json").write_text(json.dumps({"files": {"model.bin": {"sha256": "cd" * 32,
                                                                                      "size": 3}}}))
    assert model_fingerprint(str(marked)) != model_fingerprint(str(other))


def test_result_key_names_the_model_and_hashes_the_rest():
    key = result_key(BASE)
    assert key.startswith("whisper-base|int8|beam1|zh|model:") and "|opts:" in key
    assert result_key(_with(asr__vad_threshold=0.4)) != key
    assert result_key(BASE, audio=False).startswith("transcript|opts:")
    assert result_key(_with(asr__beam_size=5), audio=False) == result_key(BASE, audio=False)


# -- real batches ------------------------------------------------------------------------------------------

DIALOGUE = [("agent", "您好，安心保险客服中心，很高兴为您服务。"), ("customer", "你好，我想查一下保单。"),
            ("agent", "好的，请您稍等。"), ("customer", "好的。"),
            ("agent", "感谢您的耐心等待，您的保单已经生效了。"), ("customer", "好的，谢谢。"),
            ("agent", "感谢您的来电，祝您生活愉快，再见。")]


def _dialogue(path: Path, hold_s: float) -> None:
    """A JSONL dialogue with a silence of ``hold_s`` after the agent asks the caller to wait."""
    t0, rows = 0.5, []
    for i, (speaker, text) in enumerate(DIALOGUE):
        rows.append({"speaker": speaker, "start": t0, "end": round(t0 + len(text) / 4, 2), "text": text})
        t0 = round(t0 + len(text) / 4 + (hold_s if i == 3 else 0.6), 2)
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")


def _batch(folder: Path, db: Path, pipeline: PipelineOptions, include: tuple[str, ...] = ()):
    from qa_pipeline.store import Store

    store = Store(db)
    try:
        return run_batch(discover(folder, include=include), store, pipeline, BatchOptions(workers=1))
    finally:
        store.close()


def _rows(db: Path) -> dict[str, tuple]:
    con = sqlite3.connect(db)
    try:
        return {r[0]: r[1:] for r in con.execute("select call_id, run_id, model_key from calls")}
    finally:
        con.close()


def test_transcripts_rescored_when_a_metrics_option_changes(tmp_path):
    folder = tmp_path / "calls"
    folder.mkdir()
    _dialogue(folder / "t1.jsonl", hold_s=9.0)
    _dialogue(folder / "t2.jsonl", hold_s=0.6)
    db = tmp_path / "qa.db"
    first = _batch(folder, db, BASE, ("*.jsonl",))
    assert (first.scored, first.skipped, first.failed) == (2, 0, 0)
    same = _batch(folder, db, _with(asr__beam_size=5, asr__threads=1), ("*.jsonl",))  # no ASR in a transcript
    assert (same.scored, same.skipped) == (0, 2)
    before = _rows(db)
    changed = _batch(folder, db, _with(metrics__hold_min_s=8.0), ("*.jsonl",))
    assert (changed.scored, changed.skipped) == (2, 0)
    after = _rows(db)
    assert {k: v[0] for k, v in after.items()} == {"t1": changed.run_id, "t2": changed.run_id}
    assert after["t1"][1] != before["t1"][1]
    con = sqlite3.connect(db)
    holds = dict(con.execute("select call_id, value from metrics where name = 'hold_count'"))
    con.close()
    assert holds == {"t1": 1, "t2": 0}  # the 9 s silence is a hold under the new 8 s threshold


def test_recording_rescored_when_beam_or_vad_changes_and_skipped_when_only_threads_do(tmp_path):
    folder = tmp_path / "calls"
    folder.mkdir()
    audio, rate = sf.read(SAMPLES / "call01_clean_ulaw.wav", dtype="int16")
    sf.write(folder / "clip.wav", audio[: 20 * rate], rate, subtype="PCM_16")
    db = tmp_path / "qa.db"
    first = _batch(folder, db, _with(asr__threads=1))
    assert (first.scored, first.failed) == (1, 0), first.failures
    same = _batch(folder, db, _with(asr__threads=2))
    assert (same.scored, same.skipped) == (0, 1)
    key_before = _rows(db)["clip"][1]
    beam = _batch(folder, db, _with(asr__threads=1, asr__beam_size=2))
    assert (beam.scored, beam.skipped, beam.failed) == (1, 0, 0)
    run_id, key_after = _rows(db)["clip"]
    assert run_id == beam.run_id and key_after != key_before and "|beam2|" in key_after
    again = _batch(folder, db, _with(asr__threads=1, asr__beam_size=2))
    assert (again.scored, again.skipped) == (0, 1)
    vad = _batch(folder, db, _with(asr__threads=1, asr__beam_size=2, asr__vad_threshold=0.45))  # a VAD setting
    assert (vad.scored, vad.skipped) == (1, 0)
