"""The calibration and coaching pages in Chinese by default (real chromium under the app's CSP, `qa review` as a
process): every word from i18n.js, checks by their titles, times in Beijing time; English on the switch."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from .review_calls import bearer, serve_with_users, submit_agreeing, transcript_db, wb_db  # noqa: F401 (fixtures)
from .test_queue_web import page  # noqa: F401 (fixture: chromium under the CSP)
from .test_review_web import CHROMIUM, shot

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
USERS = {"王质检": ("reviewer-token-0123456", "reviewer"), "A001": ("agent-token-A001-0123", "agent")}
ENGLISH = ("How often", "Calls judged", "judgements", "Precision", "Blind double review", "Coaching tasks",
           "Acknowledge", "Assign", "Queue", "Calibration", "What to work on", "sees sensitive")


def auth(name: str) -> dict:
    return bearer(USERS, name)


@pytest.fixture()
def server(wb_db, tmp_path):  # noqa: F811
    with serve_with_users(wb_db, tmp_path, USERS) as url:
        submit_agreeing(url, "t1", auth("王质检"))
        r = httpx.post(url + "/api/coaching", headers=auth("王质检"),
                       json={"agent_id": "A001", "check_id": "language.banned_phrase", "calls": ["t1"], "note": "不要说不知道"})
        assert r.status_code == 200, r.text
        yield url, r.json()


def no_english(text: str) -> None:
    found = [w for w in ENGLISH if w in text]
    assert found == [], found


def test_calibration_page_is_chinese_by_default(server, page, tmp_path):  # noqa: F811
    url, _ = server
    page.goto(url + "/calibration?token=" + USERS["王质检"][0])
    row = page.locator("#per-check tr[data-check='language.banned_phrase']")
    expect(row.locator("td").first).to_contain_text("服务禁语")  # the title, not only the id
    expect(page.locator("#overall")).to_contain_text("位复核员对 1 通通话作出")
    expect(page.locator("#double-overall")).to_contain_text("校准抽样")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.title() == "质检复核 · 校准"
    assert page.locator("#per-check th").all_inner_texts()[:4] == ["检查项", "判定通话数", "同意", "驳回"]
    no_english(page.locator("body").inner_text())
    shot(page, "calibration_zh", tmp_path)
    page.click("#lang")
    expect(page.locator("#overall")).to_contain_text("judgements on 1 calls")
    expect(page.locator("#per-check th").first).to_have_text("Check")
    page.click("#lang")


def test_coaching_page_is_chinese_with_titles_and_beijing_times(server, page, tmp_path):  # noqa: F811
    url, task = server
    page.goto(url + "/coaching?token=" + USERS["A001"][0])
    row = page.locator("tr[data-task='1']")
    expect(row.locator("td.status")).to_have_text("待确认")
    cells = row.locator("td").all_inner_texts()
    assert cells[2] == "服务禁语" and cells[3] == "不要说不知道"
    utc = dt.datetime.fromisoformat(task["assigned_at"])
    assert cells[5] == "王质检 · " + (utc + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")
    expect(row.locator("button.ack")).to_have_text("确认已读")
    assert page.locator("#tasks th").all_inner_texts()[1:5] == ["坐席", "检查项", "辅导内容", "通话"]
    expect(page.locator("header .me")).to_have_text("A001 · 坐席")
    no_english(page.locator("body").inner_text())
    shot(page, "coaching_zh", tmp_path)
    row.locator("button.ack").click()
    expect(row.locator("td.status")).to_have_text("已确认")
    page.click("#lang")
    expect(row.locator("td.status")).to_have_text("acknowledged")
    expect(page.locator("#tasks th").nth(1)).to_have_text("Agent")
    page.click("#lang")

    page.goto(url + "/coaching?token=" + USERS["王质检"][0])  # the reviewer's form: Chinese, a check by its title
    expect(page.locator("#assign")).to_be_visible()
    expect(page.locator("#new-assign")).to_have_text("布置")
    page.fill("#new-agent", "A001")
    page.fill("#new-check", "服务禁语")
    page.click("#new-assign")
    expect(page.locator("tr[data-task='2'] td").nth(2)).to_have_text("服务禁语")
    no_english(page.locator("body").inner_text())
