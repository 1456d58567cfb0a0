"""The 🔔 in a real browser (Debian's chromium under the app's CSP) against `qa review` as a process: the
count on every page, the dropdown's links, opening it marks the notifications seen; an agent's is their own."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from .review_calls import bearer, serve_with_users, submit_agreeing, transcript_db, wb_db  # noqa: F401 (fixtures)
from .test_queue_web import page  # noqa: F401 (fixture: chromium under the CSP)
from .test_review_web import CHROMIUM, shot

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
USERS = {"王质检": ("reviewer-token-0123456", "reviewer"), "A001": ("agent-token-A001-0123", "agent"),
         "A002": ("agent-token-A002-0123", "agent"), "陈主管": ("senior-token-01234567", "senior")}


def auth(name: str) -> dict:
    return bearer(USERS, name)


@pytest.fixture()
def server(wb_db, tmp_path):  # noqa: F811
    with serve_with_users(wb_db, tmp_path, USERS) as url:
        submit_agreeing(url, "t1", auth("王质检"))
        r = httpx.post(url + "/api/queue/assign", headers=auth("陈主管"), json={"call_id": "t2", "reviewer": "王质检"})
        assert r.status_code == 200, r.text
        yield url, r


def test_the_bell_counts_lists_links_and_marks_seen(server, page, tmp_path):  # noqa: F811
    url, _ = server
    page.goto(url + "/?token=" + USERS["A001"][0])  # the agent: the review of their call
    expect(page.locator("#bell-count")).to_have_text("1")
    page.click("#bell")
    item = page.locator("#bell-list .bell-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("王质检 复核了你的通话 t1，得分")
    assert item.get_attribute("href") == "/call/t1" and "unread" in item.get_attribute("class")
    shot(page, "notifications_agent", tmp_path)
    expect(page.locator("#bell-count")).to_be_hidden()  # opening the list marked it seen
    for path in ("/coaching", "/calibration", "/call/t1"):  # on every page, and seen stays seen
        page.goto(url + path)
        expect(page.locator("#bell")).to_be_visible()
        expect(page.locator("#bell-count")).to_be_hidden()
    page.click("#bell")
    expect(page.locator("#bell-list .bell-item:not(.unread)")).to_have_count(1)
    page.click("#lang")  # the list in English too
    page.click("#bell")
    page.click("#bell")
    expect(page.locator("#bell-list .bell-item")).to_contain_text("王质检 reviewed your call t1, score")
    page.click("#lang")

    page.goto(url + "/?token=" + USERS["A002"][0])  # another agent hears nothing of A001's call
    expect(page.locator("#bell")).to_be_visible()
    page.click("#bell")
    expect(page.locator("#bell-list .bell-empty")).to_have_text("暂无通知")
    expect(page.locator("#bell-count")).to_be_hidden()

    page.goto(url + "/call/t1?token=" + USERS["王质检"][0])  # the reviewer: the lead's assignment, linked
    expect(page.locator("#bell-count")).to_have_text("1")
    page.click("#bell")
    page.click("#bell-list .bell-item[data-kind='assignment']")
    page.wait_for_url(url + "/call/t2")
    expect(page.locator("#bell-count")).to_be_hidden()
