"""A day's work on the queue (real app, real SQLite with FTS5, synthetic scored calls stored as the batch
stores them): claim → my queue, a lead's assignment, the automatic rules, filters and search."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from qa_pipeline.errors import ConfigError
from qa_pipeline.review.app import create_app
from qa_pipeline.review.queue_api import load_assignment_rules
from qa_pipeline.review.state import User
from qa_pipeline.store import Store
from qa_pipeline.store.assign import AssignmentRules

from .synthetic_calls import fill_store

TOKENS = {"t-reviewer-0123456789": User("王质检", "reviewer"), "t-reviewer2-012345678": User("李质检", "reviewer"),
          "t-senior-0123456789a": User("陈主管", "senior"), "t-agent-A007-0123456789": User("A007", "agent")}
WANG, LI, SEN, AGT = ({"authorization": f"Bearer {t}"} for t in TOKENS)
RULES = AssignmentRules(teams={"寿险一组": ("王质检", "李质检"), "*": ("陈主管",)}, daily_quota=5)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    path = tmp_path_factory.mktemp("queue") / "qa.db"
    store = Store(path)
    calls = fill_store(store, 120)
    store.close()  # checkpoints the WAL, so a copy of the file holds every call
    return path, calls


@pytest.fixture()
def client(made, tmp_path):
    import shutil

    db = tmp_path / "qa.db"
    shutil.copy(made[0], db)
    store = Store(db)
    return TestClient(create_app(store, TOKENS, assignment=RULES)), made[1], store


def ids(r) -> set[str]:
    assert r.status_code == 200, r.text
    return {x["call_id"] for x in r.json()["items"]}


def test_claim_puts_the_call_in_my_queue_only(client):
    c, calls, _ = client
    assert c.get("/api/queue?mine=true", headers=WANG).json()["total"] == 0
    r = c.post("/api/queue/claim/call-000003", headers=WANG)
    assert r.status_code == 200 and r.json()["reviewer"] == "王质检" and r.json()["how"] == "claim"
    assert ids(c.get("/api/queue?mine=true", headers=WANG)) == {"call-000003"}
    assert ids(c.get("/api/queue?mine=true", headers=LI)) == set()
    r = c.post("/api/queue/claim/call-000003", headers=LI)  # someone else's call
    assert r.status_code == 400 and "王质检" in r.json()["error"]
    assert c.post("/api/queue/claim/no-such-call", headers=WANG).status_code == 400
    assert c.post("/api/queue/claim/call-000004", headers=AGT).status_code == 403
    r = c.post("/api/queue/assign", headers=SEN, json={"call_id": "call-000003", "reviewer": "李质检"})
    assert r.status_code == 200 and r.json()["how"] == "assign"
    assert ids(c.get("/api/queue?mine=true", headers=LI)) == {"call-000003"}
    assert c.post("/api/queue/assign", headers=WANG, json={"call_id": "call-000003", "reviewer": "王质检"}).status_code == 403
    assert c.post("/api/queue/release/call-000003", headers=WANG).json() == {"released": False}  # not hers now
    assert c.post("/api/queue/release/call-000003", headers=LI).json() == {"released": True}
    assert c.get("/api/queue?unassigned=true&size=1", headers=WANG).json()["total"] == len(calls)


def test_automatic_assignment_deals_round_robin_within_the_quota(client):
    c, calls, _ = client
    r = c.post("/api/queue/auto-assign", headers=SEN)
    assert r.status_code == 200, r.text
    given = r.json()["assigned"]
    team1 = [x for x in calls if x["meta"]["team"] == "寿险一组"]
    others = [x for x in calls if x["meta"]["team"] != "寿险一组"]
    assert len(given["王质检"]) == len(given["李质检"]) == 5  # the quota, dealt in turn
    assert len(given["陈主管"]) == 5
    by_id = {x["call_id"]: x for x in calls}
    assert all(by_id[i]["meta"]["team"] == "寿险一组" for i in given["王质检"] + given["李质检"])
    assert all(by_id[i]["meta"]["team"] != "寿险一组" for i in given["陈主管"])
    # the most urgent first: fatal calls of the team come before any non-fatal one
    dealt = set(given["王质检"] + given["李质检"])
    n_fatal = sum(x["score_detail"]["fatal"] for x in team1)
    assert sum(by_id[i]["score_detail"]["fatal"] for i in dealt) == min(10, n_fatal)
    assert len(team1) > 10 and len(others) > 5
    again = c.post("/api/queue/auto-assign", headers=SEN).json()  # everyone's day is full
    assert again["n"] == 0
    assert ids(c.get("/api/queue?mine=true&size=50", headers=WANG)) == set(given["王质检"])
    assert c.post("/api/queue/auto-assign", headers=WANG).status_code == 403


@pytest.mark.parametrize("query, keep", [
    ("text=我要投诉", lambda x: any("我要投诉" in u["text"] for u in x["transcript"])),
    ("text=投诉", lambda x: any("投诉" in u["text"] for u in x["transcript"])),  # 2 characters: no trigram
    ("text=工号是一二三四", lambda x: any("工号是一二三四" in u["text"] for u in x["transcript"])),
    ("text=不存在的话", lambda x: False),
    ("q=call-00001", lambda x: "call-00001" in x["call_id"]),
    ("q=%25", lambda x: False),  # a LIKE wildcard is searched literally
    ("agent=A007", lambda x: x["meta"]["agent_id"] == "A007"),
    ("queue=理赔&direction=outbound", lambda x: x["meta"]["queue"] == "理赔" and x["meta"]["direction"] == "outbound"),
    ("text=续保&team=车险组", lambda x: any("续保" in u["text"] for u in x["transcript"]) and x["meta"]["team"] == "车险组"),
    ("text=來電", lambda x: any("来电" in u["text"] for u in x["transcript"])),  # Traditional → Simplified
    ("text=感謝您的來電", lambda x: any("感谢您的来电" in u["text"] for u in x["transcript"])),
    ("text=您好，很高兴", lambda x: any("您好，很高兴" in u["text"] for u in x["transcript"])),  # ， stays ，
], ids=["phrase", "two-chars", "digits-words", "nothing", "call-id", "wildcard", "agent", "queue-direction", "text-team",
        "traditional-2", "traditional", "chinese-comma"])
def test_filters_and_search_find_exactly_the_matching_calls(client, query, keep):
    c, calls, _ = client
    want = {x["call_id"] for x in calls if keep(x)}
    assert ids(c.get(f"/api/queue?{query}&size=200", headers=WANG)) == want


def test_a_saved_sample_filters_the_queue(client):
    c, calls, store = client
    chosen = [x["call_id"] for x in calls[10:17]]
    store.save_sample("周抽检", [{"call_id": i, "reason": "sampled", "stratum": None} for i in chosen])
    assert ids(c.get("/api/queue?sample=周抽检&size=200", headers=WANG)) == set(chosen)
    assert "周抽检" in c.get("/api/options", headers=WANG).json()["samples"]


def test_an_agent_searches_only_their_own_calls(client):
    c, calls, _ = client
    mine = {x["call_id"] for x in calls if x["meta"]["agent_id"] == "A007" and any("您好" in u["text"] for u in x["transcript"])}
    assert ids(c.get("/api/queue?text=您好&size=200", headers=AGT)) == mine
    assert ids(c.get("/api/queue?agent=A008&size=200", headers=AGT)) == set()


def test_the_index_follows_a_rescored_call(client):
    c, calls, store = client
    from qa_pipeline.store import call_rows

    report = {**calls[0], "transcript": [{"speaker": "agent", "start": 0, "end": 1, "text": "独一无二的新句子"}]}
    meta = report.pop("meta")
    row, children = call_rows(report, path="/calls/x.wav", size=None, sha256=None, meta=meta, run_id=None, model_key=None)
    store.save_call(row, children)
    assert ids(c.get("/api/queue?text=独一无二", headers=WANG)) == {calls[0]["call_id"]}
    old = calls[0]["transcript"][0]["text"]
    assert calls[0]["call_id"] not in ids(c.get(f"/api/queue?text={old}&size=200", headers=WANG))


@pytest.mark.parametrize("query", ["分機號", "分机号是一二三四", "分机号是１２３４", "ＡＢ１２３", "车牌ab123", "  车牌AB123  "],
                         ids=["traditional", "spoken-digits", "fullwidth-digits", "fullwidth-letters", "any-case", "spaces"])
def test_the_query_is_normalized_as_transcripts_are(client, query):
    """A transcript as the batch stores it (qa_pipeline.text.normalize: digits, half-width) is found by the
    query as a user types it."""
    c, calls, store = client
    from qa_pipeline.store import call_rows
    from qa_pipeline.text import normalize

    said = normalize("我的分机号是一二三四，车牌ＡＢ１２３")  # nothing like it in the synthetic calls
    assert said == "我的分机号是1234，车牌AB123"
    report = {**calls[5], "transcript": [{"speaker": "agent", "start": 0, "end": 3, "text": said}]}
    meta = report.pop("meta")
    row, children = call_rows(report, path="/calls/x.wav", size=None, sha256=None, meta=meta, run_id=None, model_key=None)
    store.save_call(row, children)
    assert ids(c.get("/api/queue", params={"text": query, "size": 200}, headers=WANG)) == {calls[5]["call_id"]}


@pytest.mark.parametrize("text, error", [
    ("daily_quota: 0\n", "daily_quota"), ("teams: [a, b]\n", "teams"), ("teams: {组: 王质检}\n", "reviewers"),
    ("quota: 3\n", "only"),
], ids=["zero-quota", "teams-list", "reviewers-str", "unknown-key"])
def test_bad_assignment_rules_name_the_fix(tmp_path, text, error):
    p = tmp_path / "assignment.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=error):
        load_assignment_rules(p)


def test_assignment_rules_load(tmp_path):
    p = tmp_path / "assignment.yaml"
    p.write_text("daily_quota: 12\nteams:\n  寿险一组: [王质检, 李质检]\n  '*': [陈主管]\n", encoding="utf-8")
    assert load_assignment_rules(p) == AssignmentRules(teams={"寿险一组": ("王质检", "李质检"), "*": ("陈主管",)},
                                                       daily_quota=12)


def test_migration_0006_indexes_the_transcripts_already_stored(tmp_path):
    import sqlalchemy as sa

    from qa_pipeline.store import tables as t
    from qa_pipeline.store.queue import QueueFilter, queue_page

    store = Store(tmp_path / "qa.db", migrate=False)
    store.upgrade("0004")
    with store.engine.begin() as conn:
        conn.execute(sa.insert(t.calls).values(call_id="old-1", status="scored", path="/x/old-1.wav",
                                               scored_at=sa.func.current_timestamp(), score=70.0))
        conn.execute(sa.insert(t.utterances), [
            {"call_id": "old-1", "idx": 0, "speaker": "agent", "start_s": 0, "end_s": 1, "text": "您好请讲"},
            {"call_id": "old-1", "idx": 1, "speaker": "customer", "start_s": 1, "end_s": 2, "text": "我要退保"}])
    store.upgrade()

    def found(text):
        return [x["call_id"] for x in queue_page(store, QueueFilter(text=text))["items"]]
    assert found("我要退保") == ["old-1"] and found("退保") == ["old-1"] and found("我要退保了") == []
    store.close()
