"""Reports and review sampling over a real store filled by a real batch.

120 synthetic calls (JSONL dialogues, scored through the real rules without ASR) over ten
days, six agents in two teams, two queues, busy and quiet hours. Every report figure is
recomputed here with plain SQL on the stored rows.
"""

from __future__ import annotations

import csv
import json
import math
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from qa_pipeline.reports import Period, build_report, load_calls
from qa_pipeline.sampling import SampleOptions, draw_sample, required_n
from qa_pipeline.store import Store

N_CALLS = 120
AGENTS = {"A01": ("王芳", "车险一组"), "A02": ("李娜", "车险一组"), "A03": ("张伟", "车险一组"),
          "A04": ("刘洋", "寿险二组"), "A05": ("陈静", "寿险二组"), "A06": ("杨磊", "寿险二组")}


def dialogue(rng: random.Random, *, greet: bool, banned: bool, disclose: bool, extra_turns: int) -> list[dict]:
    lines = []
    if greet:
        lines.append(("agent", "您好，安心保险客服中心，工号1234，很高兴为您服务。"))
    else:
        lines.append(("agent", "说吧什么事。"))
    lines.append(("customer", "你好，我想问一下车险理赔的进度。"))
    lines.append(("agent", "好的，请问您的保单号是多少？"))
    lines.append(("customer", "保单号是88623457，身份证号码是110105194912310021。"))
    for _ in range(extra_turns):
        lines.append(("agent", rng.choice(["好的，我这边帮您查询一下。", "理赔材料已经收到了，正在审核。",
                                           "审核一般需要三个工作日。"])))
        lines.append(("customer", rng.choice(["好的。", "那大概什么时候能到账？", "明白了。"])))
    if banned:
        lines.append(("agent", "这是规定，没办法。"))
    if disclose:
        lines.append(("agent", "您登记的联系电话是13912345678。"))
    lines.append(("customer", "好的，谢谢。"))
    lines.append(("agent", "感谢您的来电，祝您生活愉快，再见。"))
    out, t = [], 0.5
    for speaker, text in lines:
        dur = round(len(text) / 4.2, 2)
        out.append({"speaker": speaker, "start": round(t, 2), "end": round(t + dur, 2), "text": text})
        t += dur + rng.choice([0.4, 0.6, 0.8])
    return out


@pytest.fixture(scope="module")
def night(tmp_path_factory) -> dict:
    """A folder of 120 dialogues with a manifest, batch-scored into a SQLite file."""
    root = tmp_path_factory.mktemp("night")
    calls = root / "calls"
    calls.mkdir()
    rng = random.Random(7)
    rows = []
    for i in range(N_CALLS):
        agent = list(AGENTS)[i % len(AGENTS)]
        day = 1 + (i * 7) % 10
        hour = rng.choice([9, 9, 10, 10, 10, 11, 11, 14, 15, 20])
        name = f"c{i:03d}.jsonl"
        lines = dialogue(rng, greet=rng.random() > 0.15, banned=rng.random() < 0.1, disclose=rng.random() < 0.05,
                         extra_turns=rng.choice([0, 1, 2, 4, 8]))
        (calls / name).write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
        rows.append({"录音文件": name, "通话编号": f"call-{i:03d}", "工号": agent, "坐席姓名": AGENTS[agent][0],
                     "技能组": AGENTS[agent][1], "呼叫方向": "呼入" if i % 3 else "呼出",
                     "队列": "投诉" if i % 4 == 0 else "咨询", "开始时间": f"2026-11-{day:02d} {hour:02d}:{i % 60:02d}:00"})
    manifest = root / "manifest.csv"
    with manifest.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    db = root / "qa.db"
    run = subprocess.run([sys.executable, "-m", "qa_pipeline", "batch", str(calls), "--db", str(db), "--manifest",
                          str(manifest), "--include", "*.jsonl", "--workers", "1"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    return {"db": db, "root": root}


@pytest.fixture(scope="module")
def sql(night):
    con = sqlite3.connect(night["db"])
    yield con
    con.close()


@pytest.fixture(scope="module")
def views(night):
    return build_report(Store(night["db"]))


def test_the_batch_stored_every_call_with_its_manifest_metadata(sql):
    n, agents, teams, inbound = sql.execute(
        "select count(*), count(distinct agent_id), count(distinct team), sum(direction = 'inbound') "
        "from calls where status = 'scored'").fetchone()
    assert (n, agents, teams) == (N_CALLS, 6, 2)
    assert inbound == sum(1 for i in range(N_CALLS) if i % 3)
    flagged, fatal = sql.execute("select sum(flagged), sum(fatal) from calls").fetchone()
    assert 0 < fatal <= flagged < N_CALLS  # the synthetic night has both, and not everything is flagged


def test_days_view_matches_the_stored_rows(views, sql):
    days = views["days"].set_index(views["days"]["day"].astype(str))
    for day, n, aht, mean, flagged in sql.execute(
            "select date(started_at), count(*), avg(duration_s), avg(score), sum(flagged) from calls "
            "where status = 'scored' group by 1"):
        row = days.loc[day]
        assert row["calls"] == n
        assert row["aht_s"] == pytest.approx(aht)
        assert row["mean_score"] == pytest.approx(mean)
        assert row["flagged"] == flagged
    assert days["calls"].sum() == N_CALLS


@pytest.mark.parametrize("view, key", [("agents", "agent_id"), ("teams", "team")])
def test_agent_and_team_views_match_the_stored_rows(views, sql, view, key):
    df = views[view].set_index(key)
    for k, n, mean, flagged, fatal in sql.execute(
            f"select {key}, count(*), avg(score), sum(flagged), sum(fatal) from calls where status = 'scored' "
            "group by 1"):
        assert (df.loc[k, "calls"], df.loc[k, "flagged"], df.loc[k, "fatal"]) == (n, flagged, fatal)
        assert df.loc[k, "mean_score"] == pytest.approx(mean)
    # the fail rate of a check per agent/team is failures over calls where it applied
    for k, rate in sql.execute(
            f"select c.{key}, avg(k.status = 'fail') from checks k join calls c using (call_id) "
            "where k.check_id = 'opening.greeting' and k.status in ('pass', 'fail') group by 1"):
        assert df.loc[k, "fail_rate:opening.greeting"] == pytest.approx(rate)


def test_checks_view_matches_the_stored_rows(views, sql):
    checks = views["checks"].set_index("check_id")
    rows = sql.execute("select check_id, sum(status = 'fail'), sum(status in ('pass', 'fail')), sum(hits) "
                       "from checks where status != 'manual' group by 1").fetchall()
    assert len(rows) == len(checks)
    for cid, fails, applicable, hits in rows:
        assert (checks.loc[cid, "fails"], checks.loc[cid, "applicable"], checks.loc[cid, "hits"]) == \
            (fails, applicable, hits)
    assert checks.loc["opening.greeting", "fails"] > 0
    assert checks.loc["language.banned_phrase", "fails"] > 0
    # ten days of data: the trend is a slope, and the per-day grid covers every day
    assert not math.isnan(checks.loc["opening.greeting", "trend_per_week"])
    assert len(views["check_days"]) == 10


def test_a_date_range_keeps_only_its_days(night, sql):
    v = build_report(Store(night["db"]), Period(pd.Timestamp("2026-11-03").date(), pd.Timestamp("2026-11-04").date()))
    n = sql.execute("select count(*) from calls where started_at >= '2026-11-03' and started_at < '2026-11-05'"
                    ).fetchone()[0]
    assert sorted(v["days"]["day"].astype(str)) == ["2026-11-03", "2026-11-04"]
    assert v["days"]["calls"].sum() == n > 0


def test_report_files_csv_xlsx_parquet_and_charts(night, tmp_path):
    def qa(*args):
        return subprocess.run([sys.executable, "-m", "qa_pipeline", *args, "--db", str(night["db"])],
                              capture_output=True, text=True, timeout=300)

    r = qa("report", "--format", "xlsx", "-o", str(tmp_path / "r.xlsx"), "--charts", str(tmp_path / "charts"))
    assert r.returncode == 0, r.stderr
    sheets = pd.read_excel(tmp_path / "r.xlsx", sheet_name=None)
    assert set(sheets) == {"days", "agents", "teams", "checks", "check_days", "calibration"}
    assert sheets["agents"]["calls"].sum() == N_CALLS
    for png in ("days_score.png", "days_rates.png", "checks_fail_rate.png"):
        data = (tmp_path / "charts" / png).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    r = qa("report", "--format", "csv", "-o", str(tmp_path / "csv"), "--view", "agents")
    assert r.returncode == 0, r.stderr
    agents = pd.read_csv(tmp_path / "csv" / "agents.csv", encoding="utf-8-sig")
    assert set(agents["agent_name"]) == {n for n, _ in AGENTS.values()}
    r = qa("report", "--format", "parquet", "-o", str(tmp_path / "pq"))
    assert r.returncode == 0, r.stderr
    assert pd.read_parquet(tmp_path / "pq" / "teams.parquet")["calls"].sum() == N_CALLS
    r = qa("report", "--from", "2026-11-02", "--to", "2026-11-02")
    assert r.returncode == 0 and "2026-11-02" in r.stdout and "2026-11-05" not in r.stdout
    r = qa("report", "--from", "yesterday")
    assert r.returncode == 3 and "YYYY-MM-DD" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("z, sigma, margin, n", [(1.96, 10, 2, 97), (1.96, 15, 5, 35), (2.576, 8, 1, 425),
                                                 (1.645, 12, 3, 44)])
def test_sample_size_formula(z, sigma, margin, n):
    assert required_n(z, sigma, margin) == n


def test_sample_takes_every_flagged_call_and_a_balanced_random_part(night):
    calls = load_calls(Store(night["db"]))
    s = draw_sample(calls, SampleOptions(rate=0.1, seed=3))
    flagged = set(calls.loc[calls["flagged"] | calls["fatal"], "call_id"])
    chosen = s.calls.set_index("call_id")
    assert flagged <= set(chosen.index)
    assert set(chosen.loc[list(flagged), "reason"]) <= {"flagged", "fatal"}
    assert (chosen["reason"] == "sampled").sum() == s.n_target == math.ceil(0.1 * N_CALLS)
    # MITLA balance: no level of any dimension is more than 15 points off its share of calls
    assert (s.balance["population_share"] - s.balance["sample_share"]).abs().max() <= 0.15
    # the same seed draws the same sample; another seed another one
    assert draw_sample(calls, SampleOptions(rate=0.1, seed=3)).calls.equals(s.calls)
    assert not draw_sample(calls, SampleOptions(rate=0.1, seed=4)).calls.equals(s.calls)


def test_sample_formula_and_agent_minimum(night):
    calls = load_calls(Store(night["db"]))
    s = draw_sample(calls, SampleOptions(rate=0.0, margin_points=4, sigma_points=20, per_agent_min=8,
                                         include_flagged=False))
    assert s.formula["n_formula"] == math.ceil(1.959964 ** 2 * 20 ** 2 / 4 ** 2) == 97
    assert (s.calls["reason"] == "sampled").sum() == 97
    assert s.calls.groupby("agent_id").size().min() >= 8
    assert "flagged" not in set(s.calls["reason"])


def test_sample_cli_saves_the_sample(night, tmp_path):
    out = tmp_path / "sample.csv"
    r = subprocess.run([sys.executable, "-m", "qa_pipeline", "sample", "--db", str(night["db"]), "--rate", "0.05",
                        "--per-agent", "2", "--out", str(out), "--save", "2026-11"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    written = pd.read_csv(out, encoding="utf-8-sig")
    con = sqlite3.connect(night["db"])
    stored = dict(con.execute("select call_id, reason from review_samples where sample_id = '2026-11'").fetchall())
    con.close()
    assert stored == dict(zip(written["call_id"], written["reason"]))
    assert "z²σ²/E²" not in r.stdout  # no margin given: the rate decides


def test_report_and_sample_on_an_empty_period_and_a_missing_database(night, tmp_path):
    def qa(*args):
        return subprocess.run([sys.executable, "-m", "qa_pipeline", *args], capture_output=True, text=True, timeout=300)

    r = qa("report", "--db", str(night["db"]), "--from", "2030-01-01")
    assert r.returncode == 0 and "no scored calls in this period" in r.stdout
    r = qa("sample", "--db", str(night["db"]), "--from", "2030-01-01")
    assert r.returncode == 0 and "chosen: none" in r.stdout
    r = qa("report", "--db", str(tmp_path / "typo.db"))
    assert r.returncode == 4 and "no results database" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "typo.db").exists()  # a typo does not leave an empty database behind
