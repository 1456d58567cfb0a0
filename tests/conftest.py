"""Shared fixtures: the sample calls with their ground truth, scored once per session."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_audio"
TRUTHS = sorted(SAMPLES.glob("*.truth.json"))


def pytest_configure(config):
    """One transcription cache for the whole session, subprocesses included ($QA_PIPELINE_ASR_CACHE):
    each distinct audio goes through the real model once, and every later test that scores the same
    audio with the same options reuses that recognition. tests/test_asr_cache.py checks it changes nothing."""
    import os
    import tempfile

    if not os.environ.get("QA_PIPELINE_ASR_CACHE"):
        config._asr_cache = tempfile.TemporaryDirectory(prefix="qa-asr-cache-")
        os.environ["QA_PIPELINE_ASR_CACHE"] = config._asr_cache.name


def pytest_unconfigure(config):
    import os

    if getattr(config, "_asr_cache", None) is not None:
        os.environ.pop("QA_PIPELINE_ASR_CACHE", None)
        config._asr_cache.cleanup()


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


REVIEW_CALLS = {  # file in the review fixture's folder → (sample or None, agent, name, team, started_at)
    "c08.wav": ("call08_taboo_pcm.wav", "A001", "王芳", "车险一组", "2026-11-20 10:05:00"),
    "c03.mp3": ("call03_interrupt_mp3.mp3", "A002", "李娜", "车险一组", "2026-11-20 11:30:00"),
    "c01.wav": ("call01_clean_ulaw.wav", "A003", "张伟", "寿险二组", "2026-11-21 09:15:00"),
    "x_html.jsonl": (None, "A003", "张伟", "寿险二组", "2026-11-21 14:00:00"),
}
HTML_TEXT = '<img src=x onerror="document.title=\'pwned\'"><b>粗体</b>'


@pytest.fixture(scope="session")
def review_db(tmp_path_factory) -> Path:
    """A results database made by a real `qa batch`: three sample calls and one transcript whose text is HTML."""
    import csv
    import shutil
    import subprocess
    import sys

    root = tmp_path_factory.mktemp("review")
    calls = root / "calls"
    calls.mkdir()
    rows = []
    for name, (sample, agent, agent_name, team, started) in REVIEW_CALLS.items():
        if sample:
            shutil.copy(SAMPLES / sample, calls / name)
        else:
            lines = [{"speaker": "agent", "start": 0.5, "end": 3.0, "text": "您好，安心保险客服中心，工号1234，很高兴为您服务。"},
                     {"speaker": "customer", "start": 3.5, "end": 6.0, "text": HTML_TEXT},
                     {"speaker": "agent", "start": 6.5, "end": 8.0, "text": "感谢您的来电，再见。"}]
            (calls / name).write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
        rows.append({"file": name, "call_id": Path(name).stem, "agent_id": agent, "agent_name": agent_name,
                     "team": team, "started_at": started, "direction": "inbound"})
    with (root / "manifest.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    db = root / "qa.db"
    r = subprocess.run([sys.executable, "-m", "qa_pipeline", "batch", str(calls), "--db", str(db), "--manifest",
                        str(root / "manifest.csv"), "--include", "*.wav", "--include", "*.mp3", "--include", "*.jsonl"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    return db


def clone_calls(db: Path, n: int) -> None:
    """Add ``n`` copies of every stored call (rows of calls and checks) under new ids, for load tests."""
    import sqlite3

    con = sqlite3.connect(db)
    try:
        cols = [r[1] for r in con.execute("pragma table_info(calls)")]
        kcols = [r[1] for r in con.execute("pragma table_info(checks)")]
        calls = con.execute("select * from calls where status = 'scored'").fetchall()
        checks = con.execute("select * from checks").fetchall()
        i_id, i_agent, i_start = cols.index("call_id"), cols.index("agent_id"), cols.index("started_at")
        with con:
            for k in range(n // len(calls) + 1):
                rows = []
                for r in calls:
                    r = list(r)
                    src = r[i_id]
                    r[i_id] = f"load{k:05d}_{src}"
                    r[i_agent] = f"L{k % 40:02d}"
                    r[i_start] = f"2026-10-{1 + k % 28:02d} {8 + k % 12:02d}:00:00"
                    rows.append(r)
                con.executemany(f"insert into calls values ({','.join('?' * len(cols))})", rows)
                con.executemany(f"insert into checks values ({','.join('?' * len(kcols))})",
                                [(f"load{k:05d}_{c[0]}", *c[1:]) for c in checks])
    finally:
        con.close()
