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
from .review_calls import transcript_db, wb_db  # noqa: F401 (fixtures)

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


def agree_with_open_items(page) -> None:
    """Agree with every failed or low-confidence item still open on the call page (each click closes one)."""
    open_ = page.locator("#attention .item.open")
    for _ in range(100):
        if not open_.count():
            return
        open_.first.locator("button.agree").click()
    raise AssertionError("items stay open after Agree")


def test_review_flow_in_a_real_browser(server, page, tmp_path):
    url, db = server
    page.goto(url + "/")
    page.wait_for_selector("#queue tbody tr")
    rows = page.locator("#queue tbody tr")
    assert rows.count() == 4
    assert rows.first.get_attribute("data-call") == "c08"  # the fatal call comes first
    assert "1 通一票否决" in page.locator("#counts").inner_text()  # zh-CN by default
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
    page.wait_for_function("(document.getElementById('waveform').getAttribute('d') || '').length > 1000")
    assert page.locator("#timeline .tl-marker").count() >= 2 and page.locator("#timeline .tl-label").count() >= 3

    # clicking a finding seeks the audio to its span
    item = page.locator("[data-finding='language.banned_phrase#0']")
    start = float(page.evaluate("""() => {
        const d = document.querySelector("[data-finding='language.banned_phrase#0']").textContent;
        const m = d.match(/(\\d+):(\\d\\d)/); return Number(m[1]) * 60 + Number(m[2]); }"""))
    item.locator(".why").click()
    page.wait_for_function(f"Math.abs(document.getElementById('player').currentTime - {start}) < 1.5")
    shot(page, "call", tmp_path)

    # dispute one item (with a reason), agree with every other open one, submit the sheet
    disputed = page.locator("[data-item='privacy.identity_verification']")
    disputed.locator("input.reason").fill("客户已主动报出保单号")
    disputed.locator("button.dispute").click()
    agree_with_open_items(page)
    total = page.locator("#total").inner_text()
    page.click("#submit")
    page.wait_for_function("document.getElementById('status').dataset.status === 'reviewed'")

    # reload: the decisions are stored
    page.reload()
    page.wait_for_selector("[data-item='language.banned_phrase'] button.agree.on")
    assert page.locator("[data-item='privacy.identity_verification'] button.dispute.on").count() == 1
    assert page.locator("[data-item='privacy.identity_verification'] input.reason").input_value() == "客户已主动报出保单号"
    assert "王质检" in page.locator("#history").inner_text()
    shot(page, "call_reviewed", tmp_path)
    con = sqlite3.connect(db)
    assert ("check", "privacy.identity_verification", "dispute", "王质检") in con.execute(
        "select kind, target, value, user from review_events order by event_id").fetchall()
    assert con.execute("select status, final_score from call_reviews where call_id = 'c08'").fetchone() == ("reviewed", float(total))

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
    page.wait_for_selector("#sections details.section")
    if not page.locator("#sections .item input.points:visible").count():
        page.locator("#sections details.passes > summary").first.click()  # passes are folded away: open some
    box = page.locator("#sections .item input.points:visible").first
    item = box.get_attribute("data-points")
    box.fill("0.5")
    page.fill("#comment", "开场白标准，语速偏快")
    agree_with_open_items(page)
    page.click("#submit")
    page.wait_for_function("document.getElementById('status').dataset.status === 'reviewed'")
    page.reload()
    page.wait_for_selector(f"[data-item='{item}'] input.points")
    assert page.locator(f"[data-item='{item}'] input.points").input_value() == "0.5"
    assert page.locator("#comment").input_value() == "开场白标准，语速偏快"
    con = sqlite3.connect(db)
    assert con.execute("select value from review_events where kind = 'points' and target = ?", (item,)).fetchone() == ("0.5",)


def test_transcript_html_is_shown_as_text(server, page, tmp_path):
    url, _ = server
    page.goto(url + "/call/x_html")
    page.wait_for_selector("#transcript .utt")
    assert HTML_TEXT in page.locator("#transcript").inner_text()
    assert page.locator("#transcript img, #transcript b").count() == 0
    assert page.title() != "pwned"
    assert "由转写文本评分" in page.locator("#player").inner_text()  # no audio to play
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
        page.wait_for_selector("#attention .item.open")  # rendered (#submit is in the HTML before the call loads)
        agree_with_open_items(page)
        page.click("#submit")
        page.wait_for_function("document.getElementById('status').dataset.status === 'reviewed'")
        assert page.locator("#appeal").count() == 0  # reviewers do not appeal

        ctx.clear_cookies()
        page.goto(url + "/?token=agent-token-A001-0123")  # the agent sees only their own call, and appeals
        page.wait_for_selector("#queue tbody tr")
        assert [r.get_attribute("data-call") for r in page.locator("#queue tbody tr").all()] == ["c08"]
        page.click("#queue tbody tr a")
        page.wait_for_selector("#appeal")
        assert not page.locator("#submit").is_visible() and page.locator(".decide button").first.is_disabled()
        page.fill("#appeal-reason", "客户要求我读出登记的电话号码")
        page.click("#appeal")
        page.wait_for_function("document.getElementById('status').dataset.status === 'appealed'")
        shot(page, "appeal", tmp_path)

        ctx.clear_cookies()
        page.goto(url + "/call/c08?token=senior-token-01234567")  # the senior gives the final ruling
        page.wait_for_selector("#ruling-reason")
        assert "客户要求我读出登记的电话号码" in page.locator("#banner").inner_text()  # the appeal is on top
        page.fill("#ruling-reason", "保密信息不得主动告知")
        page.click("#uphold")
        page.wait_for_function("document.getElementById('status').dataset.status === 'ruled'")
        page.reload()
        page.wait_for_selector("#appeal-box")
        assert "维持原评" in page.locator("#appeal-box").inner_text() and "陈主管" in page.locator("#appeal-box").inner_text()


# -- the workbench on transcript calls (no ASR): drafts, live total, refusals in view, final rulings ----------

@pytest.fixture()
def wb_server(wb_db):
    with review_server(wb_db, "--user", "王质检", "--role", "reviewer") as url:
        yield url, wb_db


def _in_view(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    vh = page.viewport_size["height"]
    return box is not None and box["height"] > 0 and 0 <= box["y"] and box["y"] + box["height"] <= vh


def test_typed_text_survives_other_actions_and_a_reload(wb_server, page, tmp_path):
    url, db = wb_server
    page.goto(url + "/call/t1")
    page.wait_for_selector("[data-item='closing.farewell'] input.reason")
    assert page.locator("#submit").inner_text() == "提交复核" and "服务禁语" in page.locator("#attention").inner_text()
    page.fill("[data-item='closing.farewell'] input.reason", "转写漏了“再见”")
    page.click("[data-item='language.banned_phrase'] button.agree")  # another control: the reason stays
    page.wait_for_selector("[data-item='language.banned_phrase'] button.agree.on")
    assert page.locator("[data-item='closing.farewell'] input.reason").input_value() == "转写漏了“再见”"
    for item, pts in (("attitude.warm", "3"), ("info.complete", "4"), ("voice.clear", "1.5")):
        page.fill(f"[data-item='{item}'] input.points", pts)
    page.click("[data-item='closing.farewell'] button.dispute")
    page.click("#lang")  # the English switch re-renders the page: nothing typed is lost
    assert page.locator("#submit").inner_text() == "Submit review"
    assert page.locator("[data-item='attitude.warm'] input.points").input_value() == "3"
    page.click("#lang")
    page.reload()
    page.wait_for_selector("[data-item='closing.farewell'] button.dispute.on")
    assert page.locator("[data-item='closing.farewell'] input.reason").input_value() == "转写漏了“再见”"
    assert [page.locator(f"[data-item='{i}'] input.points").input_value() for i in ("attitude.warm", "info.complete", "voice.clear")] == ["3", "4", "1.5"]
    assert page.locator("[data-item='language.banned_phrase'] button.agree.on").count() == 1
    assert sqlite3.connect(db).execute("select count(*) from review_events").fetchone()[0] == 0  # a draft, not stored


def test_live_total_refused_submit_in_view_and_the_stored_score(wb_server, page, tmp_path):
    url, db = wb_server
    page.goto(url + "/call/t1")
    page.wait_for_selector("#total")
    auto = float(page.locator("#auto-score").inner_text())
    assert float(page.locator("#total").inner_text()) == auto  # nothing decided yet: the automatic score
    report = httpx.get(url + "/api/calls/t1").json()["report"]
    warm = next(c for c in report["checks"] if c["id"] == "attitude.warm")
    section = next(s for s in report["score_detail"]["sections"] if s["name"] == "服务态度")
    assert warm["points"] == 6  # not assessed on a transcript: its points are given provisionally
    page.fill("[data-item='attitude.warm'] input.points", "2")  # the sheet sums points: 4 fewer
    page.wait_for_function(f"Number(document.getElementById('total').textContent) === {auto - 4}")
    page.fill("[data-item='attitude.warm'] input.points", "0")
    page.wait_for_function(f"Number(document.getElementById('total').textContent) === {auto - 6}")
    sub = page.locator("[data-section='服务态度'] .subtotal").inner_text()
    assert sub.startswith(f"{section['earned'] - 6:.1f} / ")

    page.mouse.wheel(0, 5000)  # scrolled far down the sheet, the refusal still shows next to the button
    page.click("#submit")
    err = page.locator("#submit-error")
    n_open = page.locator(".item.open").count()
    assert n_open >= 3 and f"还有 {n_open} 项" in err.inner_text() and "开头语" in err.inner_text()
    assert _in_view(page, "#submit-error") and _in_view(page, "#submit")
    assert sqlite3.connect(db).execute("select count(*) from review_events").fetchone()[0] == 0
    shot(page, "workbench_refused", tmp_path)

    page.click("[data-item='language.banned_phrase'] button.agree")
    page.click("[data-item='opening.greeting'] button.agree")
    page.fill("[data-item='closing.farewell'] input.reason", "转写漏了再见")
    page.click("[data-item='closing.farewell'] button.dispute")
    agree_with_open_items(page)
    shown = float(page.locator("#total").inner_text())
    page.click("#submit")
    page.wait_for_function("document.getElementById('status').dataset.status === 'reviewed'")
    con = sqlite3.connect(db)
    assert con.execute("select status, final_score from call_reviews where call_id = 't1'").fetchone() == ("reviewed", shown)
    assert con.execute("select count(distinct at) from review_events").fetchone()[0] == 1  # one request, one transaction
    assert page.evaluate("localStorage.getItem('qa-draft:t1')") is None  # the draft is gone once stored
    shot(page, "workbench_submitted", tmp_path)


def test_an_appeal_is_ruled_once_and_the_ruling_is_final(wb_db, tmp_path, page):
    users = tmp_path / "users.yaml"
    users.write_text("users:\n  - {name: 王质检, token: reviewer-token-0123456, role: reviewer}\n"
                     "  - {name: A001, token: agent-token-A001-0123, role: agent}\n"
                     "  - {name: 陈主管, token: senior-token-01234567, role: senior}\n", encoding="utf-8")
    with review_server(wb_db, "--users", str(users)) as url:
        ctx = page.context
        page.goto(url + "/call/t1?token=reviewer-token-0123456")
        page.wait_for_selector("#attention .item")
        agree_with_open_items(page)
        page.fill("#comment", "开头语和结束语都缺")
        page.click("#submit")
        page.wait_for_function("document.getElementById('status').dataset.status === 'reviewed'")
        reviewed = float(page.locator("#final-score").inner_text())

        ctx.clear_cookies()
        page.goto(url + "/call/t1?token=agent-token-A001-0123")  # the agent sees the verdicts and appeals two items
        page.wait_for_selector("#appeal")
        assert page.locator("[data-item='opening.greeting'] button.agree.on").count() == 1
        assert page.locator("#comment").input_value() == "开头语和结束语都缺" and page.locator("#comment").is_disabled()
        page.check(".appeal-item input[value='opening.greeting']")
        page.check(".appeal-item input[value='language.banned_phrase']")
        page.fill("#appeal-reason", "我问候了客户")
        page.click("#appeal")
        page.wait_for_function("document.getElementById('status').dataset.status === 'appealed'")

        ctx.clear_cookies()
        page.goto(url + "/call/t1?token=senior-token-01234567")  # the senior sees the appeal on top, side by side
        page.wait_for_selector("#banner tr[data-appealed='opening.greeting']")
        assert page.locator("#banner tr[data-appealed]").count() == 2 and _in_view(page, "#overturn")
        page.fill("#ruling-reason", "录音里有问候")
        page.click("#overturn")
        page.wait_for_function("document.getElementById('status').dataset.status === 'ruled'")
        assert float(page.locator("#final-score").inner_text()) > reviewed  # the overturn rescored the call
        assert page.locator("[data-item='opening.greeting'] button.dispute.on").count() == 1
        assert not page.locator("#submit").is_visible() and "不可再次复核或申诉" in page.locator("#banner").inner_text()
        shot(page, "workbench_ruled", tmp_path)

        ctx.clear_cookies()
        page.goto(url + "/call/t1?token=agent-token-A001-0123")  # no second appeal
        page.wait_for_selector("#banner .ruled")
        assert page.locator("#appeal").count() == 0
        page.click("#ack")  # the agent acknowledges the final verdict
        page.wait_for_selector("#acked")
        assert "A001 已确认阅读复核结果" in page.locator("#acked").inner_text()
        r = httpx.post(url + "/api/calls/t1/events", json={"kind": "appeal", "reason": "再申诉"},
                       headers={"authorization": "Bearer agent-token-A001-0123"})
        assert r.status_code == 403
        r = httpx.post(url + "/api/calls/t1/events", json={"kind": "status", "value": "reviewed"},
                       headers={"authorization": "Bearer reviewer-token-0123456"})
        assert r.status_code == 403


def test_claim_my_queue_and_submit_and_next(wb_server, page, tmp_path):
    url, db = wb_server
    page.goto(url + "/call/t2")
    page.click("#claim")
    page.wait_for_selector("#assignee")
    page.goto(url + "/call/t1")
    page.click("#claim")
    page.wait_for_selector("#assignee")
    page.goto(url + "/?mine=true")
    page.wait_for_function("document.querySelectorAll('#queue tbody tr').length === 2")
    assert "认领人：王质检" in page.locator("#queue").inner_text()
    shot(page, "workbench_my_queue", tmp_path)
    page.goto(url + "/call/t2")  # review t2, then the next claimed call opens
    page.wait_for_selector("#attention .item.open")  # the sheet is rendered (#submit-next is in the HTML before it)
    agree_with_open_items(page)
    page.click("#submit-next")
    page.wait_for_function("location.pathname === '/call/t1' || document.getElementById('submit-error').textContent !== ''",
                           timeout=90_000)  # a loaded machine: the submit, the reload and the queue query
    assert page.locator("#submit-error").count() == 0 or page.locator("#submit-error").inner_text() == ""
    page.wait_for_url(url + "/call/t1")
    page.wait_for_selector("#attention .item")
    con = sqlite3.connect(db)
    assert con.execute("select status from call_reviews where call_id = 't2'").fetchone() == ("reviewed",)
    assert con.execute("select reviewer from call_assignments where call_id = 't2'").fetchone() == ("王质检",)


def test_claim_and_release_on_the_call_page(wb_server, page):
    url, db = wb_server
    page.goto(url + "/call/t1")
    page.click("#claim")
    page.wait_for_selector("#release")
    assert page.locator("#assignee").inner_text().strip() == "认领人：王质检"
    assert sqlite3.connect(db).execute("select reviewer, how from call_assignments").fetchall() == [("王质检", "claim")]
    page.click("#release")
    page.wait_for_selector("#claim")
    assert page.locator("#assignee").count() == 0 and page.locator("#release").count() == 0
    assert sqlite3.connect(db).execute("select count(*) from call_assignments").fetchone() == (0,)
    assert "放弃认领" in page.locator("#history").inner_text()  # the audit trail keeps both


def test_keyboard_only_review_of_one_call(wb_server, page, tmp_path):
    url, db = wb_server
    page.goto(url + "/call/t1")
    page.wait_for_selector("#attention .item.open")
    decided = {}
    for _ in range(60):  # N jumps to the next item on top and makes it the current one; A agrees
        if not page.locator("#attention .item.open").count():
            break
        page.keyboard.press("n")
        item = page.locator("body").get_attribute("data-current")
        if item == "closing.farewell":
            page.keyboard.press("d")  # D disputes and puts the cursor in the reason
            page.keyboard.type("转写漏了再见")
            page.locator("#transcript").click()  # leave the text field (clicks elsewhere keep the text)
        elif item not in decided:
            page.keyboard.press("a")
        decided[item] = True
    assert page.locator("#attention .item.open").count() == 0
    assert page.locator("[data-item='closing.farewell'] input.reason").input_value() == "转写漏了再见"
    page.keyboard.press("Control+Enter")
    page.wait_for_function("document.getElementById('status').dataset.status === 'reviewed'")
    rows = dict((t, (v, r)) for t, v, r in sqlite3.connect(db).execute(
        "select target, value, reason from review_events where kind = 'check'"))
    assert rows["closing.farewell"] == ("dispute", "转写漏了再见") and rows["opening.greeting"] == ("agree", None)
    assert rows["language.banned_phrase"] == ("agree", None) and len(rows) == len(decided)


def test_loop_a_finding_and_points_keys(server, page, tmp_path):
    """R loops the current item's finding (the player stays inside its span); a digit key sets its points."""
    url, db = server
    page.goto(url + "/call/c08")
    page.wait_for_selector("#attention .item")
    page.keyboard.press("n")  # the first item on top becomes the current one, its finding plays
    item = page.locator("body").get_attribute("data-current")
    page.keyboard.press("r")
    loop = page.locator("body").get_attribute("data-loop")
    start, end = (float(x) for x in loop.split("-"))
    assert end > start
    page.wait_for_function("() => { const p = document.getElementById('player'); return !p.paused && p.readyState >= 3; }",
                           timeout=30_000)
    seen = []
    for _ in range(12):  # three seconds of playback: every position inside the span (a jump back at its end)
        page.wait_for_timeout(250)
        seen.append(page.evaluate("() => document.getElementById('player').currentTime"))
    assert all(start - 0.3 <= t <= end + 0.3 for t in seen), (start, end, seen)
    assert page.locator("button.loop[aria-pressed=true]").count() == 1
    page.keyboard.press("r")  # again: the loop stops
    assert page.locator("body").get_attribute("data-loop") == ""
    # a digit sets the current item's points: an item worth 2 or more, made current by a click on its title
    target = page.evaluate("() => [...document.querySelectorAll('#attention input.points')]"
                           ".find(i => Number(i.max) >= 2).dataset.points")
    page.locator(f"#attention [data-item='{target}'] .item-title").click()
    page.keyboard.press("2")
    assert float(page.locator(f"#attention [data-points='{target}']").input_value()) == 2.0
    assert page.locator(f"#attention [data-item='{target}'] .eff").inner_text().startswith("= 2.0")  # the item's points
    page.keyboard.press("0")
    assert float(page.locator(f"#attention [data-points='{target}']").input_value()) == 0.0
    assert page.locator(f"#attention [data-item='{target}'] .eff").inner_text().startswith("= 0.0")
