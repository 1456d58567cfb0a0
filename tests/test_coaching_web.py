"""Coaching tasks on the review page, in Debian's chromium: the agent sees only their own task, opens it
and acknowledges it; the acknowledgement is stored; another agent may not acknowledge it."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from qa_pipeline.cli import app

from . import kpi_month as km
from .test_review_web import review_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
TOKENS = {"A001": "a001-token-0123456789", "A002": "a002-token-0123456789", "王质检": "qa-token-0123456789ab"}


def test_agent_acknowledges_a_coaching_task_on_the_review_page(tmp_path):
    from playwright.sync_api import sync_playwright

    db = tmp_path / "qa.db"
    ids = km.add_scored_calls(db, km.generate(calls_per_day=10, days=3), every=1)
    runner = CliRunner()
    a001_call = next(c for c in ids if sqlite3.connect(db).execute(
        "select agent_id from calls where call_id = ?", (c,)).fetchone()[0] == "A001")
    users = tmp_path / "users.yaml"
    users.write_text("users:\n" + "".join(
        f"  - {{name: {n}, token: \"{tok}\", role: {'agent' if n.startswith('A') else 'reviewer'}}}\n"
        for n, tok in TOKENS.items()), encoding="utf-8")
    with review_server(db, "--users", str(users)) as url:
        with sync_playwright() as p:  # the reviewer assigns task 1 on the page
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(f"{url}/coaching?token={TOKENS['王质检']}")
            page.locator("#assign:not([hidden])").wait_for()
            page.fill("#new-agent", "A001")
            page.fill("#new-check", "speech.rate")
            page.fill("#new-calls", a001_call)
            page.fill("#new-note", "放慢语速，手机13812345678不要复述")
            page.click("#new-assign")
            page.locator("tr[data-task='1']").wait_for()
            page.fill("#new-calls", "no-such-call")
            page.click("#new-assign")
            page.locator("#error", has_text="no call no-such-call").wait_for()
            browser.close()
        res = runner.invoke(app, ["coach", "assign", "--db", str(db), "--agent", "A002", "--by", "王质检", "--note", "其他"])
        assert res.exit_code == 0 and "coaching task 2" in res.stdout, res.output
        denied = httpx.post(f"{url}/api/coaching", json={"agent_id": "A002"},
                            headers={"authorization": f"Bearer {TOKENS['A001']}"})
        assert denied.status_code == 403  # agents do not assign tasks
        other = httpx.post(f"{url}/api/coaching/1/ack", json={}, headers={"authorization": f"Bearer {TOKENS['A002']}"})
        assert other.status_code == 403 and "only A001" in other.json()["error"]
        seen = httpx.get(f"{url}/api/coaching", headers={"authorization": f"Bearer {TOKENS['A002']}"}).json()
        assert [t["agent_id"] for t in seen["tasks"]] == ["A002"]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(f"{url}/coaching?token={TOKENS['A001']}")
            assert page.locator("#assign").is_hidden()
            row = page.locator("tr[data-task='1']")
            row.wait_for()
            assert page.locator("#tasks tbody tr").count() == 1  # only A001's own task
            assert "13812345678" not in row.inner_text() and "138****5678" in row.inner_text()
            assert row.locator("a").inner_text() == a001_call
            row.locator(".ack-comment").fill("收到，会注意")
            row.locator("button.ack").click()
            page.locator("tr[data-task='1'] td.status[data-status='acknowledged']", has_text="已确认").wait_for()
            browser.close()
        reviewer = httpx.get(f"{url}/api/coaching", headers={"authorization": f"Bearer {TOKENS['王质检']}"}).json()
        assert sorted(t["agent_id"] for t in reviewer["tasks"]) == ["A001", "A002"]
    status, by, comment, assigned_by = sqlite3.connect(db).execute(
        "select status, acknowledged_by, ack_comment, assigned_by from coaching_tasks where task_id = 1").fetchone()
    assert (status, by, comment, assigned_by) == ("acknowledged", "A001", "收到，会注意", "王质检")
    assert sqlite3.connect(db).execute("select call_id from coaching_calls where task_id = 1").fetchall() == [(a001_call,)]
