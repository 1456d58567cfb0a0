"""The review app's API over a real store (FastAPI's TestClient: real app, real SQLite, real audio)."""

from __future__ import annotations

import io
import shutil
import sqlite3

import pytest
import soundfile as sf
from fastapi.testclient import TestClient

from qa_pipeline.review.app import create_app
from qa_pipeline.review.state import User
from qa_pipeline.store import Store

TOKENS = {"t-reviewer-0123456789": User("王质检", "reviewer"), "t-senior-0123456789a": User("陈主管", "senior"),
          "t-agent-A001-0123456789": User("A001", "agent"), "t-admin-0123456789ab": User("admin", "admin", True)}


@pytest.fixture()
def db(review_db, tmp_path):
    copy = tmp_path / "qa.db"
    shutil.copy(review_db, copy)
    return copy


@pytest.fixture()
def client(db):
    return TestClient(create_app(Store(db), TOKENS))


def as_(token: str) -> dict:
    return {"authorization": f"Bearer {token}"}


REV, SEN, AGT, ADM = (as_(t) for t in TOKENS)


def test_tokens_are_required_when_users_are_configured(client):
    assert client.get("/api/queue").status_code == 401
    assert client.get("/").status_code == 401
    assert client.get("/api/queue", headers=as_("wrong-token-000000000")).status_code == 401
    r = client.get("/?token=t-reviewer-0123456789")
    assert r.status_code == 200 and "qa_token" in r.headers.get("set-cookie", "")
    assert client.get("/api/me").json()["name"] == "王质检"  # the cookie now identifies the user


def test_queue_puts_fatal_and_flagged_first_and_filters(client, db):
    q = client.get("/api/queue", headers=REV).json()
    assert q["total"] == 4 and q["items"][0]["call_id"] == "c08" and q["items"][0]["fatal"]
    assert q["counts"]["fatal"] == 1 and q["counts"]["by_status"] == {"pending": 4}
    con = sqlite3.connect(db)
    want = {r[0] for r in con.execute("select call_id from checks where check_id = 'language.banned_phrase' "
                                      "and status = 'fail'")}
    got = {x["call_id"] for x in client.get("/api/queue?check=language.banned_phrase", headers=REV).json()["items"]}
    assert got == want and "c08" in got
    assert {x["call_id"] for x in client.get("/api/queue?team=寿险二组", headers=REV).json()["items"]} == {"c01", "x_html"}
    assert client.get("/api/queue?from=2026-11-21", headers=REV).json()["total"] == 2
    page2 = client.get("/api/queue?size=3&page=2", headers=REV).json()
    assert len(page2["items"]) == 1 and page2["total"] == 4


def test_an_agent_sees_only_their_own_calls(client):
    q = client.get("/api/queue", headers=AGT).json()
    assert [x["call_id"] for x in q["items"]] == ["c08"]
    assert client.get("/api/calls/c03", headers=AGT).status_code == 404
    assert client.get("/api/calls/c03/audio", headers=AGT).status_code == 404


def test_decisions_are_stored_with_user_and_never_overwritten(client, db):
    r = client.post("/api/calls/c08/events", headers=REV, json={"kind": "finding", "target": "language.banned_phrase#0",
                                                                "value": "dispute"})
    assert r.status_code == 400 and "reason" in r.json()["error"]
    for value, reason in (("dispute", "客户先骂人"), ("agree", None)):
        r = client.post("/api/calls/c08/events", headers=REV,
                        json={"kind": "finding", "target": "language.banned_phrase#0", "value": value, "reason": reason})
        assert r.status_code == 200, r.text
    state = r.json()
    assert state["decisions"]["language.banned_phrase#0"]["value"] == "agree" and state["status"] == "in_review"
    client.post("/api/calls/c08/events", headers=REV, json={"kind": "score", "value": "35"})
    client.post("/api/calls/c08/events", headers=REV, json={"kind": "status", "value": "reviewed"})
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from review_events where call_id = 'c08'").fetchone()[0] == 4
    assert con.execute("select status, reviewer, final_score, confirmed from call_reviews where call_id = 'c08'"
                       ).fetchone() == ("reviewed", "王质检", 35.0, 1)
    hist = client.get("/api/calls/c08", headers=REV).json()["history"]
    assert [h["value"] for h in hist][:2] == ["dispute", "agree"] and hist[0]["reason"] == "客户先骂人"
    assert client.get("/api/queue?status=reviewed", headers=REV).json()["total"] == 1


def test_appeal_then_senior_ruling(client):
    client.post("/api/calls/c08/events", headers=REV, json={"kind": "status", "value": "reviewed"})
    r = client.post("/api/calls/c03/events", headers=AGT, json={"kind": "appeal", "reason": "不是我的通话"})
    assert r.status_code == 404  # not the agent's call
    r = client.post("/api/calls/c08/events", headers=REV, json={"kind": "appeal", "reason": "代坐席申诉"})
    assert r.status_code == 403 and "own agent" in r.json()["error"]  # a reviewer does not appeal their own review
    r = client.post("/api/calls/c08/events", headers=AGT, json={"kind": "appeal", "reason": "客户要求我读出号码"})
    assert r.status_code == 200 and r.json()["status"] == "appealed"
    r = client.post("/api/calls/c08/events", headers=REV, json={"kind": "ruling", "value": "overturned", "reason": "x"})
    assert r.status_code == 403 and "senior" in r.json()["error"]
    r = client.post("/api/calls/c08/events", headers=SEN, json={"kind": "ruling", "value": "upheld", "reason": "规定如此"})
    assert r.status_code == 200 and r.json()["status"] == "ruled" and r.json()["ruling"]["by"] == "陈主管"


@pytest.mark.parametrize("event, says", [
    ({"kind": "manual", "target": "opening.greeting", "value": "1"}, "not a manual checklist item"),
    ({"kind": "score", "value": "120"}, "between 0 and 100"),
    ({"kind": "finding", "target": "nope#0", "value": "agree"}, "no check"),
    ({"kind": "finding", "target": "language.banned_phrase#99", "value": "agree"}, "no finding"),
    ({"kind": "shout", "value": "x"}, "unknown decision kind"),
])
def test_bad_decisions_get_a_one_line_error(client, event, says):
    r = client.post("/api/calls/c08/events", headers=REV, json=event)
    assert r.status_code == 400 and says in r.json()["error"] and "\n" not in r.json()["error"]


def test_audio_only_for_calls_in_the_database_and_by_channel(client):
    both = client.get("/api/calls/c08/audio", headers=REV)
    agent = client.get("/api/calls/c08/audio?channel=agent", headers=REV)
    assert both.status_code == agent.status_code == 200
    b, _ = sf.read(io.BytesIO(both.content))
    a, _ = sf.read(io.BytesIO(agent.content))
    assert b.ndim == 2 and b.shape[1] == 2 and a.ndim == 1 and len(a) == len(b)
    ranged = client.get("/api/calls/c08/audio", headers={**REV, "range": "bytes=0-99"})
    assert ranged.status_code == 206 and len(ranged.content) == 100  # seeking works in the browser
    for bad in ("../../etc/passwd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "nope", "/etc/passwd"):
        assert client.get(f"/api/calls/{bad}/audio", headers=REV).status_code == 404


def test_sensitive_numbers_masked_unless_the_user_may_see_them(tmp_path, review_db):
    import json
    import subprocess
    import sys

    folder = tmp_path / "calls"
    folder.mkdir()
    (folder / "s1.jsonl").write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in [
        {"speaker": "agent", "text": "您好，请问您的身份证号码是多少？"},
        {"speaker": "customer", "text": "身份证号码是110105194912310021。"}]), encoding="utf-8")
    db = tmp_path / "s.db"
    r = subprocess.run([sys.executable, "-m", "qa_pipeline", "batch", str(folder), "--db", str(db), "--include",
                        "*.jsonl", "--store-sensitive"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    c = TestClient(create_app(Store(db), TOKENS))
    plain = json.dumps(c.get("/api/calls/s1", headers=REV).json()["report"]["transcript"], ensure_ascii=False)
    clear = json.dumps(c.get("/api/calls/s1", headers=ADM).json()["report"]["transcript"], ensure_ascii=False)
    assert "110105194912310021" not in plain and "0021" in plain
    assert "110105194912310021" in clear


def test_exports_list_every_event(client):
    client.post("/api/calls/c01/events", headers=REV, json={"kind": "comment", "reason": "开场白很标准"})
    r = client.get("/api/export.csv", headers=REV)
    assert r.status_code == 200 and "开场白很标准" in r.content.decode("utf-8-sig")
    x = client.get("/api/export.xlsx", headers=REV)
    assert x.status_code == 200 and x.content[:2] == b"PK"


def test_queue_answers_in_under_a_second_on_10000_calls(db):
    import time

    from .conftest import clone_calls

    clone_calls(db, 10_000)
    client = TestClient(create_app(Store(db), TOKENS))
    for query in ("", "?check=language.banned_phrase", "?status=pending&sort=-score", "?agent=L07&page=3",
                  "?from=2026-10-05&to=2026-10-20&fatal=true"):
        t0 = time.perf_counter()
        r = client.get("/api/queue" + query, headers=REV)
        took = time.perf_counter() - t0
        assert r.status_code == 200 and took < 1.0, (query, took)
    assert client.get("/api/queue", headers=REV).json()["total"] >= 10_000


@pytest.mark.parametrize("args, says", [
    (["--host", "0.0.0.0"], "without access control"),
    (["--host", "10.1.2.3", "--token", "short"], "at least 16 characters"),
    (["--role", "boss"], "not one of"),
])
def test_review_refuses_to_start_unsafely(review_db, args, says):
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "qa_pipeline", "review", "--db", str(review_db), *args],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 4 and says in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("text, says", [
    ("users: [{name: a, token: abc, role: reviewer}]", "at least 16 characters"),
    ("users: [{name: a, token: 0123456789abcdef0, role: boss}]", "role 'boss'"),
    ("users: [{token: 0123456789abcdef0}]", "needs a name and a token"),
    ("users: []", "no users"),
    ("users: [unclosed", "cannot read"),
])
def test_users_file_errors_name_the_problem(tmp_path, text, says):
    from qa_pipeline.review.users import load_users
    from qa_pipeline.errors import ConfigError

    f = tmp_path / "users.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=says):
        load_users(f)


def test_users_file_gives_each_token_its_role(tmp_path):
    from qa_pipeline.review.users import load_users

    f = tmp_path / "users.yaml"
    f.write_text("users:\n  - {name: 王芳, token: aaaaaaaaaaaaaaaa1, role: reviewer}\n"
                 "  - {name: 陈主管, token: bbbbbbbbbbbbbbbb2, role: senior, sensitive: true}\n", encoding="utf-8")
    users = load_users(f)
    assert users["aaaaaaaaaaaaaaaa1"] == User("王芳", "reviewer", False)
    assert users["bbbbbbbbbbbbbbbb2"] == User("陈主管", "senior", True)
