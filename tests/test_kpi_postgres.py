"""Call records, KPIs, appraisal and coaching on PostgreSQL (a throw-away server, as tests/test_postgres.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from qa_pipeline.cli import app

from . import kpi_month as km
from .test_postgres import pg_url  # noqa: F401 - the throw-away server fixture

runner = CliRunner()


def test_import_and_kpis_on_postgresql(pg_url, tmp_path):  # noqa: F811
    from qa_pipeline.appraisal import appraisal_views
    from qa_pipeline.kpi import kpi_views
    from qa_pipeline.store import Store

    rows, states = km.generate(seed=5, calls_per_day=20, days=10), km.states(seed=5, days=10)
    km.write_csv_gbk(rows, tmp_path / "acd.csv", [["X1", "", "A001"]])
    km.write_states(states, tmp_path / "states.csv")
    first = runner.invoke(app, ["import-calls", str(tmp_path / "acd.csv"), "--db", pg_url])
    assert first.exit_code == 5 and f"{len(rows)} new" in first.stdout, first.output
    again = runner.invoke(app, ["import-calls", str(tmp_path / "acd.csv"), "--db", pg_url])
    assert f"0 new, 0 updated, {len(rows)} unchanged" in again.stdout, again.output
    assert runner.invoke(app, ["import-calls", str(tmp_path / "states.csv"), "--db", pg_url, "--kind",
                               "states"]).exit_code == 0
    store = Store(pg_url)
    views = kpi_views(store, dt.date(2026, 11, 1), dt.date(2026, 11, 10))
    expected = km.expected(rows, states, set(), set())
    for row in views["kpi_teams"].itertuples(index=False):
        e = expected[("team", row.team)]
        for col in ("offered", "answered", "answer_rate", "service_level_20s", "aht_s", "fcr_rate", "csat_rate",
                    "busy_rate"):
            if e[col] is not None:
                assert getattr(row, col) == pytest.approx(e[col], rel=1e-9), (row.team, col)
    ap = appraisal_views(store, dt.date(2026, 11, 1), dt.date(2026, 11, 10))["appraisal"]
    assert set(ap["agent_id"]) == set(km.AGENTS)
