"""Notifications (🔔): each kind reaches the right users and no one else, worded in Chinese, timed in the
app's time zone, masked; marking them seen resets the count. Real app, real SQLite (transcript calls)."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from fastapi.testclient import TestClient

from qa_pipeline.review.app import create_app
from qa_pipeline.review.state import User
from qa_pipeline.store import Store

from .review_calls import transcript_db  # noqa: F401 (fixture)

USERS = {"wang": User("王质检", "reviewer"), "li": User("李质检", "reviewer"), "chen": User("陈主管", "senior"),
         "admin": User("admin", "admin"), "A001": User("A001", "agent"), "A002": User("A002", "agent"),
         "lead": User("13812345678", "senior")}  # a lead who logs in with a mobile number
TOKENS = {f"t-{k}-0123456789abcdef": u for k, u in USERS.items()}
H = {k: {"authorization": f"Bearer t-{k}-0123456789abcdef"} for k in USERS}


def agree_all(c: TestClient, call_id: str) -> None:
    from qa_pipeline.review.sheet import needs_decision

    report = c.get(f"/api/calls/{call_id}", headers=H["wang"]).json()["report"]
    items = {x["id"]: {"verdict": "agree"} for x in report["checks"] if needs_decision(x)}
    r = c.post(f"/api/calls/{call_id}/review", headers=H["wang"], json={"items": items})
    assert r.status_code == 200, r.text


@pytest.fixture(scope="module")
def day(transcript_db, tmp_path_factory):  # noqa: F811
    """A day on the workbench: a lead assigns t1 to 王, who also claims t2 and reviews t1; A001 appeals,
    陈 upholds the review, 王 gives A001 a coaching task."""
    db = tmp_path_factory.mktemp("notify") / "qa.db"
    shutil.copy(transcript_db, db)
    c = TestClient(create_app(Store(db), TOKENS))
    before = {k: c.get("/api/notifications", headers=h).json()["unread"] for k, h in H.items()}
    steps = [c.post("/api/queue/assign", headers=H["lead"], json={"call_id": "t1", "reviewer": "王质检"}),
             c.post("/api/queue/claim/t2", headers=H["wang"])]
    agree_all(c, "t1")
    steps += [c.post("/api/calls/t1/events", headers=H["A001"], json={"kind": "appeal", "reason": "我说了您好"}),
              c.post("/api/calls/t1/events", headers=H["chen"], json={"kind": "ruling", "value": "upheld", "reason": "录音清楚"}),
              c.post("/api/coaching", headers=H["wang"], json={"agent_id": "A001", "check_id": "language.banned_phrase",
                                                               "calls": ["t1"]})]
    assert all(r.status_code == 200 for r in steps), [r.text for r in steps]
    return c, before


@pytest.mark.parametrize("who, kinds", [
    ("wang", ["appeal", "assignment", "ruling"]),  # not the coaching task 王 set: nobody hears of their own acts
    ("li", []),
    ("chen", ["appeal"]),
    ("admin", ["appeal"]),
    ("A001", ["coaching", "review", "ruling"]),
    ("A002", []),
    ("lead", ["appeal"]),
], ids=["reviewer-of-the-call", "other-reviewer", "senior-who-ruled", "admin", "the-calls-agent", "other-agent",
        "lead-who-assigned"])
def test_each_kind_reaches_the_right_users_and_no_one_else(day, who, kinds):
    c, before = day
    assert before[who] == 0
    r = c.get("/api/notifications", headers=H[who])
    assert r.status_code == 200, r.text
    box = r.json()
    assert sorted(x["kind"] for x in box["items"]) == kinds
    times = [x["at_utc"] for x in box["items"]]
    assert times == sorted(times, reverse=True)  # newest first
    assert box["unread"] == len(kinds) and all(x["unread"] for x in box["items"])
    assert all(x["call_id"] == "t1" for x in box["items"])  # 王's own claim of t2 told no one


def test_texts_links_times_and_masking(day):
    c, _ = day
    wang = {x["kind"]: x for x in c.get("/api/notifications", headers=H["wang"]).json()["items"]}
    assert wang["appeal"]["text"] == "A001 对通话 t1 提出申诉" and wang["appeal"]["link"] == "/call/t1"
    assert wang["ruling"]["text"] == "陈主管 裁决了通话 t1 的申诉：维持原评"
    assert "13812345678" not in str(wang["assignment"])  # masked like everything for a user without the right
    assert wang["assignment"]["text"].endswith("将通话 t1 分配给你")
    a001 = {x["kind"]: x for x in c.get("/api/notifications", headers=H["A001"]).json()["items"]}
    final = c.get("/api/calls/t1", headers=H["A001"]).json()["review"]["final_score"]
    assert a001["review"]["text"] == f"王质检 复核了你的通话 t1，得分 {final:g}" and a001["review"]["score"] == final
    assert a001["coaching"]["text"] == "王质检 给你布置了辅导任务：服务禁语" and a001["coaching"]["link"] == "/coaching"
    for x in a001.values():  # Beijing time, to the minute
        utc = dt.datetime.fromisoformat(x["at_utc"].rstrip("Z"))
        assert x["at"] == (utc + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")


def test_seen_resets_the_count_until_something_new(transcript_db, tmp_path):  # noqa: F811
    db = tmp_path / "qa.db"
    shutil.copy(transcript_db, db)
    c = TestClient(create_app(Store(db), TOKENS))
    agree_all(c, "t1")
    box = c.get("/api/notifications", headers=H["A001"]).json()
    assert box["unread"] == 1
    r = c.post("/api/notifications/seen", headers=H["A001"], json={"cursor": box["cursor"]})
    assert r.status_code == 200 and r.json() == {"unread": 0}
    box = c.get("/api/notifications", headers=H["A001"]).json()
    assert box["unread"] == 0 and [x["unread"] for x in box["items"]] == [False]  # still listed, as read
    assert c.get("/api/notifications", headers=H["chen"]).json()["unread"] == 0  # seen is per user
    c.post("/api/calls/t1/events", headers=H["A001"], json={"kind": "appeal", "reason": "我说了您好"})
    assert c.get("/api/notifications", headers=H["chen"]).json()["unread"] == 1
    c.post("/api/calls/t1/events", headers=H["chen"], json={"kind": "ruling", "value": "overturned", "reason": "成立"})
    box = c.get("/api/notifications", headers=H["A001"]).json()
    assert box["unread"] == 1 and [x["unread"] for x in box["items"]] == [True, False]
    assert box["items"][0]["text"] == "陈主管 裁决了通话 t1 的申诉：申诉成立，已改判"
    assert c.post("/api/notifications/seen", headers=H["A001"]).json() == {"unread": 0}  # no cursor: all up to now
    assert c.post("/api/notifications/seen", headers=H["A001"], json={"cursor": "1.2"}).status_code == 400
    old = c.post("/api/notifications/seen", headers=H["A001"], json={"cursor": "0.0.0"})  # marks never move back
    assert old.json() == {"unread": 0}
