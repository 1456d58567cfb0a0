"""Reviewer annotations (marked violations, ASR corrections, swapped speakers) through the review API over a real
store written by `qa batch` (TestClient: the real app, real SQLite), and the vocabulary suggestions they feed."""

from __future__ import annotations

import sqlite3

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from qa_pipeline.cli import app as cli
from qa_pipeline.errors import InputError
from qa_pipeline.review import annotations
from qa_pipeline.review.app import create_app
from qa_pipeline.review.state import User
from qa_pipeline.review.vocabulary_suggest import changed_terms, suggestions
from qa_pipeline.rules import load_rules
from qa_pipeline.store import Store

from .annotation_calls import ID_NUMBER, annot_db, annot_db_sensitive, annot_stores  # noqa: F401 (fixtures)

TOKENS = {"t-reviewer-0123456789": User("王质检", "reviewer"), "t-agent-A001-0123456789": User("A001", "agent"),
          "t-admin-0123456789ab": User("admin", "admin", True)}
REV, AGT, ADM = ({"authorization": f"Bearer {t}"} for t in TOKENS)


def client(db) -> TestClient:
    return TestClient(create_app(Store(db), TOKENS))


def item(report: dict, check_id: str) -> dict:
    return next(c for c in report["checks"] if c["id"] == check_id)


def post(c: TestClient, call_id: str, headers=REV, **event):
    return c.post(f"/api/calls/{call_id}/events", headers=headers, json=event)


ANNOTATIONS = [
    ("m1", {"kind": "violation", "target": "language.banned_phrase", "value": "3:2-9", "reason": "推卸：让客户自己去看"},
     "language.banned_phrase", "pass", "fail", -1),
    ("m1", {"kind": "correction", "target": "4", "reason": "感谢您的来电，再见。"},
     "closing.farewell", "fail", "pass", +1),
    ("m2", {"kind": "swap", "target": ""}, "opening.greeting", "fail", "pass", +1),
]
IDS = ["missed-violation", "asr-correction", "swap-speakers"]


@pytest.mark.parametrize("call_id, event, check_id, was, now, direction", ANNOTATIONS, ids=IDS)
def test_each_annotation_changes_the_verdict_and_the_score(annot_db, call_id, event, check_id, was, now, direction):
    c = client(annot_db)
    before = c.get(f"/api/calls/{call_id}", headers=REV).json()
    machine = before["report"]["score"]
    assert item(before["report"], check_id)["status"] == was and before["live_score"] == machine
    r = post(c, call_id, **event)
    assert r.status_code == 200, r.text
    after = c.get(f"/api/calls/{call_id}", headers=REV).json()
    report = after["report"]
    assert item(report, check_id)["status"] == now
    assert (report["score"] - machine) * direction > 0 and after["live_score"] == report["score"]
    assert report["machine"]["score"] == machine and report["machine"]["checks"][check_id]["status"] == was
    assert {"id": check_id, "from": was, "to": now} in report["rescored"]
    assert Store(annot_db).report(call_id)["checks"] == before["report"]["checks"]  # the machine's result is kept
    kinds = [(h["kind"], h["user"]) for h in after["history"]]
    assert kinds == [(event["kind"], "王质检"), ("rescore", "王质检")]
    assert float(after["history"][-1]["value"]) == report["score"] and check_id in after["history"][-1]["reason"]
    assert after["review"]["status"] == "in_review" and after["review"]["auto_score"] == report["score"]

    # the submitted sheet stores the annotated call's score as the final score
    items = {x["id"]: {"verdict": "agree"} for x in report["checks"] if x["status"] in ("fail", "partial")
             or (x.get("confidence") is not None and x["confidence"] < 0.6 and x.get("points_possible") is not None
                 and x["status"] != "manual")}
    sub = c.post(f"/api/calls/{call_id}/review", headers=REV, json={"items": items})
    assert sub.status_code == 200, sub.text
    final = sqlite3.connect(annot_db).execute("select final_score from call_reviews where call_id = ?",
                                              (call_id,)).fetchone()[0]
    assert final == report["score"] != machine


def test_a_marked_violation_is_a_reviewer_finding_on_its_span(annot_db):
    c = client(annot_db)
    post(c, "m1", kind="violation", target="language.banned_phrase", value="3:2-9", reason="推卸")
    report = c.get("/api/calls/m1", headers=REV).json()["report"]
    check = item(report, "language.banned_phrase")
    f = check["findings"][-1]
    seg = report["transcript"][3]
    assert f["source"] == "reviewer" and f["segment"] == 3 and f["by"] == "王质检" and f["reason"] == "推卸"
    assert f["quote"] == "你自己去看合同" and f["speaker"] == "agent"
    assert seg["start"] < f["span"]["start"] < f["span"]["end"] < seg["end"]
    assert check["source"] == "reviewer" and check["confidence"] == 1.0 and check["hits"] == 1
    # a failed item marked by the reviewer needs no separate verdict: it counts as agreed
    assert check["points"] < check["points_possible"]


@pytest.mark.parametrize("call_id, first, undo, check_id", [
    ("m1", {"kind": "violation", "target": "language.banned_phrase", "value": "3", "reason": "推卸"},
     {"kind": "unmark", "target": "{id}", "reason": "听错了"}, "language.banned_phrase"),
    ("m1", {"kind": "correction", "target": "4", "reason": "感谢您的来电，再见。"},
     {"kind": "correction", "target": "4", "reason": "嗯，那就这样。"}, "closing.farewell"),
    ("m2", {"kind": "swap", "target": ""}, {"kind": "swap", "target": ""}, "opening.greeting"),
], ids=["unmark-violation", "correction-back-to-machine-text", "swap-again"])
def test_an_annotation_taken_back_is_a_new_event(annot_db, call_id, first, undo, check_id):
    c = client(annot_db)
    machine = c.get(f"/api/calls/{call_id}", headers=REV).json()["report"]
    assert post(c, call_id, **first).status_code == 200
    eid = c.get(f"/api/calls/{call_id}", headers=REV).json()["history"][0]["event_id"]
    r = post(c, call_id, **{**undo, "target": undo["target"].format(id=eid)})
    assert r.status_code == 200, r.text
    now = c.get(f"/api/calls/{call_id}", headers=REV).json()
    assert now["report"]["score"] == machine["score"]
    assert item(now["report"], check_id)["status"] == item(machine, check_id)["status"]
    assert [h["kind"] for h in now["history"]] == [first["kind"], "rescore", undo["kind"], "rescore"]


def test_swapping_some_segments_and_the_corrected_text_beside_the_machines(annot_db):
    c = client(annot_db)
    assert post(c, "m2", kind="swap", target="0,3").status_code == 200
    assert post(c, "m2", kind="correction", target="1", reason="我想问一下我的保费交了没有。").status_code == 200
    t = c.get("/api/calls/m2", headers=REV).json()["report"]["transcript"]
    assert [u["speaker"] for u in t] == ["agent", "agent", "customer", "agent"]
    assert t[0]["machine_speaker"] == "customer" and "machine_speaker" not in t[1]
    assert t[1]["text"] == "我想问一下我的保费交了没有。" and t[1]["machine_text"] == "我想问一下我的宝费交了没有。"
    assert t[1]["corrected"]["by"] == "王质检" and t[1]["corrected"]["at"].endswith("Z")


@pytest.mark.parametrize("event", [
    {"kind": "violation", "target": "language.banned_phrase", "value": "3", "reason": "推卸"},
    {"kind": "correction", "target": "4", "reason": "感谢您的来电，再见。"},
    {"kind": "swap", "target": ""},
], ids=["violation", "correction", "swap"])
def test_agents_cannot_annotate_and_see_annotations_read_only(annot_db, event):
    c = client(annot_db)
    r = post(c, "m1", AGT, **event)
    assert r.status_code == 403 and "cannot review" in r.json()["error"]
    assert sqlite3.connect(annot_db).execute("select count(*) from review_events").fetchone()[0] == 0
    assert post(c, "m1", **event).status_code == 200
    seen = c.get("/api/calls/m1", headers=AGT).json()
    assert seen["report"]["annotations"] and seen["report"]["score"] != seen["report"]["machine"]["score"]


@pytest.mark.parametrize("call_id, event, says", [
    ("m1", {"kind": "violation", "target": "no.such_check", "value": "3", "reason": "x"}, "no check"),
    ("m1", {"kind": "violation", "target": "language.banned_phrase", "value": "9", "reason": "x"}, "no segment 9"),
    ("m1", {"kind": "violation", "target": "language.banned_phrase", "value": "3:5-99", "reason": "x"}, "outside"),
    ("m1", {"kind": "violation", "target": "language.banned_phrase", "value": "three", "reason": "x"}, "SEGMENT"),
    ("m1", {"kind": "violation", "target": "language.banned_phrase", "value": "3"}, "reason is required"),
    ("m1", {"kind": "unmark", "target": "12345"}, "no marked violation"),
    ("m1", {"kind": "correction", "target": "4", "reason": "  "}, "empty"),
    ("m1", {"kind": "correction", "target": "-1", "reason": "你好"}, "no segment"),
    ("m2", {"kind": "swap", "target": "1,7"}, "no segment 7"),
    ("m1", {"kind": "rescore", "value": "100"}, "unknown decision kind"),
], ids=["unknown-check", "segment-out-of-range", "chars-outside", "bad-span", "no-reason", "unmark-unknown",
        "empty-correction", "negative-segment", "swap-unknown-segment", "rescore-is-the-servers"])
def test_bad_annotations_are_refused_and_nothing_is_stored(annot_db, call_id, event, says):
    c = client(annot_db)
    r = post(c, call_id, **event)
    assert r.status_code == 400 and says in r.json()["error"], r.text
    assert sqlite3.connect(annot_db).execute("select count(*) from review_events").fetchone()[0] == 0


def test_speakers_of_a_stereo_call_are_not_swapped(annot_db):
    report = Store(annot_db).report("m2")
    with pytest.raises(InputError, match="stereo"):
        annotations.validate("swap", "", None, None, report, [], channels=2)
    annotations.validate("swap", "", None, None, report, [], channels=1)  # mono: fine


def test_corrected_text_is_masked_for_users_without_the_sensitive_right(annot_db_sensitive):
    c = client(annot_db_sensitive)
    text = f"我想查一下保单的保费，身份证号码是{ID_NUMBER}。"
    assert post(c, "m1", kind="correction", target="1", reason=text).status_code == 200
    shown = c.get("/api/calls/m1", headers=REV).text
    assert ID_NUMBER not in shown and "1101**********0021" in shown
    assert ID_NUMBER in c.get("/api/calls/m1", headers=ADM).json()["report"]["transcript"][1]["text"]


def test_a_masked_store_keeps_corrected_text_masked(annot_db):
    c = client(annot_db)
    text = f"我想查一下保单的保费，身份证号码是{ID_NUMBER}。"
    assert post(c, "m1", kind="correction", target="1", reason=text, headers=ADM).status_code == 200
    stored = sqlite3.connect(annot_db).execute("select reason from review_events where kind = 'correction'").fetchone()[0]
    assert ID_NUMBER not in stored and "1101**********0021" in stored
    assert ID_NUMBER not in c.get("/api/calls/m1", headers=ADM).text  # even a sensitive user: the store has no digits


@pytest.mark.parametrize("machine, corrected, pairs", [
    ("感谢您的来点，再见。", "感谢您的来电，再见。", [("来点", "来电")]),
    ("请您收等", "请您稍等", [("收等", "稍等")]),
    ("这个里赔怎么办", "这个理赔怎么办", [("里赔", "理赔")]),
    ("嗯，那就这样。", "感谢您的来电，再见。", []),
    ("工号邀088", "工号1088", []),
    ("身份证号码是1101**********0021", "身份证号码是1101**********0022", []),
], ids=["homophone", "one-character-widened", "word", "rewrite-is-no-term", "digits", "masked"])
def test_changed_terms(machine, corrected, pairs):
    assert changed_terms(machine, corrected) == pairs


def test_corrections_feed_vocabulary_suggestions_and_the_cli(annot_db, tmp_path):
    c = client(annot_db)
    for call_id, text in (("m1", "我想查一下保单的保费，身份证号码是110105194912310021。"),
                          ("m2", "我想问一下我的保费交了没有。")):
        assert post(c, call_id, kind="correction", target="1", reason=text).status_code == 200
    post(c, "m1", kind="correction", target="4", reason="感谢您的来电，再见。")  # a rewrite: no term
    found = suggestions(Store(annot_db))
    assert [(s.heard, s.term, s.count, s.calls, s.homophone) for s in found] == [("宝费", "保费", 2, ("m1", "m2"), True)]
    assert suggestions(Store(annot_db), min_count=3) == []
    res = CliRunner().invoke(cli, ["vocabulary", "suggest", "--db", str(annot_db)])
    assert res.exit_code == 0, res.output
    doc = yaml.safe_load(res.stdout)
    assert doc["lists"]["corrections"] == ["保费"] and "heard 宝费 ×2 (m1, m2)" in res.stdout
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "vocabulary.yaml").write_text(res.stdout, encoding="utf-8")
    assert "保费" in load_rules(rules).corrections  # what it prints is a rule file the loader takes
