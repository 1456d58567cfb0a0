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
