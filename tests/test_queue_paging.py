"""Deep queue pages (real app, real SQLite, synthetic calls stored as the batch stores them): paging walks
exactly the order of one sort of everything, with the same counts on every page; the planner's statistics
are gathered when missing or stale."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from fastapi.testclient import TestClient

from qa_pipeline.review.app import create_app
from qa_pipeline.review.state import User
from qa_pipeline.store import Store

from .synthetic_calls import fill_store

TOKENS = {"t-reviewer-0123456789": User("王质检", "reviewer"), "t-agent-A007-0123456789": User("A007", "agent")}
WANG, AGT = ({"authorization": f"Bearer {t}"} for t in TOKENS)
ORDER = {  # the queue's sorts as plain SQL over calls (NULL scores first, as SQLite sorts them)
    "priority": "fatal DESC, flagged DESC, score ASC, started_at DESC, call_id",
    "-started_at": "started_at DESC, call_id DESC",
    "started_at": "started_at ASC, call_id",
    "-score": "score DESC, call_id",
}


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    db = tmp_path_factory.mktemp("paging") / "qa.db"
    store = Store(db)
    fill_store(store, 150)
    store.close()
    return db


@pytest.fixture()
def client(made, tmp_path):
    db = tmp_path / "qa.db"
    shutil.copy(made, db)
    c = TestClient(create_app(Store(db), TOKENS))
    con = sqlite3.connect(db)
    for (call_id,) in con.execute("SELECT call_id FROM calls ORDER BY call_id LIMIT 12"):  # some calls in review
        assert c.post(f"/api/calls/{call_id}/events", headers=WANG, json={"kind": "score", "value": "80"}).status_code == 200
    return c, con


@pytest.mark.parametrize("sort", list(ORDER))
@pytest.mark.parametrize("query, where", [
    ("", "1"),
    ("team=车险组", "team = '车险组'"),
    ("status=pending", "call_id NOT IN (SELECT call_id FROM call_reviews)"),
    ("flagged=true&direction=outbound", "flagged AND direction = 'outbound'"),
    ("text=我要投诉", "call_id IN (SELECT call_id FROM utterances WHERE text LIKE '%我要投诉%')"),
], ids=["all", "team", "status", "flagged-direction", "search"])
def test_pages_walk_exactly_one_sort_of_everything(client, sort, query, where):
    c, con = client
    want = [r[0] for r in con.execute(f"SELECT call_id FROM calls WHERE status = 'scored' AND {where} ORDER BY {ORDER[sort]}")]
    assert len(want) > 14  # more than two pages
    got, counts = [], []
    for page in range(1, len(want) // 7 + 2):
        r = c.get(f"/api/queue?{query}&sort={sort}&size=7&page={page}", headers=WANG)
        assert r.status_code == 200, r.text
        body = r.json()
        got += [x["call_id"] for x in body["items"]]
        counts.append((body["total"], tuple(sorted(body["counts"]["by_status"].items()))))
    assert got == want
    assert set(counts) == {(len(want), counts[0][1])}  # the same total and counts on every page
    if not query:
        assert counts[0][1] == (("in_review", 12), ("pending", len(want) - 12))


def test_the_rows_of_a_deep_page_carry_their_review_and_assignment(client):
    c, con = client
    assert c.post("/api/queue/claim/call-000149", headers=WANG).status_code == 200
    reviewed = con.execute("SELECT call_id FROM call_reviews WHERE status = 'in_review' ORDER BY call_id").fetchone()[0]
    assert c.post(f"/api/queue/claim/{reviewed}", headers=WANG).status_code == 200
    total = c.get("/api/queue?size=1", headers=WANG).json()["total"]
    rows = {}
    for page in range(1, total // 20 + 2):
        rows.update({x["call_id"]: x for x in c.get(f"/api/queue?size=20&page={page}", headers=WANG).json()["items"]})
    assert rows["call-000149"]["assignee"] == "王质检" and rows["call-000149"]["review_status"] == "pending"
    assert rows[reviewed]["assignee"] == "王质检" and rows[reviewed]["review_status"] == "in_review"
    assert rows[reviewed]["final_score"] == 80 and rows[reviewed]["reviewer"] == "王质检"
    agent = c.get("/api/queue?size=200", headers=AGT).json()  # an agent's pages: their own calls only
    assert {x["agent_id"] for x in agent["items"]} == {"A007"} and agent["total"] == len(agent["items"])


def test_statistics_are_gathered_when_missing_or_stale(made, tmp_path):
    db = tmp_path / "qa.db"
    shutil.copy(made, db)
    store = Store(db)
    stat = "SELECT stat FROM sqlite_stat1 WHERE tbl = 'calls' AND idx = 'ix_calls_priority'"
    assert sqlite3.connect(db).execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone() is None
    assert store.refresh_stats() is True
    assert sqlite3.connect(db).execute(stat).fetchone()[0].split()[0] == "150"
    assert store.refresh_stats() is False  # fresh: nothing to do
    fill_store(store, 400, seed=99)  # call-000000…call-000399: the 150 stored again and 250 more
    assert store.count_calls() == 400
    assert store.refresh_stats() is True  # 150 → 400 calls: stale
    assert sqlite3.connect(db).execute(stat).fetchone()[0].split()[0] == "400"
    store.close()


def test_a_read_only_store_still_serves_the_queue(made, tmp_path):
    db = tmp_path / "qa.db"
    shutil.copy(made, db)
    assert Store(db).revision() is not None  # at head, no statistics yet
    store = Store(f"sqlite:///file:{db}?mode=ro&uri=true")  # opened read-only: nothing can be written
    assert store.refresh_stats() is False  # no statistics, no error: the queue still answers
    c = TestClient(create_app(store, TOKENS))
    assert c.get("/api/queue?page=3&size=20", headers=WANG).json()["total"] == 150
    assert sqlite3.connect(db).execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone() is None
