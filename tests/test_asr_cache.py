"""The transcription cache ($QA_PIPELINE_ASR_CACHE): same audio, same result; any change, a new key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from qa_pipeline import asr_cache
from qa_pipeline.transcribe import TranscribeOptions
from qa_pipeline.types import Interval

from .conftest import SAMPLES

TRACKS = {"agent": np.linspace(-0.1, 0.1, 16000, dtype=np.float32), "customer": np.zeros(16000, np.float32)}
SPEECH = {"agent": [Interval(0.1, 0.9)], "customer": []}


@pytest.mark.parametrize("change", [
    lambda t, s, o: ({**t, "agent": t["agent"] * 0.5}, s, o),           # the audio
    lambda t, s, o: (t, {**s, "agent": [Interval(0.1, 0.8)]}, o),       # a speech span
    lambda t, s, o: (t, s, replace(o, beam_size=5)),                    # a recognition option
    lambda t, s, o: (t, s, replace(o, vocabulary=("保单号",))),          # the vocabulary
    lambda t, s, o: ({"agent": t["customer"], "customer": t["agent"]}, s, o),  # which track is whose
], ids=["audio", "span", "beam", "vocabulary", "tracks swapped"])
def test_key_changes_with_anything_that_decides_the_result(change):
    base = asr_cache.cache_key(TRACKS, SPEECH, TranscribeOptions())
    assert asr_cache.cache_key(TRACKS, SPEECH, TranscribeOptions()) == base
    assert asr_cache.cache_key(*change(TRACKS, SPEECH, TranscribeOptions())) != base


def _score(path, cache, out):
    env = {**os.environ}
    env.pop(asr_cache.ENV, None)
    if cache:
        env[asr_cache.ENV] = str(cache)
    r = subprocess.run([sys.executable, "-m", "qa_pipeline", "score", str(path), "--json", "-o", str(out)],
                       capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    return _untimed(json.loads(out.read_text("utf-8")))


def _untimed(data):
    """The report without how long its stages took (they differ run to run)."""
    if isinstance(data, dict):
        return {k: _untimed(v) for k, v in data.items() if k not in ("timings_s", "seconds_s")}
    return [_untimed(v) for v in data] if isinstance(data, list) else data


def test_cached_result_equals_a_fresh_recognition(tmp_path):
    """The real model on a sample call: no cache, a cold cache, a warm one and a damaged one give the same report."""
    call = SAMPLES / "call08_taboo_pcm.wav"
    fresh = _score(call, None, tmp_path / "fresh.json")
    cold = _score(call, tmp_path / "cache", tmp_path / "cold.json")
    files = list((tmp_path / "cache").rglob("*.json"))
    assert len(files) == 1
    warm = _score(call, tmp_path / "cache", tmp_path / "warm.json")
    assert fresh["transcript"] and fresh == cold == warm
    files[0].write_text("{not json", "utf-8")  # a damaged entry is recognized again and rewritten, never an error
    again = _score(call, tmp_path / "cache", tmp_path / "again.json")
    assert again == fresh and json.loads(files[0].read_text("utf-8"))
