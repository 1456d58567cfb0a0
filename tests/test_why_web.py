"""The review page explains every item wholly in its interface language (real chromium, `qa review` as a process):
on the Chinese page no automatic explanation has English words, on the English page they are English, and the
language switch re-renders them."""

from __future__ import annotations

import pytest

from .review_calls import transcript_db, wb_db  # noqa: F401 (fixtures)
from .test_messages import english_words
from .test_review_web import CHROMIUM, page, review_server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="no chromium")

FAILED = ("language.banned_phrase", "opening.greeting", "closing.farewell")  # what t1 fails (tests/review_calls.py)


@pytest.fixture()
def wb_server(wb_db):
    with review_server(wb_db, "--user", "王质检", "--role", "reviewer") as url:
        yield url


def _whys(page, item: str | None = None) -> list[str]:
    scope = f"[data-item='{item}'] " if item else ""
    return [t.strip() for t in page.locator(scope + ".why").all_inner_texts()]


def test_why_lines_in_the_interface_language(wb_server, page):
    page.goto(wb_server + "/call/t1")
    page.wait_for_selector("[data-item='language.banned_phrase'] .why")
    for item in FAILED:  # the failed items: their summary and every finding, in Chinese
        lines = _whys(page, item)
        assert len(lines) >= 2, (item, lines)
        assert all(not english_words(s) for s in lines), (item, lines)
    every = _whys(page)
    assert every and [s for s in every if english_words(s)] == []  # nor any other item of the page
    banned = " ".join(_whys(page, "language.banned_phrase"))
    assert "坐席说了「" in banned, banned

    page.click("#lang")  # English: the same lines, re-rendered in English
    page.wait_for_function("document.querySelector('#submit').textContent === 'Submit review'")
    for item in FAILED:
        lines = _whys(page, item)
        assert all(english_words(s) for s in lines), (item, lines)
    assert "the agent said 「" in " ".join(_whys(page, "language.banned_phrase"))

    page.click("#lang")  # and back
    page.wait_for_function("document.querySelector('#submit').textContent === '提交复核'")
    assert not [s for s in _whys(page) if english_words(s)]


def test_a_report_scored_before_the_catalog_shows_its_english(wb_db, page):
    """A stored report of schema 1.3 has no why_zh/summary_zh: the Chinese page shows the English it has."""
    import json
    import sqlite3

    con = sqlite3.connect(wb_db)
    report = json.loads(con.execute("select report from reports where call_id = 't1'").fetchone()[0])
    for c in report["checks"]:
        c.pop("summary_zh", None)
        for f in c["findings"] + c["evidence"]:
            f.pop("why_zh", None)
    with con:
        con.execute("update reports set report = ?, schema_version = '1.3' where call_id = 't1'",
                    (json.dumps(report, ensure_ascii=False),))
    con.close()
    farewell = next(c for c in report["checks"] if c["id"] == "closing.farewell")
    with review_server(wb_db, "--user", "王质检", "--role", "reviewer") as url:
        page.goto(url + "/call/t1")
        page.wait_for_selector("[data-item='closing.farewell'] .why")
        lines = _whys(page, "closing.farewell")
    shown = english_words(lines[0])
    assert shown and set(shown) <= set(english_words(farewell["summary"])), (lines[0], farewell["summary"])
