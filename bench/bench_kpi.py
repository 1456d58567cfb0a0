"""How fast call records import and the KPI views answer (the aims: 100,000 records < 30 s, KPI view < 2 s).

    python bench/bench_kpi.py [--records 100000] [--db /tmp/kpi-bench.db]

Generates a month of ACD call records (tests/kpi_month.py) as a GBK CSV with Chinese headers, runs
``qa import-calls`` on it as a process (parse, hash callers, store), imports it again (the no-op
path), then times ``kpi_views`` for the month and ``qa report --view kpi`` end to end.
"""

from __future__ import annotations

import argparse
import os
import resource
import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import kpi_month as km  # noqa: E402


def run(args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one ``qa`` process (CPU time says more on a shared, busy machine)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "qa_pipeline", *args], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if res.returncode not in (0, 5):
        raise SystemExit(res.stderr)
    print("   ", res.stdout.strip().splitlines()[0] if res.stdout.strip() else res.stderr.strip()[:200])
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--db", type=Path, default=None)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="kpi-bench-"))
    db = args.db or tmp / "qa.db"
    per_day = -(-args.records // km.DAYS)
    rows = km.generate(calls_per_day=per_day, callers=max(400, args.records // 5))[:args.records]
    csv_path = tmp / "acd.csv"
    km.write_csv_gbk(rows, csv_path)
    km.write_states(km.states(), tmp / "states.csv")
    print(f"{len(rows):,} records, {csv_path.stat().st_size / 1e6:.1f} MB GBK CSV")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    first, cpu = run(["import-calls", str(csv_path), "--db", str(db)])
    print(f"import (new database, as a process):  {first:.1f} s wall, {cpu:.1f} s CPU "
          f"({len(rows) / first:,.0f} records/s)")
    again, cpu = run(["import-calls", str(csv_path), "--db", str(db)])
    print(f"re-import (no-op):                    {again:.1f} s wall, {cpu:.1f} s CPU")
    run(["import-calls", str(tmp / "states.csv"), "--db", str(db), "--kind", "states"])

    from qa_pipeline.kpi import kpi_views
    from qa_pipeline.store import Store

    store = Store(db)
    times, cpus = [], []
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time()
        views = kpi_views(store, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    print(f"kpi_views, one month (best of 3):     {min(times):.2f} s wall, {min(cpus):.2f} s CPU "
          f"({int(views['kpi_days']['offered'].sum()):,} offered)")
    wall, cpu = run(["report", "--db", str(db), "--view", "kpi", "--period", "2026-11", "--format", "csv", "-o",
                str(tmp / "out")])
    print(f"qa report --view kpi (process, csv):  {wall:.1f} s wall, {cpu:.1f} s CPU (imports included)")


if __name__ == "__main__":
    main()
