"""How fast the review page answers on a big store (the aims: queue page < 300 ms, transcript search < 500 ms,
call page < 1 s, on 100,000 calls).

    python bench/bench_review.py [--calls 100000] [--db /tmp/review-bench.db] [--runs 5]

Generates synthetic scored calls (tests/synthetic_calls.py: Chinese transcripts, agents, teams, queues,
fatal and flagged calls) into a new store through ``Store.save_calls`` (the batch's rows and search
index), then times the review app's requests in-process (FastAPI's TestClient: routing, auth, SQL,
masking, JSON): the default queue page, deep and filtered pages, transcript searches, one call's page and
the notifications (🔔).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa_pipeline.store import Store, call_rows  # noqa: E402
from tests.synthetic_calls import synthetic_calls  # noqa: E402

AIMS_MS = {"queue": 300, "search": 500, "call": 1000, "notify": 300}


def build(db: Path, n: int, *, chunk: int = 2000) -> float:
    """A new store of ``n`` synthetic calls; returns the seconds it took."""
    if db.exists():
        db.unlink()
    store = Store(db)
    t0 = time.perf_counter()
    items = []
    for report, meta in synthetic_calls(n):
        items.append(call_rows(report, path=f"/calls/{report['call_id']}.wav", size=None, sha256=None, meta=meta,
                               run_id=None, model_key=None))
        if len(items) == chunk:
            store.save_calls(items)
            items = []
    store.save_calls(items)
    store.close()
    return time.perf_counter() - t0


def timed(client, path: str, headers: dict, runs: int) -> tuple[float, dict]:
    client.get(path, headers=headers)  # warm the page cache once
    times, body = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        r = client.get(path, headers=headers)
        times.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, (path, r.status_code, r.text[:200])
        body = r.json() if r.headers["content-type"].startswith("application/json") else {}
    return statistics.median(times), body


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=100_000)
    ap.add_argument("--db", type=Path, default=Path("/tmp/review-bench.db"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--reuse", action="store_true", help="Time an existing --db without generating it again.")
    args = ap.parse_args()
    if not args.reuse:
        s = build(args.db, args.calls)
        print(f"generated {args.calls} calls in {s:.0f} s ({args.db}, {args.db.stat().st_size / 1e6:.0f} MB)")

    from fastapi.testclient import TestClient

    from qa_pipeline.review.app import create_app
    from qa_pipeline.review.state import User

    token = "bench-reviewer-0123456789"
    client = TestClient(create_app(Store(args.db), {token: User("王质检", "reviewer"),
                                                    "bench-agent-A007-012345": User("A007", "agent")}))
    rev = {"authorization": f"Bearer {token}"}
    agent = {"authorization": "Bearer bench-agent-A007-012345"}
    client.post("/api/queue/claim/call-000042", headers=rev)
    cases = [
        ("queue", "/api/queue", rev), ("queue", "/api/queue?page=1000", rev), ("queue", "/api/queue?team=车险组", rev),
        ("queue", "/api/queue?sort=-started_at", rev), ("queue", "/api/queue?sort=-started_at&page=1000", rev),
        ("queue", "/api/queue?status=pending&page=1000", rev), ("queue", "/api/queue?mine=true", rev),
        ("queue", "/api/queue?flagged=true&queue=理赔&direction=outbound", rev), ("queue", "/api/queue", agent),
        ("queue", "/api/queue?q=call-00999", rev), ("queue", "/api/options", rev),
        ("search", "/api/queue?text=我要投诉", rev), ("search", "/api/queue?text=工号是一二三四", rev),
        ("search", "/api/queue?text=投诉", rev), ("search", "/api/queue?text=没有这句话的通话", rev),
        ("search", "/api/queue?text=续保&team=车险组&sort=-score", rev),
        ("call", "/api/calls/call-000042", rev), ("call", "/call/call-000042", rev),
        ("notify", "/api/notifications", rev), ("notify", "/api/notifications", agent),
    ]
    worst = {}
    for kind, path, headers in cases:
        ms, body = timed(client, path, headers, args.runs)
        worst[kind] = max(worst.get(kind, 0), ms)
        extra = f"  total {body['total']}" if "total" in body else ""
        print(f"{kind:7s} {ms:8.1f} ms  {path}{' (agent)' if headers is agent else ''}{extra}")
    for kind, ms in worst.items():
        print(f"worst {kind}: {ms:.0f} ms (aim < {AIMS_MS[kind]} ms) {'ok' if ms < AIMS_MS[kind] else 'SLOW'}")


if __name__ == "__main__":
    main()
