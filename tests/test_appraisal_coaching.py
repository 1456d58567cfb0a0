"""The agent appraisal (seed sheet weights) and the coaching loop: training needs, tasks, acknowledgement,
follow-up before/after, the case library with masked export. Real SQLite, the CLI in-process."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import defaultdict

import pandas as pd
import pytest
from typer.testing import CliRunner

from qa_pipeline.appraisal import appraise, load_weights
from qa_pipeline.cli import app
from qa_pipeline.errors import ConfigError

from . import kpi_month as km

runner = CliRunner()
SEED = load_weights()


def component(cid):
    return next(c for c in SEED.components if c.id == cid)


@pytest.mark.parametrize("cid,value,points", [
    ("qa", 100.0, 70), ("qa", 85.0, 59.5), ("qa", 0.0, 0),
    ("busy", 0, 10), ("busy", 1, 8), ("busy", 4, 2), ("busy", 5, 0), ("busy", 7, 0), ("busy", 8, -10), ("busy", 12, -10),
    ("missed", 0.0, 5), ("missed", 0.05, 5), ("missed", 0.06, 4), ("missed", 0.15, 2), ("missed", 0.25, 1),
    ("missed", 0.31, 0),
    ("aht", 0.97, 5), ("aht", 1.0, 5), ("aht", 1.02, 0),
    ("csat", 0.95, 5), ("csat", 0.85, 3), ("csat", 0.5, 0),
    ("exam", 95, 5), ("exam", 90, 5), ("exam", 85, 4), ("exam", 77, 3), ("exam", 70, 2), ("exam", 62, 1), ("exam", 59, 0),
    ("exam", None, 0),
], ids=lambda v: str(v))
def test_seed_sheet_points(cid, value, points):
    assert component(cid).points(value) == pytest.approx(points)


def test_seed_weights_add_up_to_100():
    assert SEED.total == 100
    assert [(c.title, c.weight) for c in SEED.components] == [("质检", 70), ("示忙率", 10), ("漏接率", 5), ("通话均长", 5),
                                                              ("满意度", 5), ("培训考试", 5)]


@pytest.mark.parametrize("text,says", [
    ("components:\n  - {id: qa, title: 质检, weight: 70, measure: qa_scor, scale: {full_at: 100}}\n",
     "measure must be one of"),
    ("components:\n  - {id: qa, title: 质检, weight: 70, measure: qa_score, sclae: {full_at: 100}}\n", "sclae"),
    ("components:\n  - {id: x, title: X, weight: 5, measure: csat_rate, bands: [{points: 5}]}\n",
     "exactly one of at_least, at_most"),
    ("components: [\n", "cannot read"),
], ids=["bad-measure", "unknown-key", "band-without-bound", "not-yaml"])
def test_bad_weights_file_names_the_problem(tmp_path, text, says):
    path = tmp_path / "w.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=says):
        load_weights(path)


@pytest.fixture(scope="module")
def qa_month(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("qa-month")
    rows, states = km.generate(seed=11, calls_per_day=40), km.states(seed=11)
    csv_path, st_path = tmp / "acd.csv", tmp / "states.csv"
    km.write_csv_gbk(rows, csv_path)
    km.write_states(states, st_path)
    db = tmp / "qa.db"
    for path, kind in ((csv_path, "calls"), (st_path, "states")):
        res = runner.invoke(app, ["import-calls", str(path), "--db", str(db), "--kind", kind])
        assert res.exit_code == 0, res.output
    exams = tmp / "exams.csv"
    exams.write_text("工号,考试日期,成绩\nA001,2026-10-10,92\nA002,2026-11-20,78\nA002,2026-09-01,99\n"
                     "A003,2026-05-01,95\n", encoding="gbk")
    assert runner.invoke(app, ["import-calls", str(exams), "--db", str(db), "--kind", "exams"]).exit_code == 0
    ids = km.add_scored_calls(db, rows)
    return {"db": db, "rows": rows, "states": states, "ids": ids, "tmp": tmp}


def test_appraisal_components_from_the_data(qa_month):
    db = qa_month["db"]
    res = runner.invoke(app, ["report", "--db", str(db), "--view", "appraisal", "--period", "2026-11", "--format", "csv",
                              "-o", str(qa_month["tmp"] / "ap")])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(qa_month["tmp"] / "ap" / "appraisal.csv").set_index("agent_id")
    detail = pd.read_csv(qa_month["tmp"] / "ap" / "appraisal_detail.csv")
    con = sqlite3.connect(db)
    qa = dict(con.execute("select agent_id, avg(score) from calls where status = 'scored' group by agent_id"))
    # 示忙: days with more than 30 minutes of 示忙, from the generated log
    busy = defaultdict(float)
    for s in qa_month["states"]:
        if s["state"] == "示忙":
            busy[(s["agent_id"], s["start_at"].date())] += (s["end_at"] - s["start_at"]).total_seconds()
    days_over = defaultdict(int)
    for (agent, _), secs in busy.items():
        days_over[agent] += secs > 1800
    # 漏接: calls routed to the agent and not answered
    routed, missed = defaultdict(int), defaultdict(int)
    for r in qa_month["rows"]:
        if r["agent_id"] and r["direction"] in ("呼入", ""):
            routed[r["agent_id"]] += 1
            missed[r["agent_id"]] += r["answered_at"] is None
    exams = {"A001": 92, "A002": 78}  # A003's exam is older than the quarter
    for agent in km.AGENTS:
        row = table.loc[agent]
        assert row["qa_points"] == pytest.approx(round(70 * qa[agent] / 100, 2))
        assert row["busy_points"] == component("busy").points(days_over[agent])
        assert row["missed_points"] == component("missed").points(missed[agent] / routed[agent])
        assert row["exam_points"] == component("exam").points(exams.get(agent))
        parts = [row[f"{c.id}_points"] for c in SEED.components]
        assert row["total"] == pytest.approx(sum(parts), abs=0.02)
    assert list(table["rank"]) == sorted(table["rank"]) and table["total"].is_monotonic_decreasing
    d = detail[(detail["agent_id"] == "A003") & (detail["component"] == "exam")].iloc[0]
    assert d["note"] == "no data" and d["points"] == 0 and d["target"].startswith("≥ 90: 5")
    assert set(detail["component"]) == {c.id for c in SEED.components}


def test_custom_weights_file(qa_month, tmp_path):
    w = tmp_path / "w.yaml"
    w.write_text("components:\n  - {id: qa, title: 质检, weight: 80, measure: qa_score, scale: {full_at: 100}}\n"
                 "  - {id: fcr, title: 一次解决率, weight: 20, measure: fcr_rate, bands: [{at_least: 0.8, points: 20}],"
                 " otherwise: 5}\n", encoding="utf-8")
    res = runner.invoke(app, ["report", "--db", str(qa_month["db"]), "--view", "appraisal", "--period", "2026-11",
                              "--weights", str(w), "--format", "csv", "-o", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(tmp_path / "o" / "appraisal.csv")
    assert list(df.columns) == ["agent_id", "agent_name", "team", "rank", "qa_points", "fcr_points", "total"]
    assert set(df["fcr_points"]) <= {20, 5}


def test_training_needs_rank_the_team_problem_first(qa_month):
    from qa_pipeline.coaching import training_needs
    from qa_pipeline.store import Store

    needs = training_needs(Store(qa_month["db"]), dt.date(2026, 11, 16), dt.date(2026, 11, 30))
    top = needs.iloc[0]
    assert (top["kind"], top["team"], top["check_id"]) == ("training (培训需求)", "车险一组", "language.banned_phrase")
    assert top["agents_failing"] == 3 and top["agents"] == 3
    assert top["prev_fail_rate"] == 0 and top["change"] == pytest.approx(top["fail_rate"])
    con = sqlite3.connect(qa_month["db"])
    fails = con.execute("select count(*) from checks k join calls c using (call_id) where c.team = '车险一组' and "
                        "k.check_id = 'language.banned_phrase' and k.status = 'fail' and "
                        "c.started_at >= '2026-11-16' and c.started_at < '2026-12-01'").fetchone()[0]
    assert top["fails"] == fails > 0
    examples = top["example_calls"].split(", ")
    assert len(examples) == 3
    for cid in examples:
        assert con.execute("select status from checks where call_id = ? and check_id = 'language.banned_phrase'",
                           (cid,)).fetchone()[0] == "fail"
    a005 = needs[(needs["agent_id"] == "A005") & (needs["check_id"] == "speech.rate")]
    assert len(a005) == 1 and a005.iloc[0]["kind"] == "coaching (座席辅导)"  # one agent: coaching, not training
    assert list(needs["rank"]) == list(range(1, len(needs) + 1))


def test_coaching_task_acknowledged_and_followed_up(qa_month):
    db = str(qa_month["db"])
    con = sqlite3.connect(db)
    example = con.execute("select call_id from checks join calls using (call_id) where calls.agent_id = 'A005' and "
                          "check_id = 'speech.rate' and checks.status = 'fail' limit 2").fetchall()
    args = ["coach", "assign", "--db", db, "--agent", "A005", "--check", "speech.rate", "--by", "王质检",
            "--note", "语速放慢"] + [x for (c,) in example for x in ("--call", c)]
    res = runner.invoke(app, args)
    assert res.exit_code == 0 and "coaching task 1 for A005 on speech.rate with 2 call(s)" in res.stdout, res.output
    bad = runner.invoke(app, ["coach", "assign", "--db", db, "--agent", "A005", "--by", "x", "--call", "nope"])
    assert bad.exit_code == 3 and "no call nope" in bad.stderr
    # the task is dated mid-month, so the month gives a before and an after
    con.execute("update coaching_tasks set assigned_at = '2026-11-15 09:00:00.000000' where task_id = 1")
    con.commit()
    res = runner.invoke(app, ["coach", "ack", "1", "--db", db, "--user", "A005", "--comment", "收到"])
    assert res.exit_code == 0 and "acknowledged by A005" in res.stdout, res.output
    con.execute("update coaching_tasks set acknowledged_at = '2026-11-16 09:00:00.000000' where task_id = 1")
    con.commit()
    from qa_pipeline.coaching import follow_up
    from qa_pipeline.store import Store
    from qa_pipeline.store.kpi import get_task

    f = follow_up(Store(db), get_task(Store(db), 1), days=14)
    def local(text):  # task times are UTC; calls are in local time
        utc = dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone.utc)
        return utc.astimezone().replace(tzinfo=None).isoformat(" ")

    want = {}
    for side, lo, hi in (("before", local("2026-11-01 09:00:00"), local("2026-11-15 09:00:00")),
                         ("after", local("2026-11-16 09:00:00"), local("2026-11-30 09:00:00"))):
        want[side] = con.execute("select count(*), sum(k.status = 'fail') from checks k join calls c using (call_id) "
                                 "where c.agent_id = 'A005' and k.check_id = 'speech.rate' and c.started_at >= ? and "
                                 "c.started_at < ?", (lo, hi)).fetchone()
    assert (f["before"]["calls"], f["before"]["fails"]) == want["before"]
    assert (f["after"]["calls"], f["after"]["fails"]) == want["after"]
    assert f["change"] == pytest.approx(want["after"][1] / want["after"][0] - want["before"][1] / want["before"][0])
    assert f["verdict"] in ("improved", "not improved")
    res = runner.invoke(app, ["coach", "followup", "--db", db, "--days", "14"])
    assert res.exit_code == 0 and "speech.rate" in res.stdout


def test_case_library_filter_and_masked_export(qa_month, tmp_path):
    db = str(qa_month["db"])
    good, poor = qa_month["ids"][0], qa_month["ids"][1]
    for cid, tag, comment in ((good, "优秀", "开头规范，安抚到位"), (poor, "不合格", "客户手机13812345678被坐席复述")):
        res = runner.invoke(app, ["cases", "add", cid, "--db", db, "--tag", tag, "--comment", comment, "--by", "王质检"])
        assert res.exit_code == 0, res.output
    assert runner.invoke(app, ["cases", "add", good, "--db", db, "--tag", "好", "--comment", "x", "--by", "y"]).exit_code == 3
    res = runner.invoke(app, ["cases", "list", "--db", db, "--tag", "poor"])
    assert poor in res.stdout and good not in res.stdout and "13812345678" not in res.stdout
    for suffix in (".jsonl", ".csv", ".xlsx"):
        out = tmp_path / f"cases{suffix}"
        res = runner.invoke(app, ["cases", "export", "--db", db, "-o", str(out)])
        assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in (tmp_path / "cases.jsonl").read_text("utf-8").splitlines()]
    assert {r["call_id"] for r in rows} >= {good, poor}
    text = (tmp_path / "cases.jsonl").read_text("utf-8") + (tmp_path / "cases.csv").read_text("utf-8-sig")
    assert "13812345678" not in text and "138****5678" in text  # transcripts and comments masked
    assert "坐席: 您好" in text
