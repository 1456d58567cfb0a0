"""One claim store: the call page's claim and the queue's assignment are one row in ``call_assignments``;
a database made before migration 0007 (claims in ``call_reviews.assignee``) upgrades with its claims kept."""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from fastapi.testclient import TestClient

from qa_pipeline.review.app import create_app
from qa_pipeline.review.state import User
from qa_pipeline.store import Store
from qa_pipeline.store import assign
from qa_pipeline.store.queue import QueueFilter, queue_page

from .review_calls import transcript_db, wb_db  # noqa: F401 (fixtures)

TOKENS = {"t-reviewer-0123456789": User("王质检", "reviewer"), "t-reviewer2-012345678": User("李质检", "reviewer"),
          "t-senior-0123456789a": User("陈主管", "senior")}
WANG, LI, SEN = ({"authorization": f"Bearer {t}"} for t in TOKENS)


def test_the_call_page_claim_is_the_queue_claim(wb_db):
    c = TestClient(create_app(Store(wb_db), TOKENS))
    r = c.post("/api/calls/t1/events", headers=WANG, json={"kind": "claim"})
    assert r.status_code == 200 and r.json()["assignee"] == "王质检"
    row = sqlite3.connect(wb_db).execute("select reviewer, assigned_by, how from call_assignments "
                                         "where call_id = 't1'").fetchone()
    assert row == ("王质检", "王质检", "claim")
    r = c.post("/api/queue/claim/t1", headers=LI)  # the queue sees the call page's claim
    assert r.status_code == 400 and "王质检" in r.json()["error"]
    assert c.post("/api/queue/claim/t2", headers=LI).status_code == 200
    r = c.post("/api/calls/t2/events", headers=WANG, json={"kind": "claim"})  # and the call page the queue's
    assert r.status_code == 403 and "李质检 has already claimed" in r.json()["error"]
    assert c.get("/api/calls/t2", headers=WANG).json()["review"]["assignee"] == "李质检"
    r = c.post("/api/calls/t2/events", headers=WANG, json={"kind": "release"})
    assert r.status_code == 403 and "李质检's" in r.json()["error"]
    r = c.post("/api/calls/t2/events", headers=SEN, json={"kind": "claim", "target": "王质检"})  # a lead reassigns
    assert r.status_code == 200 and r.json()["assignee"] == "王质检"
    assert sqlite3.connect(wb_db).execute("select how, assigned_by from call_assignments where call_id = 't2'"
                                          ).fetchone() == ("assign", "陈主管")
    mine = c.get("/api/queue?mine=true", headers=WANG).json()
    assert sorted(x["call_id"] for x in mine["items"]) == ["t1", "t2"]
    assert {x["assignee"] for x in mine["items"]} == {"王质检"}
    r = c.post("/api/calls/t1/events", headers=WANG, json={"kind": "release"})
    assert r.status_code == 200 and r.json()["assignee"] is None
    assert c.get("/api/queue?unassigned=true", headers=WANG).json()["total"] == 1
    kinds = [e["kind"] for e in c.get("/api/calls/t1", headers=WANG).json()["history"]]
    assert kinds == ["claim", "release"]  # the audit trail keeps both
    r = c.post("/api/calls/t1/events", headers=WANG, json={"kind": "release"})
    assert r.status_code == 403 and "nobody" in r.json()["error"]


def test_a_database_made_at_0006_keeps_its_claims(wb_db, tmp_path):
    old = tmp_path / "old.db"
    store = Store(old, migrate=False)
    store.upgrade("0006")
    src = sqlite3.connect(wb_db)
    calls = src.execute("select call_id, status, path, scored_at, agent_id, score from calls order by call_id").fetchall()
    store.close()
    con = sqlite3.connect(old)
    con.executemany("insert into calls (call_id, status, path, scored_at, agent_id, score) values (?, ?, ?, ?, ?, ?)",
                    calls + [("t3", "scored", "/x/t3.jsonl", "2026-11-20 12:00:00", "A003", 90.0)])
    con.executemany(  # t1 claimed on its page; t2 claimed on its page by 李 but assigned on the queue to 陈; t3 no claim
        "insert into call_reviews (call_id, status, n_events, updated_at, assignee, claimed_at) values (?, ?, ?, ?, ?, ?)",
        [("t1", "pending", 1, "2026-12-01 09:00:00", "王质检", "2026-12-01 08:59:00"),
         ("t2", "in_review", 3, "2026-12-01 09:30:00", "李质检", None),
         ("t3", "reviewed", 5, "2026-12-01 10:00:00", None, None)])
    con.execute("insert into call_assignments values ('t2', '陈主管', '2026-12-01 09:10:00', '陈主管', 'assign')")
    con.execute("insert into review_events (call_id, at, user, role, kind, target) "
                "values ('t1', '2026-12-01 08:59:00', '王质检', 'reviewer', 'claim', '王质检')")
    con.commit()
    con.close()

    store = Store(old)  # migrates to head
    assert store.revision() == store.head()
    cols = {c["name"] for c in sa.inspect(store.engine).get_columns("call_reviews")}
    assert "assignee" not in cols and "claimed_at" not in cols
    t1 = assign.assignee(store, "t1")
    assert (t1["reviewer"], t1["how"], t1["assigned_at"].isoformat(sep=" ")) == ("王质检", "claim", "2026-12-01 08:59:00")
    assert assign.assignee(store, "t2")["reviewer"] == "陈主管"  # the queue's assignment won, as the queue showed
    assert assign.assignee(store, "t3") is None
    mine = queue_page(store, QueueFilter(assignee="王质检"))
    assert [x["call_id"] for x in mine["items"]] == ["t1"] and mine["items"][0]["assignee"] == "王质检"
    assert queue_page(store, QueueFilter(unassigned=True))["total"] == 1
    rows = sqlite3.connect(old).execute("select status, n_events from call_reviews order by call_id").fetchall()
    assert rows == [("pending", 1), ("in_review", 3), ("reviewed", 5)]  # the review states are kept
    assert sqlite3.connect(old).execute("select count(*) from review_events where kind = 'claim'").fetchone() == (1,)
    store.close()
