"""The CLI's file outputs end to end without ASR: a real batch of transcripts, then sample and report files."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from qa_pipeline.cli import app

runner = CliRunner()
ENV = {"QA_CONFIG": "", "OMP_NUM_THREADS": "1", "COLUMNS": "200"}
DIALOGUE = [{"speaker": "agent", "text": "您好，工号1024。"}, {"speaker": "customer", "text": "我想查保单。"},
            {"speaker": "agent", "text": "感谢您的来电，再见。"}]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    root = tmp_path_factory.mktemp("outputs")
    calls = root / "calls"
    calls.mkdir()
    for i in (1, 2, 3):
        (calls / f"c{i}.jsonl").write_text("\n".join(json.dumps(u, ensure_ascii=False) for u in DIALOGUE) + "\n",
                                           encoding="utf-8")
    (root / "m.csv").write_text("file,call_id,agent_id,agent_name,team,started_at\n"
                                "c1.jsonl,c1,A1,=cmd|calc,T1,2026-11-20 10:00:00\n"
                                "c2.jsonl,c2,A1,王芳,T1,2026-11-20 11:00:00\n"
                                "c3.jsonl,c3,A2,李娜,T1,2026-11-21 10:00:00\n", encoding="utf-8")
    res = runner.invoke(app, ["batch", str(calls), "--db", str(root / "qa.db"), "--workers", "1",
                              "--manifest", str(root / "m.csv"), "--include", "*.jsonl"], env=ENV)
    assert res.exit_code == 0, res.output
    return root / "qa.db"


def test_sample_to_csv_escapes_formulas(db, tmp_path):
    out = tmp_path / "sample.csv"
    res = runner.invoke(app, ["sample", "--db", str(db), "--rate", "1", "-o", str(out)], env=ENV)
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert {r["call_id"] for r in rows} == {"c1", "c2", "c3"}
    assert {r["agent_name"] for r in rows} == {"'=cmd|calc", "王芳", "李娜"}


def test_report_files(db, tmp_path):
    res = runner.invoke(app, ["report", "--db", str(db), "--format", "csv", "-o", str(tmp_path / "rep")], env=ENV)
    assert res.exit_code == 0, res.output
    agents = list(csv.DictReader((tmp_path / "rep" / "agents.csv").open(encoding="utf-8-sig")))
    assert sorted(r["agent_id"] for r in agents) == ["A1", "A2"] and "'=cmd|calc" in {r["agent_name"] for r in agents}


def test_report_table_on_the_terminal(db):
    res = runner.invoke(app, ["report", "--db", str(db)], env=ENV)
    assert res.exit_code == 0 and "3 scored calls" in res.stdout
