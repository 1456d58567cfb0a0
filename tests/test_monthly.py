"""The monthly report (`qa report --period month --format html`) rendered in Debian's chromium
(Playwright): offline, charts inline, and its numbers equal to SQL queries on the database."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa_pipeline.cli import app

from . import kpi_month as km

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
runner = CliRunner()


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("monthly")
    # October 16 to November 30: November is the report's month, October the one it compares with
    start = dt.date(2026, 10, 16)
    rows, states = km.generate(seed=3, calls_per_day=30, days=46, start=start), km.states(seed=3, days=46, start=start)
    km.write_csv_gbk(rows, tmp / "acd.csv")
    km.write_states(states, tmp / "states.csv")
    db = tmp / "qa.db"
    for name, kind in (("acd.csv", "calls"), ("states.csv", "states")):
        assert runner.invoke(app, ["import-calls", str(tmp / name), "--db", str(db), "--kind", kind]).exit_code == 0
    ids = km.add_scored_calls(db, rows)
    runner.invoke(app, ["coach", "assign", "--db", str(db), "--agent", "A001", "--check", "language.banned_phrase",
                        "--by", "王质检", "--call", ids[-2]])
    runner.invoke(app, ["cases", "add", ids[-1], "--db", str(db), "--tag", "不合格", "--by", "王质检",
                        "--comment", "<b>复述了客户手机13812345678</b>"])
    out = tmp / "month.html"
    res = runner.invoke(app, ["report", "--db", str(db), "--period", "month", "--from", "2026-11-05", "--format",
                              "html", "-o", str(out)])
    assert res.exit_code == 0, res.output
    return {"db": db, "html": out}


@pytest.fixture(scope="module")
def page_figures(report):
    """Every figure of the rendered page (``data-key`` → the text shown), read in chromium."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium; .ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(report["html"].as_uri())
        figures = page.eval_on_selector_all("[data-key]", "els => els.map(e => [e.dataset.key, e.textContent])")
        svgs = page.eval_on_selector_all("figure svg", "els => els.map(e => e.getBoundingClientRect().width)")
        title = page.title()
        bold = page.eval_on_selector_all("table[data-view=cases] b", "els => els.length")
        browser.close()
    return {"figures": dict(figures), "svgs": svgs, "requests": requests, "title": title, "bold": bold}


def sql(db, query, *args):
    con = sqlite3.connect(db)
    try:
        return con.execute(query, args).fetchall()
    finally:
        con.close()


NOV = "started_at >= '2026-11-01' and started_at < '2026-12-01'"
OFFERED = ("(direction is null or direction = 'inbound') and offered_at >= '2026-11-01' and offered_at < '2026-12-01' "
           "and not (answered_at is null and strftime('%s', ended_at) - strftime('%s', offered_at) < 5)")


def test_offline_with_inline_charts(page_figures):
    assert page_figures["title"] == "质检月报 2026-11"
    assert all(u.startswith("file://") for u in page_figures["requests"]), page_figures["requests"]
    assert len(page_figures["svgs"]) == 4 and min(page_figures["svgs"]) > 200


def test_center_figures_equal_sql(report, page_figures):
    f, db = page_figures["figures"], report["db"]
    (offered, answered, abandoned, handle), = sql(db, f"""select count(*), sum(answered_at is not null),
        sum(answered_at is null), avg(case when answered_at is not null then
        strftime('%s', ended_at) - strftime('%s', answered_at) + coalesce(acw_s, 0) end) from call_records where {OFFERED}""")
    assert f["center||offered"] == f"{offered:,}"
    assert f["center||answered"] == f"{answered:,}"
    assert f["center||answer_rate"] == f"{answered / offered * 100:.1f}%"
    assert f["center||abandon_rate"] == f"{abandoned / offered * 100:.1f}%"
    assert f["center||aht_s"] == f"{handle:.1f}"
    (scored,), = sql(db, f"""select count(*) from call_records r where {OFFERED} and answered_at is not null
        and call_id in (select call_id from calls where status = 'scored')""")
    assert f["center||qa_coverage"] == f"{scored / answered * 100:.1f}%"
    (n, mean, flagged), = sql(db, "select count(*), avg(score), sum(flagged) from calls where status = 'scored' and "
                                  "started_at >= '2026-11-01' and started_at < '2026-12-01'")
    (p_offered, p_answered), = sql(db, OFFERED.replace("2026-11-01", "2026-10-01").replace("2026-12-01", "2026-11-01")
                                   .join(["select count(*), sum(answered_at is not null) from call_records where ", ""]))
    assert f["prev||offered"] == f"{p_offered:,}" and f["prev||answer_rate"] == f"{p_answered / p_offered * 100:.1f}%"
    assert f["qa||calls"] == f"{n:,}" and f["qa||mean_score"] == f"{mean:.1f}" and f["qa||flagged"] == f"{flagged:,}"


def test_team_and_agent_rows_equal_sql(report, page_figures):
    f, db = page_figures["figures"], report["db"]
    for team, offered, answered, surveys, good in sql(db, f"""select coalesce(team, '(none)'), count(*),
            sum(answered_at is not null), sum(survey_score is not null and answered_at is not null),
            sum(survey_score >= 4 and answered_at is not null) from call_records where {OFFERED} group by 1"""):
        assert f[f"teams|{team}|offered"] == f"{offered:,}"
        assert f[f"teams|{team}|answered"] == f"{answered:,}"
        if surveys:
            assert f[f"teams|{team}|csat_rate"] == f"{good / surveys * 100:.1f}%"
    for agent, mean in sql(db, f"select agent_id, avg(score) from calls where status = 'scored' and {NOV} "
                               "group by agent_id"):
        assert f[f"appraisal|{agent}|qa_points"] == f"{round(70 * mean / 100, 2):.1f}"


def test_top_failures_and_training_needs_equal_sql(report, page_figures):
    f, db = page_figures["figures"], report["db"]
    for check, applicable, fails in sql(db, f"""select check_id, count(*), sum(k.status = 'fail') from checks k
            join calls c using (call_id) where k.status in ('pass', 'fail') and {NOV} group by check_id"""):
        assert f[f"checks|{check}|fails"] == f"{fails:,}"
        assert f[f"checks|{check}|fail_rate"] == f"{fails / applicable * 100:.1f}%"
    (fails,), = sql(db, f"""select count(*) from checks k join calls c using (call_id) where c.team = '车险一组' and
        k.check_id = 'language.banned_phrase' and k.status = 'fail' and {NOV}""")
    need = "needs|车险一组//language.banned_phrase|"  # a team-wide problem: a training need, no single agent
    assert f[need + "fails"] == f"{fails:,}" and f[need + "agents_failing"] == "3"
    (prev_fails,), = sql(db, """select count(*) from checks k join calls c using (call_id) where c.team = '车险一组' and
        k.check_id = 'language.banned_phrase' and k.status = 'fail' and started_at < '2026-11-01'""")
    assert prev_fails > 0 and f[need + "prev_fail_rate"] != "–"
    assert "coaching|1|task_id" in f


def test_case_comments_are_masked_and_escaped(report, page_figures):
    text = report["html"].read_text("utf-8")
    assert "13812345678" not in text and "138****5678" in text
    assert page_figures["bold"] == 0 and "&lt;b&gt;" in text
