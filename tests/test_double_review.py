"""Blind double review of a calibration set (real app, real SQLite, synthetic stored calls): a reviewer sees
only their own decisions until both submitted; spread, kappa and machine agreement per item and on the total."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from qa_pipeline.review.app import create_app
from qa_pipeline.review.state import User
from qa_pipeline.store import Store

from .synthetic_calls import fill_store

TOKENS = {"t-reviewer-0123456789": User("王质检", "reviewer"), "t-reviewer2-012345678": User("李质检", "reviewer"),
          "t-senior-0123456789a": User("陈主管", "senior"), "t-agent-A007-0123456789": User("A007", "agent")}
WANG, LI, SEN, AGT = ({"authorization": f"Bearer {t}"} for t in TOKENS)
CHECK = "language.banned_phrase"


@pytest.fixture()
def setup(tmp_path):
    store = Store(tmp_path / "qa.db")
    calls = fill_store(store, 12)
    shared = [x["call_id"] for x in calls[:8]]
    store.save_sample("calibration-w48", [{"call_id": c, "reason": "sampled", "stratum": None} for c in shared])
    return TestClient(create_app(store, TOKENS)), calls, shared


def decide(c, who, call_id, verdict, score):
    for body in ({"kind": "check", "target": CHECK, "value": verdict, "reason": "复核" if verdict == "dispute" else None},
                 {"kind": "score", "value": str(score)}):
        r = c.post(f"/api/calls/{call_id}/events", headers=who, json=body)
        assert r.status_code == 200, r.text


def submit(c, who, call_id):
    r = c.post(f"/api/calls/{call_id}/events", headers=who, json={"kind": "status", "value": "reviewed"})
    assert r.status_code == 200, r.text


def users_seen(c, who, call_id) -> set[str]:
    return {e["user"] for e in c.get(f"/api/calls/{call_id}", headers=who).json()["history"]}


def test_a_reviewer_sees_the_others_decisions_only_after_both_submitted(setup):
    c, calls, shared = setup
    call_id = shared[0]
    decide(c, WANG, call_id, "agree", 90)
    decide(c, LI, call_id, "dispute", 80)
    assert users_seen(c, WANG, call_id) == {"王质检"} and users_seen(c, LI, call_id) == {"李质检"}
    assert users_seen(c, SEN, call_id) == {"王质检", "李质检"}  # the lead sees both
    submit(c, WANG, call_id)
    assert users_seen(c, WANG, call_id) == {"王质检"}  # 李质检 has not submitted yet
    assert c.get(f"/api/calls/{call_id}", headers=LI).json()["review"]["final_score"] == 80  # their own state
    submit(c, LI, call_id)
    assert users_seen(c, WANG, call_id) == users_seen(c, LI, call_id) == {"王质检", "李质检"}
    other = calls[10]["call_id"]  # not in the calibration set: nothing hidden
    decide(c, WANG, other, "agree", 70)
    assert users_seen(c, LI, other) == {"王质检"}


def test_spread_kappa_and_machine_agreement_come_from_submitted_reviews(setup):
    c, calls, shared = setup
    import random

    rng = random.Random(7)
    plan = {}
    for call_id in shared:
        a, b = rng.choice(["agree", "dispute"]), rng.choice(["agree", "dispute"])
        sa_, sb = rng.choice([60, 75, 90]), rng.choice([60, 80, 95])
        plan[call_id] = (a, b, sa_, sb)
        decide(c, WANG, call_id, a, sa_)
        decide(c, LI, call_id, b, sb)
        submit(c, WANG, call_id)
        if call_id != shared[-1]:
            submit(c, LI, call_id)  # the last call is only half submitted: it must not count for 李质检
    assert c.get("/api/calibration/double", headers=AGT).status_code == 403
    r = c.get("/api/calibration/double", headers=WANG).json()
    done = {k: v for k, v in plan.items() if k != shared[-1]}
    assert r["calls"] == 8 and r["double_reviewed"] == 7
    spreads = [abs(v[2] - v[3]) for v in done.values()]
    assert r["total"]["n_calls"] == 7 and r["total"]["spread_max"] == max(spreads)
    assert r["total"]["spread_mean"] == round(sum(spreads) / 7, 2)
    item = next(i for i in r["items"] if i["check_id"] == CHECK)
    assert item["n_pairs"] == 7
    assert item["reviewer_agreement"] == round(sum(v[0] == v[1] for v in done.values()) / 7, 4)
    verdicts = [v[0] for v in plan.values()] + [v[1] for v in done.values()]
    assert item["machine_agreement"] == round(verdicts.count("agree") / len(verdicts), 4)
    from sklearn.metrics import cohen_kappa_score

    auto = {x["call_id"]: x["checks"][0]["status"] for x in calls}
    flip = {"fail": "pass", "pass": "fail"}
    human = lambda call_id, v: auto[call_id] if v == "agree" else flip[auto[call_id]]  # noqa: E731
    a = [human(k, v[0]) for k, v in done.items()]
    b = [human(k, v[1]) for k, v in done.items()]
    want = None if len(set(a) | set(b)) < 2 else round(float(cohen_kappa_score(a, b)), 4)
    assert item["kappa_reviewers"] == want


def test_qa_report_calibration_view_carries_the_double_review(setup, tmp_path):
    import pandas as pd
    from typer.testing import CliRunner

    from qa_pipeline.cli import app

    c, calls, shared = setup
    for call_id, (a, b) in zip(shared[:4], [("agree", "agree"), ("agree", "dispute"), ("dispute", "dispute"),
                                            ("agree", "agree")]):
        decide(c, WANG, call_id, a, 80)
        decide(c, LI, call_id, b, 70)
        submit(c, WANG, call_id)
        submit(c, LI, call_id)
    api = next(i for i in c.get("/api/calibration/double", headers=SEN).json()["items"] if i["check_id"] == CHECK)
    res = CliRunner().invoke(app, ["report", "--db", str(tmp_path / "qa.db"), "--view", "calibration", "--format", "csv",
                                   "--out", str(tmp_path / "rep")])
    assert res.exit_code == 0, res.output
    view = pd.read_csv(next((tmp_path / "rep").glob("calibration*.csv")))
    row = view[view["check_id"] == CHECK].iloc[0]
    assert row["double_pairs"] == api["n_pairs"] == 4 and row["double_agreement"] == api["reviewer_agreement"] == 0.75
