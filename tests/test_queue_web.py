"""The queue page in a real browser (Debian's chromium, Playwright) against `qa review` as a process, over
synthetic calls stored as the batch stores them: claim → my queue, transcript search, an agent's view."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from qa_pipeline.store import Store

from .synthetic_calls import fill_store
from .test_review_web import CHROMIUM, review_server, shot

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
USERS = {"王质检": ("reviewer-token-0123456", "reviewer"), "A007": ("agent-token-A007-0123", "agent"),
         "陈主管": ("senior-token-01234567", "senior")}


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    folder = tmp_path_factory.mktemp("queue-web")
    store = Store(folder / "qa.db")
    calls = fill_store(store, 80)
    store.close()
    users = folder / "users.yaml"
    users.write_text("users:\n" + "".join(f"  - {{name: {n}, token: {t}, role: {r}}}\n" for n, (t, r) in USERS.items()),
                     encoding="utf-8")
    return folder, calls


@pytest.fixture()
def page():
    """Chromium under the app's real CSP (no bypass: the waits below are locators, never eval); fails the
    test if the browser reports a CSP violation."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        refused = []
        pg.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
        yield pg
        browser.close()
        assert refused == []


@pytest.fixture()
def server(made, tmp_path):
    folder, calls = made
    db = tmp_path / "qa.db"
    shutil.copy(folder / "qa.db", db)
    with review_server(db, "--users", str(folder / "users.yaml")) as url:
        yield url, calls


def rows(page) -> list[str]:
    return [r.get_attribute("data-call") for r in page.locator("#queue tbody tr").all()]


def test_claim_then_my_queue_shows_it(server, page, tmp_path):
    url, calls = server
    page.goto(url + "/?token=" + USERS["王质检"][0])
    page.wait_for_selector("#queue tbody tr button.claim")
    first = page.locator("#queue tbody tr").first
    call_id = first.get_attribute("data-call")
    first.locator("button.claim").click()
    expect(page.locator(f"#queue tbody tr[data-call='{call_id}'] .assignee")).to_contain_text("王质检")
    page.check("input[name=mine]")
    page.click("#filters button[type=submit]")
    expect(page.locator("#queue tbody tr")).to_have_count(1)
    assert rows(page) == [call_id] and "mine=true" in page.url
    shot(page, "queue-my-queue", tmp_path)


def test_search_by_transcript_text_finds_the_calls(server, page, tmp_path):
    url, calls = server
    want = sorted(x["call_id"] for x in calls if any("我要投诉" in u["text"] for u in x["transcript"]))
    assert 0 < len(want) < 50
    page.goto(url + "/?token=" + USERS["王质检"][0])
    page.wait_for_selector("#queue tbody tr")
    page.fill("input[name=text]", "我要投诉")
    page.click("#filters button[type=submit]")
    expect(page.locator("#queue tbody tr")).to_have_count(len(want))
    assert sorted(rows(page)) == want
    shot(page, "queue-search", tmp_path)


def test_an_agent_sees_only_their_own_calls(server, page):
    url, calls = server
    mine = sorted(x["call_id"] for x in calls if x["meta"]["agent_id"] == "A007")
    assert mine
    page.goto(url + "/?token=" + USERS["A007"][0])
    expect(page.locator("#queue tbody tr")).to_have_count(len(mine))
    assert sorted(rows(page)) == mine
    assert page.locator("button.claim").count() == 0 and page.locator("#error").inner_text() == ""
