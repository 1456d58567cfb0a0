"""Benchmark: the nightly batch with 1 and 2 workers — calls/hour, × real time, peak memory per worker.

Not a test. Copies the sample calls ``--copies`` times into a temporary folder, scores
them into a fresh SQLite file per configuration, and samples every worker's resident
memory while it runs::

    python bench/bench_batch.py                     # 1×1, 1×2 and 2×1 (workers × threads)
    python bench/bench_batch.py --copies 3 --dask   # + a Dask LocalCluster with 2 workers

Scaling efficiency = throughput with N workers ÷ (N × throughput with 1 worker of 1 thread).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import psutil

from qa_pipeline.batch import BatchOptions, discover, run_batch
from qa_pipeline.pipeline import PipelineOptions
from qa_pipeline.store import Store

ROOT = Path(__file__).resolve().parent.parent
AUDIO = [p for p in sorted((ROOT / "sample_audio").iterdir()) if p.suffix in (".wav", ".flac", ".mp3", ".ogg")]


class MemoryWatch:
    """Peak RSS of every process below this one (the workers), sampled every 0.2 s."""

    def __init__(self) -> None:
        self.peaks: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            for child in me.children(recursive=True):
                try:
                    self.peaks[child.pid] = max(self.peaks.get(child.pid, 0.0), child.memory_info().rss / 2**20)
                except psutil.Error:
                    pass
            time.sleep(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def run(folder: Path, workers: int, threads: int, scheduler: str | None = None) -> dict:
    tmp = Path(tempfile.mkdtemp())
    store = Store(tmp / "bench.db")
    pipeline = PipelineOptions()
    pipeline = replace(pipeline, asr=replace(pipeline.asr, threads=threads))
    with MemoryWatch() as mem:
        t0 = time.perf_counter()
        s = run_batch(discover(folder), store, pipeline, BatchOptions(workers=workers, scheduler=scheduler))
        wall = time.perf_counter() - t0
    shutil.rmtree(tmp)
    big = sorted(mem.peaks.values(), reverse=True)[: max(workers, 1)]
    return {"workers": workers, "threads": threads, "where": s.where, "calls": s.scored, "failed": s.failed,
            "audio_s": round(s.audio_s, 1), "wall_s": round(wall, 1), "x_realtime": round(s.audio_s / wall, 2),
            "calls_per_hour": round(s.scored / wall * 3600), "peak_worker_rss_mb": [round(m) for m in big]}


def store_writes(n: int = 300) -> dict:
    """How many calls a second one writer stores (SQLite, WAL): the ceiling of any cluster."""
    from qa_pipeline.pipeline import score_call
    from qa_pipeline.store import call_rows

    tmp = Path(tempfile.mkdtemp())
    lines = [{"speaker": "agent" if i % 2 == 0 else "customer", "text": "您好，请问您的保单号是多少？"} for i in range(40)]
    (tmp / "d.jsonl").write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    report = score_call(tmp / "d.jsonl").to_dict()
    store = Store(tmp / "w.db")
    t0 = time.perf_counter()
    for i in range(n):
        row, children = call_rows({**report, "call_id": f"c{i}"}, path="x", size=1, sha256="0", meta={}, run_id=None,
                                  model_key="m")
        store.save_call(row, children)
    wall = time.perf_counter() - t0
    shutil.rmtree(tmp)
    return {"store_writes_per_s": round(n / wall), "utterances_per_call": len(lines)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=2, help="copies of the 9 sample calls (2 → 24 min of audio)")
    ap.add_argument("--dask", action="store_true", help="also run on a Dask LocalCluster with 2 workers")
    args = ap.parse_args()
    print(json.dumps(store_writes()))
    folder = Path(tempfile.mkdtemp())
    for k in range(args.copies):
        for p in AUDIO:
            shutil.copy(p, folder / f"{p.stem}_{k}{p.suffix}")
    rows = [run(folder, 1, 1), run(folder, 1, 2), run(folder, 2, 1)]
    if args.dask:
        from distributed import LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as cluster:
            rows.append(run(folder, 2, 1, scheduler=cluster.scheduler_address))
    base = rows[0]["audio_s"] / rows[0]["wall_s"]
    for r in rows:
        r["scaling_efficiency"] = round(r["x_realtime"] / (base * r["workers"] * r["threads"]), 2)
        print(json.dumps(r))
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
