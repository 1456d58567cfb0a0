"""The review page in a real browser: Debian's chromium driven by Playwright, against `qa review` as a process.

The flow QA staff follow: open the queue, filter it, open a call, seek the audio by clicking a
finding, dispute one finding, agree with another, reload and see both stored. Screenshots of each
page go to $QA_SCREENSHOTS (default: the test's temp folder).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from .conftest import HTML_TEXT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed "
                                                                     "(apt-get install chromium; .ci/run does)")


@contextlib.contextmanager
def review_server(db: Path, *args: str):
    """`qa review` on a free loopback port as a real process; yields its URL once it answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "qa_pipeline", "review", "--db", str(db), "--port", str(port),
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                httpx.get(url + "/api/me", timeout=1)
                break
            except httpx.HTTPError:
                if proc.poll() is not None:
                    raise AssertionError(proc.communicate()[1]) from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture()
def server(review_db, tmp_path):
    db = tmp_path / "qa.db"
    shutil.copy(review_db, db)
    with review_server(db, "--user", "王质检", "--role", "senior") as url:
        yield url, db


@pytest.fixture()
def page(tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"],
                                    headless=True)
        # bypass_csp: wait_for_function evaluates its predicate with eval, which the app's CSP forbids
        # (tests/test_queue_web.py drives the page under the CSP, with no eval)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
        yield pg
        browser.close()


def shot(page, name: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("QA_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_review_flow_in_a_real_browser(server, page, tmp_path):
    url, db = server
    page.goto(url + "/")
    page.wait_for_selector("#queue tbody tr")
    rows = page.locator("#queue tbody tr")
    assert rows.count() == 4
    assert rows.first.get_attribute("data-call") == "c08"  # the fatal call comes first
    assert "1 fatal" in page.locator("#counts").inner_text()
    shot(page, "queue", tmp_path)

    # filter: calls that failed the taboo-phrase check
    page.select_option("select[name=check]", "language.banned_phrase")
    page.click("#filters button[type=submit]")
    page.wait_for_function("document.querySelectorAll('#queue tbody tr').length === 1")
    assert page.locator("#queue tbody tr").first.get_attribute("data-call") == "c08"
    assert "check=language.banned_phrase" in page.url

    # open the call
    page.click("#queue tbody tr a")
    page.wait_for_selector(".finding-item")
    page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=30_000)
    assert page.locator("#transcript .utt").count() > 5

    # clicking a finding seeks the audio to its span
    item = page.locator("[data-finding='language.banned_phrase#0']")
    start = float(page.evaluate("""() => {
        const d = document.querySelector("[data-finding='language.banned_phrase#0']").textContent;
        const m = d.match(/(\\d+):(\\d\\d)/); return Number(m[1]) * 60 + Number(m[2]); }"""))
    item.locator(".why").click()
    page.wait_for_function(f"Math.abs(document.getElementById('player').currentTime - {start}) < 1.5")
    shot(page, "call", tmp_path)

    # dispute one finding (with a reason), agree with another
    disputed = page.locator("[data-finding='privacy.identity_verification#0']")
    disputed.locator("input").fill("客户已主动报出保单号")
    disputed.locator("button.dispute").click()
    page.wait_for_selector("[data-finding='privacy.identity_verification#0'] button.dispute.on")
    page.locator("[data-finding='language.banned_phrase#0'] button.agree").click()
    page.wait_for_selector("[data-finding='language.banned_phrase#0'] button.agree.on")
    page.fill("#final-score", "40")
    page.click("#save-score")
    page.click("#mark-reviewed")
    page.wait_for_function("document.getElementById('status').textContent === 'reviewed'")

    # reload: the decisions are stored
    page.reload()
    page.wait_for_selector("[data-finding='language.banned_phrase#0'] button.agree.on")
    assert page.locator("[data-finding='privacy.identity_verification#0'] button.dispute.on").count() == 1
    assert page.locator("[data-finding='privacy.identity_verification#0'] input").input_value() == "客户已主动报出保单号"
    assert "王质检" in page.locator("#history").inner_text()
    shot(page, "call_reviewed", tmp_path)
    con = sqlite3.connect(db)
    assert con.execute("select kind, target, value, user from review_events order by event_id").fetchall()[:2] == [
        ("finding", "privacy.identity_verification#0", "dispute", "王质检"),
        ("finding", "language.banned_phrase#0", "agree", "王质检")]
    assert con.execute("select status, final_score from call_reviews where call_id = 'c08'").fetchone() == ("reviewed", 40.0)

    # back in the queue the call shows as reviewed
    page.goto(url + "/?status=reviewed")
    page.wait_for_function("document.querySelectorAll('#queue tbody tr').length === 1")

    # calibration: the two decisions show up per check
    page.goto(url + "/calibration")
    row = page.wait_for_selector("#per-check tr[data-check='language.banned_phrase']")
    cells = row.query_selector_all("td")
    assert [c.inner_text() for c in cells[2:4]] == ["1", "0"]  # agreed, disputed
    assert page.locator("#per-check tr[data-check='privacy.identity_verification'] td").nth(3).inner_text() == "1"
    shot(page, "calibration", tmp_path)


def test_manual_items_and_comment_are_kept(server, page, tmp_path):
    url, db = server
    page.goto(url + "/call/c01")
    box = page.wait_for_selector("input[data-manual]")
    item = box.get_attribute("data-manual")
    box.fill("1")
    page.locator(f"input[data-manual='{item}'] + button, input[data-manual='{item}'] ~ button").first.click()
    page.wait_for_function(f"document.querySelector(\"#history\").textContent.includes('{item}')")
    page.fill("#comment", "开场白标准，语速偏快")
    page.click("#save-comment")
    page.wait_for_function("document.querySelector('#history').textContent.includes('开场白标准')")
    page.reload()
    page.wait_for_selector("input[data-manual]")
    assert page.locator(f"input[data-manual='{item}']").input_value() == "1"
    assert page.locator("#comment").input_value() == "开场白标准，语速偏快"


def test_transcript_html_is_shown_as_text(server, page, tmp_path):
    url, _ = server
    page.goto(url + "/call/x_html")
    page.wait_for_selector("#transcript .utt")
    assert HTML_TEXT in page.locator("#transcript").inner_text()
    assert page.locator("#transcript img, #transcript b").count() == 0
    assert page.title() != "pwned"
    assert "scored from a transcript" in page.locator("#player").inner_text()  # no audio to play
    shot(page, "call_html", tmp_path)


def test_queue_page_loads_in_under_a_second_on_10000_calls(review_db, tmp_path, page):
    from .conftest import clone_calls

    db = tmp_path / "big.db"
    shutil.copy(review_db, db)
    clone_calls(db, 10_000)
    with review_server(db) as url:
        url += "/"
        page.goto(url)  # warm: the first request opens the database
        page.wait_for_selector("#queue tbody tr")
        t0 = time.perf_counter()
        page.goto(url)
        page.wait_for_selector("#queue tbody tr")
        took = time.perf_counter() - t0
        print(f"queue page with 10,000+ calls: {took * 1000:.0f} ms")
        assert took < 1.0, took
        assert "10" in page.locator("#counts").inner_text()


def test_agent_appeals_and_senior_rules_in_the_browser(review_db, tmp_path, page):
    db = tmp_path / "qa.db"
    shutil.copy(review_db, db)
    users = tmp_path / "users.yaml"
    users.write_text("users:\n  - {name: 王质检, token: reviewer-token-0123456, role: reviewer}\n"
                     "  - {name: A001, token: agent-token-A001-0123, role: agent}\n"
                     "  - {name: 陈主管, token: senior-token-01234567, role: senior}\n", encoding="utf-8")
    with review_server(db, "--users", str(users)) as url:
        ctx = page.context
        page.goto(url + "/call/c08?token=reviewer-token-0123456")  # the reviewer finishes the review
        page.wait_for_selector("#mark-reviewed")
        page.click("#mark-reviewed")
        page.wait_for_function("document.getElementById('status').textContent === 'reviewed'")
        assert page.locator("#appeal").count() == 0  # reviewers do not appeal

        ctx.clear_cookies()
        page.goto(url + "/?token=agent-token-A001-0123")  # the agent sees only their own call, and appeals
        page.wait_for_selector("#queue tbody tr")
        assert [r.get_attribute("data-call") for r in page.locator("#queue tbody tr").all()] == ["c08"]
        page.click("#queue tbody tr a")
        page.wait_for_selector("#appeal")
        assert not page.locator("#mark-reviewed").is_visible() and not page.locator(".decide").first.is_visible()
        page.fill("#appeal-reason", "客户要求我读出登记的电话号码")
        page.click("#appeal")
        page.wait_for_function("document.getElementById('status').textContent === 'appealed'")
        shot(page, "appeal", tmp_path)

        ctx.clear_cookies()
        page.goto(url + "/call/c08?token=senior-token-01234567")  # the senior gives the final ruling
        page.wait_for_selector("#ruling-reason")
        assert "客户要求我读出登记的电话号码" in page.locator("#appeal-box").inner_text()
        page.fill("#ruling-reason", "保密信息不得主动告知")
        page.click("text=Uphold review")
        page.wait_for_function("document.getElementById('status').textContent === 'ruled'")
        page.reload()
        page.wait_for_selector("#appeal-box")
        assert "upheld" in page.locator("#appeal-box").inner_text() and "陈主管" in page.locator("#appeal-box").inner_text()
