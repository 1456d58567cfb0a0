"""Reviewer annotations on PostgreSQL (a throw-away server, as tests/test_postgres.py): a correction and a marked
violation re-score the call, the machine's result is kept, and the submitted sheet stores the annotated score."""

from __future__ import annotations

import subprocess
import sys

import sqlalchemy as sa
from fastapi.testclient import TestClient

from qa_pipeline.review.app import create_app
from qa_pipeline.review.state import User
from qa_pipeline.store import Store

from .annotation_calls import _batch
from .test_postgres import pg_url  # noqa: F401 - the throw-away server fixture

REV = {"authorization": "Bearer t-reviewer-0123456789"}


def check(report: dict, check_id: str) -> dict:
    return next(c for c in report["checks"] if c["id"] == check_id)


def test_annotations_rescore_on_postgresql(pg_url, tmp_path):  # noqa: F811
    _batch(tmp_path)  # the transcripts and their manifest (and a SQLite copy)
    r = subprocess.run([sys.executable, "-m", "qa_pipeline", "batch", str(tmp_path / "calls"), "--db", pg_url,
                        "--manifest", str(tmp_path / "manifest.csv"), "--include", "*.jsonl"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    store = Store(pg_url)
    c = TestClient(create_app(store, {"t-reviewer-0123456789": User("王质检", "reviewer")}))
    before = c.get("/api/calls/m1", headers=REV).json()["report"]
    assert check(before, "closing.farewell")["status"] == "fail"
    for event in ({"kind": "correction", "target": "4", "reason": "感谢您的来电，再见。"},
                  {"kind": "violation", "target": "language.banned_phrase", "value": "3:2-9", "reason": "推卸"}):
        r = c.post("/api/calls/m1/events", headers=REV, json=event)
        assert r.status_code == 200, r.text
    after = c.get("/api/calls/m1", headers=REV).json()
    report = after["report"]
    assert check(report, "closing.farewell")["status"] == "pass"
    assert check(report, "language.banned_phrase")["findings"][-1]["source"] == "reviewer"
    assert [h["kind"] for h in after["history"]] == ["correction", "rescore", "violation", "rescore"]
    assert store.report("m1")["checks"] == before["checks"]  # the machine's result is kept
    items = {x["id"]: {"verdict": "agree"} for x in report["checks"] if x["status"] in ("fail", "partial")
             or (x.get("confidence") is not None and x["confidence"] < 0.6 and x.get("points_possible") is not None
                 and x["status"] != "manual")}
    sub = c.post("/api/calls/m1/review", headers=REV, json={"items": items})
    assert sub.status_code == 200, sub.text
    with store.engine.connect() as conn:
        final = conn.execute(sa.text("select final_score from call_reviews where call_id = 'm1'")).scalar_one()
    assert final == report["score"] != before["score"]
    store.close()
