"""Reviewer annotations in a real browser (Debian's chromium, Playwright) against `qa review` as a process: select a
span of a segment and mark a violation, correct a segment's text, swap the speakers of a mono call; the score follows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from .annotation_calls import annot_db, annot_stores  # noqa: F401 (fixtures)
from .test_review_web import CHROMIUM, page, review_server, shot  # noqa: F401 (fixture)

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


def total(page) -> float:
    return float(page.locator("#total").inner_text())


def test_mark_a_span_correct_a_segment_swap_speakers_and_see_the_score_change(annot_db, page, tmp_path):
    with review_server(annot_db, "--user", "王质检", "--role", "reviewer") as url:
        page.goto(url + "/call/m1")
        page.wait_for_selector("#utt-3 .utt-text")
        machine = total(page)
        assert float(page.locator("#auto-score").inner_text()) == machine
        assert page.locator("#swap-all").is_visible()  # a transcript call counts as mono

        # select part of segment 4 (index 3) with the mouse: the violation panel shows the chosen words
        box = page.locator("#utt-3 .utt-text").bounding_box()
        y = box["y"] + box["height"] / 2
        page.mouse.move(box["x"] + box["width"] * 0.2, y)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.8, y, steps=5)
        page.mouse.up()
        page.wait_for_selector("#annotate:not([hidden]) #annot-quote")
        quote = page.locator("#annot-quote").inner_text()
        assert quote and quote != "这个你自己去看合同吧。" and quote in "这个你自己去看合同吧。"
        page.click("#annot-mark")  # no item, no reason: refused in the page
        assert "请选择评分项" in page.locator("#annot-error").inner_text()
        page.select_option("#annot-item", "language.banned_phrase")
        page.fill("#annot-reason", "推卸：让客户自己去看合同")
        page.click("#annot-mark")
        mark = page.locator("[data-item='language.banned_phrase'] .tag.reviewer")
        mark.wait_for()
        assert "王质检" in mark.inner_text()
        assert page.locator("[data-item='language.banned_phrase'] .quote").first.inner_text() == quote
        assert page.locator("#timeline .tl-marker.reviewer").count() == 1
        after_mark = total(page)
        assert after_mark < machine
        shot(page, "annotation_violation", tmp_path)

        # correct the misheard closing: the machine's text stays beside the correction, the call is re-scored
        page.hover("#utt-4")
        page.click("#utt-4 .edit-seg")
        page.fill("#utt-4 textarea.seg-edit", "感谢您的来电，再见。")
        page.click("#utt-4 .save-seg")
        page.locator("#utt-4 .machine-text").wait_for()
        assert page.locator("#utt-4 .utt-text").inner_text() == "感谢您的来电，再见。"
        assert "嗯，那就这样。" in page.locator("#utt-4 .machine-text").inner_text()
        assert total(page) > after_mark and float(page.locator("#auto-score").inner_text()) == total(page)
        assert "机器原判" in page.locator("#annot-note").inner_text()
        assert "重新评分" in page.locator("#history").inner_text()
        shot(page, "annotation_correction", tmp_path)

        # take the violation back (a new event): the score loses its deduction again
        before_unmark = total(page)
        page.click("[data-item='language.banned_phrase'] button.unmark")
        page.locator("[data-item='language.banned_phrase'] .tag.reviewer").wait_for(state="detached")
        assert total(page) > before_unmark

        # swap the speakers of the mono call m2: the agent's greeting now counts
        page.goto(url + "/call/m2")
        page.wait_for_selector("#utt-0 .utt-text")
        m2 = total(page)
        page.click("#swap-all")
        page.locator("#utt-0 .tag.swapped").wait_for()
        assert "agent" in page.locator("#utt-0").get_attribute("class") and total(page) > m2

    kinds = [r[0] for r in sqlite3.connect(annot_db).execute("select kind from review_events order by event_id")]
    assert kinds == ["violation", "rescore", "correction", "rescore", "unmark", "rescore", "swap", "rescore"]


def test_an_agent_sees_annotations_without_the_tools(annot_db, page, tmp_path):
    users = tmp_path / "users.yaml"
    users.write_text("users:\n  - {name: 王质检, token: reviewer-token-0123456, role: reviewer}\n"
                     "  - {name: A001, token: agent-token-A001-0123, role: agent}\n", encoding="utf-8")
    with review_server(annot_db, "--users", str(users)) as url:
        import httpx

        r = httpx.post(url + "/api/calls/m1/events", headers={"authorization": "Bearer reviewer-token-0123456"},
                       json={"kind": "correction", "target": "4", "reason": "感谢您的来电，再见。"})
        assert r.status_code == 200, r.text
        page.goto(url + "/call/m1?token=agent-token-A001-0123")
        page.locator("#utt-4 .machine-text").wait_for()
        assert page.locator(".edit-seg, .mark-seg, #swap-all:not([hidden])").count() == 0
