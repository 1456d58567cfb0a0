"""The same store on PostgreSQL (a throw-away server started for the test), for teams that outgrow a file.

Runs where a PostgreSQL server is installed (Debian's ``postgresql``; ``.ci/run`` installs it);
skipped elsewhere, with the reason.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))


def _run_as_postgres(args: list[str]) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:  # initdb refuses root
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def pg_url():
    if not BIN:
        pytest.skip("no PostgreSQL server installed (apt-get install postgresql)")
    pytest.importorskip("psycopg")
    bindir = Path(BIN[-1]).parent
    home = Path(tempfile.mkdtemp(prefix="qa-pg-"))  # not under pytest's root-only folder: postgres must enter it
    home.chmod(0o755)
    data = home / "data"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
        shutil.chown(home, "postgres")
    r = _run_as_postgres([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "qa"])
    assert r.returncode == 0, r.stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = _run_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(data.parent / "log"), "-o",
                          f"-p {port} -k {data.parent} -c listen_addresses=127.0.0.1", "start"])
    assert r.returncode == 0, r.stderr
    try:
        import psycopg

        for _ in range(50):
            try:
                with psycopg.connect(f"host=127.0.0.1 port={port} user=qa dbname=postgres", autocommit=True) as c:
                    c.execute("create database qa")
                break
            except psycopg.OperationalError:
                time.sleep(0.2)
        yield f"postgresql+psycopg://qa@127.0.0.1:{port}/qa"
    finally:
        _run_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"])
        shutil.rmtree(home, ignore_errors=True)


def test_batch_report_and_resume_on_postgresql(pg_url, tmp_path):
    calls = tmp_path / "calls"
    calls.mkdir()
    for i, greet in enumerate([True, False, True]):
        lines = [{"speaker": "agent", "text": "您好，安心保险客服中心，工号1234，很高兴为您服务。" if greet else "说吧。"},
                 {"speaker": "customer", "text": "我想查一下理赔进度。"},
                 {"speaker": "agent", "text": "感谢您的来电，再见。"}]
        (calls / f"20261122_A0{i}_c{i}.jsonl").write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines))
    (calls / "20261122_A09_broken.jsonl").write_text("{not json")
    cmd = [sys.executable, "-m", "qa_pipeline", "batch", str(calls), "--db", pg_url, "--include", "*.jsonl",
           "--name-pattern", "{date}_{agent_id}_{call_id}", "--workers", "1"]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert first.returncode == 5, first.stderr  # the broken file failed, the rest were scored
    second = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert "skipped       3" in second.stdout

    from qa_pipeline.reports import build_report
    from qa_pipeline.store import Store

    store = Store(pg_url)
    assert store.revision() == store.head()
    assert store.count_calls("scored") == 3 and store.count_calls("failed") == 1
    views = build_report(store)
    checks = views["checks"].set_index("check_id")
    assert (checks.loc["opening.greeting", "fails"], checks.loc["opening.greeting", "applicable"]) == (1, 3)
    assert views["agents"]["calls"].sum() == 3
    assert store.report("c1")["call_id"] == "c1"

    # a review decision is read, checked and written in one transaction; the queue sees it
    from qa_pipeline.review.state import User, history, record
    from qa_pipeline.store.queue import QueueFilter, queue_page

    state = record(store, "c1", User("rev1", "reviewer"), "check", "opening.greeting", "agree")
    assert state["status"] == "in_review" and [e["target"] for e in history(store, "c1")] == ["opening.greeting"]
    page = queue_page(store, QueueFilter(review_status="in_review"))
    assert [x["call_id"] for x in page["items"]] == ["c1"] and page["counts"]["by_status"]["in_review"] == 1
