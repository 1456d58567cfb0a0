"""Shared fixtures: the sample calls with their ground truth, scored once per session."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_audio"
TRUTHS = sorted(SAMPLES.glob("*.truth.json"))


def truth(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.truth.json").read_text("utf-8"))


@lru_cache(maxsize=None)
def scored(name: str):
    """The real pipeline (real model) on a sample call, once per test session."""
    from qa_pipeline.pipeline import score_call

    return score_call(SAMPLES / truth(name)["file"])


@pytest.fixture(params=[p.name.removesuffix(".truth.json") for p in TRUTHS])
def sample(request):
    name = request.param
    return name, truth(name), scored(name)


def cer(ref: str, hyp: str) -> float:
    """Character error rate: edit distance / reference length."""
    d = list(range(len(hyp) + 1))
    for i in range(1, len(ref) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(hyp) + 1):
            cur = d[j]
            d[j] = min(d[j] + 1, d[j - 1] + 1, prev + (ref[i - 1] != hyp[j - 1]))
            prev = cur
    return d[len(hyp)] / max(1, len(ref))
