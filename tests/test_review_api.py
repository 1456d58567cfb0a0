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

from .review_calls import transcript_db, wb_db  # noqa: F401 (fixtures)

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


def finish_review(client, call_id: str, headers=None) -> dict:
    """Submit a call's sheet agreeing with every failed or low-confidence item (what a reviewer's 提交复核 does)."""
    from qa_pipeline.review.sheet import needs_decision

    report = client.get(f"/api/calls/{call_id}", headers=headers or REV).json()["report"]
    items = {c["id"]: {"verdict": "agree"} for c in report["checks"] if needs_decision(c)}
    r = client.post(f"/api/calls/{call_id}/review", headers=headers or REV, json={"items": items})
    assert r.status_code == 200, r.text
    return r.json()


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
    finish_review(client, "c08")
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


def test_waveform_peaks_per_channel(client):
    import numpy as np

    p = client.get("/api/calls/c08/peaks?n=200", headers=REV).json()
    audio, rate = sf.read(io.BytesIO(client.get("/api/calls/c08/audio", headers=REV).content))
    assert p["n"] == 200 and len(p["channels"]) == 2 and all(len(c) == 200 for c in p["channels"])
    assert p["duration_s"] == pytest.approx(len(audio) / rate, abs=0.01)
    loudest = max(max(c) for c in p["channels"])
    assert 0 < loudest <= 1 and loudest == pytest.approx(float(np.abs(audio).max()), abs=0.01)
    assert client.get("/api/calls/x_html/peaks", headers=REV).status_code == 404  # a transcript has no waveform
    assert client.get("/api/calls/c03/peaks", headers=AGT).status_code == 404  # not the agent's call


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
    (["--tz", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
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


# -- the workbench: one sheet per call, final score, appeals that hold (transcript calls: no ASR) --------------

WB_TOKENS = {"t-reviewer-0123456789": User("王质检", "reviewer"), "t-senior-0123456789a": User("陈主管", "senior"),
             "t-agent-A001-0123456789": User("A001", "agent"), "t-admin-0123456789ab": User("admin", "admin")}


@pytest.fixture()
def wb(wb_db):
    return TestClient(create_app(Store(wb_db), WB_TOKENS))


def _open_items(client, call_id: str) -> dict:
    """Agree with every item that needs a decision (the rest of a test's sheet)."""
    from qa_pipeline.review.sheet import needs_decision

    report = client.get(f"/api/calls/{call_id}", headers=REV).json()["report"]
    return {c["id"]: {"verdict": "agree"} for c in report["checks"] if needs_decision(c)}


def _sheet(client, call_id: str) -> list[dict]:
    return [c for c in client.get(f"/api/calls/{call_id}", headers=REV).json()["report"]["checks"]
            if c.get("section") and c.get("points_possible") is not None]


def test_the_sheet_is_submitted_in_one_transaction_and_scored_by_the_server(wb, wb_db):
    items = _sheet(wb, "t1")
    assert sum(c["points_possible"] for c in items) == 100  # the whole 100-point sheet is on the form
    # every item its full points, except 服务热情 2 of 6 and one taboo phrase (−2): 100 − 4 − 2 = 94
    given = {c["id"]: {"points": c["points_possible"]} for c in items}
    given["attitude.warm"] = {"points": 2}
    given["language.banned_phrase"] = {"points": -2, "verdict": "agree"}
    given["closing.farewell"] = {"verdict": "dispute", "points": 1.5}  # no reason: the whole sheet is refused
    r = wb.post("/api/calls/t1/review", headers=REV, json={"items": given, "comment": "态度需改进"})
    assert r.status_code == 400 and "reason" in r.json()["error"]
    con = sqlite3.connect(wb_db)
    assert con.execute("select count(*) from review_events").fetchone()[0] == 0  # nothing half-stored
    given["closing.farewell"]["reason"] = "说了再见，转写漏了"
    r = wb.post("/api/calls/t1/review", headers=REV, json={"items": given, "comment": "态度需改进"})
    assert r.status_code == 200, r.text
    state = r.json()
    assert state["status"] == "reviewed" and state["final_score"] == 94.0 and state["comment"] == "态度需改进"
    assert con.execute("select status, final_score from call_reviews where call_id = 't1'").fetchone() == ("reviewed", 94.0)
    kinds = [k for (k,) in con.execute("select kind from review_events order by event_id")]
    assert kinds.count("points") == len(items) and kinds[-2:] == ["score", "status"]
    assert con.execute("select count(distinct at) from review_events").fetchone()[0] == 1  # one moment, one transaction


def test_disputing_a_failure_gives_its_points_back_and_the_total_follows(wb):
    from qa_pipeline.review.sheet import final_score

    report = wb.get("/api/calls/t1", headers=REV).json()["report"]
    agreed = final_score(report, {"opening.greeting": "agree", "language.banned_phrase": "agree"}, {})
    greeting = next(c for c in report["checks"] if c["id"] == "opening.greeting")
    assert greeting["status"] == "fail" and agreed["total"] == report["score"]  # agreeing keeps the automatic score
    disputed = final_score(report, {"opening.greeting": "dispute", "language.banned_phrase": "agree"}, {})
    gain = greeting["points_possible"] - greeting["points"]
    assert gain > 0 and disputed["earned"] - agreed["earned"] == gain and disputed["total"] > agreed["total"]
    # (a section floored at 0 or capped at its points can absorb a gain: the table test below)


@pytest.mark.parametrize("event, says", [
    ({"kind": "status", "value": "reviewed"}, "nothing has been reviewed"),
    ({"kind": "points", "target": "attitude.warm", "value": "9"}, "between 0 and 6"),
    ({"kind": "points", "target": "customer.ended_angrier", "value": "1"}, "not an item of this call's scoring sheet"),
], ids=["untouched", "too-many-points", "not-on-sheet"])
def test_mark_reviewed_and_points_are_checked(wb, event, says):
    r = wb.post("/api/calls/t1/events", headers=REV, json=event)
    assert r.status_code == 400 and says in r.json()["error"], r.text


def test_submit_is_refused_while_a_failed_item_is_undecided_and_names_it(wb):
    checks = wb.get("/api/calls/t1", headers=REV).json()["report"]["checks"]
    open_ = [c for c in checks if c["status"] in ("fail", "partial") or (
        c.get("points_possible") is not None and c.get("confidence") is not None and c["confidence"] < 0.6)]
    assert any(c["id"] == "language.banned_phrase" for c in open_)
    r = wb.post("/api/calls/t1/review", headers=REV, json={"items": {"language.banned_phrase": {"verdict": "agree"}}})
    assert r.status_code == 400
    err = r.json()["error"]
    assert f"{len(open_) - 1} failed or low-confidence item(s)" in err and "开头语" in err and "结束语" in err
    assert "服务禁语" not in err  # decided
    assert wb.get("/api/calls/t1", headers=REV).json()["review"]["status"] == "pending"
    state = finish_review(wb, "t2")  # agreeing with everything keeps the automatic score
    assert state["final_score"] == wb.get("/api/calls/t2", headers=REV).json()["report"]["score"]


def test_a_ruling_is_final_and_an_overturn_rescores(wb, wb_db):
    before = finish_review(wb, "t1")
    r = wb.post("/api/calls/t1/events", headers=AGT, json={"kind": "appeal", "target": "opening.greeting,nope",
                                                            "reason": "我说了您好"})
    assert r.status_code == 400 and "nope" in r.json()["error"]
    r = wb.post("/api/calls/t1/events", headers=AGT, json={"kind": "appeal", "reason": "我说了您好，也没说不知道",
                                                            "target": "opening.greeting,language.banned_phrase"})
    assert r.status_code == 200 and r.json()["status"] == "appealed"
    assert wb.post("/api/calls/t1/review", headers=REV, json={"items": {}}).status_code == 403  # a reviewer waits
    r = wb.post("/api/calls/t1/events", headers=SEN, json={"kind": "ruling", "value": "overturned", "reason": "录音里有您好"})
    after = r.json()
    assert r.status_code == 200 and after["status"] == "ruled"
    assert after["decisions"]["opening.greeting"] == {**after["decisions"]["opening.greeting"], "value": "dispute", "user": "陈主管"}
    assert after["decisions"]["language.banned_phrase"]["value"] == "dispute" and "closing.farewell" not in after["points"]
    assert after["final_score"] > before["final_score"]
    assert sqlite3.connect(wb_db).execute("select final_score from call_reviews where call_id = 't1'").fetchone()[0] == after["final_score"]
    for headers, event in ((SEN, {"kind": "status", "value": "reviewed"}), (REV, {"kind": "check", "target": "opening.greeting", "value": "agree"}),
                           (AGT, {"kind": "appeal", "reason": "再申诉一次"}), (SEN, {"kind": "ruling", "value": "upheld", "reason": "x"})):
        r = wb.post("/api/calls/t1/events", headers=headers, json=event)
        assert r.status_code == 403, (event, r.text)
    assert wb.post("/api/calls/t1/review", headers=SEN, json={"items": {}}).status_code == 403
    r = wb.post("/api/calls/t1/events", headers=SEN, json={"kind": "reopen", "reason": "x"})
    assert r.status_code == 403 and "admin" in r.json()["error"]
    r = wb.post("/api/calls/t1/events", headers=ADM, json={"kind": "reopen", "reason": "裁决录错了"})
    assert r.status_code == 200 and r.json()["status"] == "in_review" and r.json()["reopened"]["by"] == "admin"


def test_the_agent_sees_every_verdict_points_and_comment(wb):
    items = _open_items(wb, "t1")
    items.update({"closing.farewell": {"verdict": "dispute", "reason": "转写漏了再见"}, "attitude.warm": {"points": 3}})
    r = wb.post("/api/calls/t1/review", headers=REV, json={"items": items, "comment": "注意礼貌用语"})
    assert r.status_code == 200, r.text
    review = wb.get("/api/calls/t1", headers=AGT).json()["review"]
    assert review["decisions"]["closing.farewell"]["reason"] == "转写漏了再见" and review["points"]["attitude.warm"] == 3
    assert review["comment"] == "注意礼貌用语" and review["final_score"] is not None


def test_the_appeal_window_closes(wb_db):
    c = TestClient(create_app(Store(wb_db), WB_TOKENS, appeal_days=0))
    finish_review(c, "t1")
    r = c.post("/api/calls/t1/events", headers=AGT, json={"kind": "appeal", "reason": "晚了"})
    assert r.status_code == 403 and "appeal window" in r.json()["error"]
    assert c.get("/api/me", headers=AGT).json()["appeal_days"] == 0


def test_times_zone_and_titles(wb_db):
    from qa_pipeline.errors import ConfigError

    c = TestClient(create_app(Store(wb_db), WB_TOKENS))
    assert c.get("/api/me", headers=REV).json()["tz"] == "Asia/Shanghai"
    assert c.get("/api/titles", headers=REV).json()["language.banned_phrase"] == "服务禁语"
    assert TestClient(create_app(Store(wb_db), WB_TOKENS, tz="Europe/Berlin")).get("/api/me", headers=REV).json()["tz"] == "Europe/Berlin"
    with pytest.raises(ConfigError, match="unknown time zone 'Mars/Olympus'"):
        create_app(Store(wb_db), WB_TOKENS, tz="Mars/Olympus")


def test_reports_and_exports_carry_the_final_score(wb, wb_db):
    from qa_pipeline.reports import build_report

    auto = wb.get("/api/calls/t1", headers=REV).json()["report"]["score"]
    items = _open_items(wb, "t1")
    items["attitude.warm"] = {"points": 2}
    state = wb.post("/api/calls/t1/review", headers=REV, json={"items": items}).json()
    assert state["final_score"] != auto
    views = build_report(Store(wb_db))
    a = views["agents"].set_index("agent_id")
    assert a.loc["A001", "mean_score"] == state["final_score"] and a.loc["A001", "mean_auto_score"] == auto
    assert a.loc["A001", "reviewed"] == 1 and a.loc["A002", "reviewed"] == 0
    assert a.loc["A002", "mean_score"] == a.loc["A002", "mean_auto_score"]  # unreviewed: the automatic score
    team = views["teams"].set_index("team").loc["车险一组"]
    assert team["mean_score"] == pytest.approx((state["final_score"] + a.loc["A002", "mean_auto_score"]) / 2)
    csv = wb.get("/api/export.csv", headers=REV).content.decode("utf-8-sig").splitlines()
    head = csv[0].split(",")
    last = csv[-1].split(",")
    assert float(last[head.index("auto_score")]) == auto and float(last[head.index("final_score")]) == state["final_score"]


def test_claims_and_my_queue(wb_db):
    tokens = {**WB_TOKENS, "t-reviewer2-0123456789": User("李质检", "reviewer")}
    c = TestClient(create_app(Store(wb_db), tokens))
    R2 = as_("t-reviewer2-0123456789")
    assert c.post("/api/calls/t1/events", headers=REV, json={"kind": "claim"}).json()["assignee"] == "王质检"
    r = c.post("/api/calls/t1/events", headers=R2, json={"kind": "claim"})
    assert r.status_code == 403 and "王质检 has already claimed" in r.json()["error"]
    r = c.post("/api/calls/t2/events", headers=R2, json={"kind": "claim", "target": "王质检"})
    assert r.status_code == 403 and "senior" in r.json()["error"]
    assert c.post("/api/calls/t2/events", headers=SEN, json={"kind": "claim", "target": "李质检"}).status_code == 200
    mine = [[x["call_id"] for x in c.get("/api/queue?mine=true", headers=h).json()["items"]] for h in (REV, R2)]
    assert mine == [["t1"], ["t2"]]  # each reviewer's own queue
    assert c.get("/api/queue", headers=REV).json()["counts"]["by_status"] == {"pending": 2}  # a claim is not a review
    assert c.post("/api/calls/t1/events", headers=AGT, json={"kind": "claim"}).status_code == 403


def test_only_the_agent_acknowledges_a_finished_review(wb):
    r = wb.post("/api/calls/t1/events", headers=AGT, json={"kind": "ack"})
    assert r.status_code == 403 and "no finished review" in r.json()["error"]
    finish_review(wb, "t1")
    assert wb.post("/api/calls/t1/events", headers=REV, json={"kind": "ack"}).status_code == 403
    r = wb.post("/api/calls/t1/events", headers=AGT, json={"kind": "ack"})
    assert r.status_code == 200 and r.json()["acknowledged"]["by"] == "A001" and r.json()["status"] == "reviewed"


SHEET = [{"id": "a", "section": "S", "status": "fail", "points": 0, "points_possible": 4},
         {"id": "b", "section": "S", "status": "manual", "points": None, "points_possible": 6},
         {"id": "c", "section": "T", "status": "n/a", "points": 5, "points_possible": 5},
         {"id": "d", "section": "T", "status": "fail", "points": -2, "points_possible": 0, "fatal": False}]


@pytest.mark.parametrize("method, verdicts, points, total", [
    ("auto points earned ÷ auto points applicable × 100", {}, {}, 33.3),  # (0 + 5 − 2) of 9 points judged
    ("auto points earned ÷ auto points applicable × 100", {"a": "dispute", "d": "dispute"}, {"b": 3}, 80.0),  # 12 of 15
    ("sum of the points awarded on the sheet", {}, {}, 3.0),  # S 0, T 5 − 2
    ("sum of the points awarded on the sheet", {"a": "dispute"}, {"b": 6, "c": 1}, 8.0),  # S 4 + 6 capped at 8; T 1 − 2 floored at 0
], ids=["rescaled", "rescaled-reviewed", "sum", "sum-capped-floored"])
def test_final_score_follows_the_scorers_method(method, verdicts, points, total):
    from qa_pipeline.review.sheet import final_score

    report = {"checks": SHEET, "score_detail": {"method": method, "sections": [{"name": "S", "points": 8},
                                                                               {"name": "T", "points": 5}]}}
    assert final_score(report, verdicts, points)["total"] == total
