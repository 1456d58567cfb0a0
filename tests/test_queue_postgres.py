"""The queue's search, filters and assignment on PostgreSQL (a throw-away server, as tests/test_postgres.py):
ILIKE on the transcripts, served by a pg_trgm index where the extension is installed."""

from __future__ import annotations

import sqlalchemy as sa

from .synthetic_calls import fill_store
from .test_postgres import pg_url  # noqa: F401 - the throw-away server fixture


def test_search_claim_and_rules_on_postgresql(pg_url):  # noqa: F811
    from qa_pipeline.store import Store
    from qa_pipeline.store.assign import AssignmentRules, assign, auto_assign
    from qa_pipeline.store.queue import QueueFilter, queue_page

    store = Store(pg_url)
    calls = fill_store(store, 60, seed=3)

    def found(**kw) -> set[str]:
        return {x["call_id"] for x in queue_page(store, QueueFilter(**kw), size=200)["items"]}

    for text in ("我要投诉", "投诉", "工号是一二三四", "没有这句话"):
        assert found(text=text) == {x["call_id"] for x in calls if any(text in u["text"] for u in x["transcript"])}
    assert found(text="感謝您的來電") == {x["call_id"] for x in calls if any("感谢您的来电" in u["text"] for u in x["transcript"])}
    assert found(call_id="call-00001") == {x["call_id"] for x in calls if "call-00001" in x["call_id"]}
    assign(store, "call-000002", "王质检", by="王质检")
    assert found(assignee="王质检") == {"call-000002"}
    given = auto_assign(store, AssignmentRules(teams={"*": ("王质检", "李质检")}, daily_quota=4))
    assert len(given["王质检"]) == 3 and len(given["李质检"]) == 4  # 王质检 had one call already today
    with store.engine.connect() as conn:
        trgm = conn.execute(sa.text("select 1 from pg_extension where extname = 'pg_trgm'")).first()
        index = conn.execute(sa.text("select 1 from pg_indexes where indexname = 'ix_utterances_text_trgm'")).first()
    assert bool(trgm) == bool(index)
    store.close()


def test_claims_paging_and_notifications_on_postgresql(pg_url):  # noqa: F811
    """One claim store, deep pages in the index's order and the 🔔 on PostgreSQL ("user" is a reserved word); a
    reviewer of their own (the server holds the other test's calls and assignments too)."""
    from fastapi.testclient import TestClient

    from qa_pipeline.review.app import create_app
    from qa_pipeline.review.state import User
    from qa_pipeline.store import Store
    from qa_pipeline.store.queue import QueueFilter, queue_page

    store = Store(pg_url)
    fill_store(store, 40, seed=5)
    tokens = {"t-lead-0123456789abc": User("陈主管", "senior"), "t-reviewer-0123456789": User("赵质检", "reviewer")}
    lead, zhao = ({"authorization": f"Bearer {t}"} for t in tokens)
    c = TestClient(create_app(store, tokens))
    everything = [x["call_id"] for x in queue_page(store, QueueFilter(), size=200)["items"]]
    pages = len(everything) // 9 + 1  # (the server may hold the other test's calls too)
    paged = [x["call_id"] for p in range(1, pages + 1) for x in queue_page(store, QueueFilter(), size=9, page=p)["items"]]
    assert paged == everything and len(everything) >= 40
    assert c.post("/api/calls/call-000007/events", headers=lead, json={"kind": "claim", "target": "赵质检"}).status_code == 200
    assert c.get("/api/queue?mine=true", headers=zhao).json()["items"][0]["call_id"] == "call-000007"
    box = c.get("/api/notifications", headers=zhao).json()
    assert box["unread"] == 1 and box["items"][0]["text"] == "陈主管 将通话 call-000007 分配给你"
    assert c.post("/api/notifications/seen", headers=zhao, json={"cursor": box["cursor"]}).json() == {"unread": 0}
    assert c.post("/api/calls/call-000007/events", headers=zhao, json={"kind": "release"}).json()["assignee"] is None
    store.close()
