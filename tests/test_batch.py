"""``qa batch`` end to end: real model, real SQLite file, real processes, no mocks.

One night of three short sample calls and three broken files is scored once (module
fixture) while two readers poll the database; most assertions reuse that database. The
kill/crash tests use three 20-second clips cut from a sample call, so a run takes seconds.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
import soundfile as sf
import sqlalchemy as sa

from qa_pipeline.batch import discover
from qa_pipeline.batch.discover import parse_when
from qa_pipeline.errors import StoreError
from qa_pipeline.store import Store
from qa_pipeline.store import tables as t
from qa_pipeline.store.db import MIGRATIONS

from .conftest import SAMPLES

PATTERN = "{date}_{time}_{agent_id}_{call_id}"
# (sample, file under the night's folder, call id, agent, started_at)
GOOD = [
    ("call01_clean_ulaw.wav", "20261122_143005_A001_c01.wav", "c01", "A001", "2026-11-22 14:30:05"),
    ("call04_fast_flac.flac", "sub/20261122_150000_A002_c04.flac", "c04", "A002", "2026-11-22 15:00:00"),
    ("call08_taboo_pcm.wav", "20261123_091500_A003_c08.wav", "c08", "A003", "2026-11-23 09:15:00"),
]
# (file, call id, what the one-line error says)
BROKEN = [
    ("20261123_100000_A004_bad1.wav", "bad1", "not an audio file"),  # text renamed .wav
    ("20261123_100500_A004_bad2.wav", "bad2", "corrupt or truncated"),  # a WAV cut inside its header
    ("20261123_101000_A004_bad3.mp3", "bad3", "empty file"),  # 0 bytes
]
CHILDREN = ("checks", "findings", "metrics", "utterances", "reports")
LINE = re.compile(r"^\d\d:\d\d:\d\d \[(\d+)/(\d+)\] (scored|failed|skipped) +(\S+?):?(?: |$)", re.M)


# -- helpers --------------------------------------------------------------------------------------

def qa(*args: object) -> list[str]:
    return [sys.executable, "-m", "qa_pipeline", *map(str, args)]


def run_qa(*args: object, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(qa(*args), capture_output=True, text=True, timeout=timeout, env=_env())


def _env(asr_cache: bool = True) -> dict:
    """The environment of a `qa` subprocess. ``asr_cache=False``: the session's transcription cache off,
    for the tests that kill a worker in the middle of recognizing a call (a cached call is over too soon)."""
    drop = ("QA_DB", "QA_CONFIG", "QA_DEBUG") + (() if asr_cache else ("QA_PIPELINE_ASR_CACHE",))
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def sql(db: Path, query: str, params: tuple = ()) -> list[tuple]:
    con = sqlite3.connect(db, timeout=10)
    try:
        return con.execute(query, params).fetchall()
    finally:
        con.close()


def one(db: Path, query: str, params: tuple = ()):
    rows = sql(db, query, params)
    assert len(rows) == 1, rows
    return rows[0][0] if len(rows[0]) == 1 else rows[0]


def table_counts(db: Path) -> dict[str, int]:
    return {name: one(db, f"select count(*) from {name}") for name in ("calls", *CHILDREN, "batch_runs")}


def copy_db(src: Path, dst: Path) -> Path:
    """A consistent copy (sqlite's backup API), so a test can run on top of the shared night."""
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()
    return dst


def log_lines(stderr: str) -> list[tuple[int, int, str, str]]:
    return [(int(i), int(n), kind, cid) for i, n, kind, cid in LINE.findall(stderr)]


def summary_count(stdout: str, name: str) -> int:
    m = re.search(rf"^\s+{name}\s+(\d+)", stdout, re.M)
    assert m, f"no '{name}' in the summary:\n{stdout}"
    return int(m.group(1))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


SNAPSHOT = """
select c.call_id, c.status, c.n_utterances,
       (select count(*) from checks k where k.call_id = c.call_id),
       (select count(*) from utterances u where u.call_id = c.call_id),
       (select count(*) from metrics m where m.call_id = c.call_id),
       (select count(*) from reports r where r.call_id = c.call_id)
from calls c
"""


def incomplete(rows: list[tuple], n_checks: int | None = None) -> list[tuple]:
    """Scored calls seen without all their rows (a write that was not atomic)."""
    bad = []
    for call_id, status, n_utt, n_chk, n_u, n_m, n_r in rows:
        if status == "scored" and not (n_chk > 0 and n_u == n_utt and n_u > 0 and n_m > 0 and n_r == 1
                                       and (n_checks is None or n_chk == n_checks)):
            bad.append((call_id, n_utt, n_chk, n_u, n_m, n_r))
        if status == "failed" and (n_chk or n_u or n_m or n_r):
            bad.append((call_id, status, n_chk, n_u, n_m, n_r))
    return bad


class Readers:
    """Two readers polling the database while a batch writes it: plain sqlite3 and the Store."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.sqlite_seen: list[list[tuple]] = []  # one consistent snapshot per read
        self.store_seen: list[tuple[int, int]] = []  # (calls, scored)
        self.threads = [threading.Thread(target=self._plain, daemon=True),
                        threading.Thread(target=self._store, daemon=True)]

    def __enter__(self) -> "Readers":
        for th in self.threads:
            th.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for th in self.threads:
            th.join(30)

    def _plain(self) -> None:
        while not self.stop.is_set():
            try:
                con = sqlite3.connect(self.db, timeout=5)
                try:
                    self.sqlite_seen.append(con.execute(SNAPSHOT).fetchall())  # one statement, one snapshot
                finally:
                    con.close()
            except sqlite3.Error as exc:
                self.errors.append(f"sqlite3: {exc}")
            time.sleep(0.03)

    def _store(self) -> None:
        store = Store(self.db, migrate=False)
        try:
            while not self.stop.is_set():
                try:
                    n = store.count_calls()
                    scored = store.count_calls("scored")
                    df = store.read_sql(sa.select(t.calls.c.call_id, t.calls.c.status))
                    assert len(df) >= n, (len(df), n)
                    self.store_seen.append((n, scored))
                except Exception as exc:  # noqa: BLE001 - every error is a finding
                    self.errors.append(f"Store: {type(exc).__name__}: {exc}")
                time.sleep(0.03)
        finally:
            store.close()


def wait_for(predicate, timeout: float, proc: subprocess.Popen | None = None, step: float = 0.02):
    """Poll until ``predicate()`` is truthy; fail if it times out or ``proc`` ends first."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = predicate()
        if got:
            return got
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the batch ended (rc {proc.returncode}) before the moment waited for:\n{out}\n{err}")
        time.sleep(step)
    pytest.fail("timed out waiting")


def scored_ids(db: Path) -> set[str]:
    try:
        return {r[0] for r in sql(db, "select call_id from calls where status = 'scored'")}
    except sqlite3.OperationalError:
        return set()


def workers_of(proc: subprocess.Popen) -> list[psutil.Process]:
    """The local pool's worker processes (spawned: ``multiprocessing.spawn``), not the resource tracker."""
    out = []
    try:
        for child in psutil.Process(proc.pid).children(recursive=True):
            try:
                cmd = " ".join(child.cmdline())
            except (psutil.NoSuchProcess, psutil.ZombieProcess):
                continue
            if "spawn_main" in cmd and "resource_tracker" not in cmd:
                out.append(child)
    except psutil.NoSuchProcess:
        pass
    return out


# -- shared data ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> list[Path]:
    """Three 20 s stereo clips of a sample call (about 2 s each to score)."""
    out = tmp_path_factory.mktemp("clips")
    audio, rate = sf.read(SAMPLES / "call01_clean_ulaw.wav", dtype="int16")
    paths = []
    for k, start in enumerate((0, 18, 36), 1):
        p = out / f"20261124_08000{k}_B00{k}_k0{k}.wav"
        sf.write(p, audio[start * rate:(start + 20) * rate], rate, subtype="PCM_16")
        paths.append(p)
    return paths


def clip_folder(tmp_path: Path, clips: list[Path]) -> Path:
    folder = tmp_path / "clips"
    folder.mkdir()
    for p in clips:
        (folder / p.name).write_bytes(p.read_bytes())
    return folder


@pytest.fixture(scope="module")
def night(tmp_path_factory) -> dict:
    """The night's folder scored once by ``qa batch``, with two readers polling the database meanwhile."""
    root = tmp_path_factory.mktemp("night")
    folder = root / "calls"
    (folder / "sub").mkdir(parents=True)
    for sample, rel, *_ in GOOD:
        (folder / rel).write_bytes((SAMPLES / sample).read_bytes())
    (folder / BROKEN[0][0]).write_text("这不是录音 — just text renamed .wav\n", encoding="utf-8")
    (folder / BROKEN[1][0]).write_bytes((SAMPLES / "call08_taboo_pcm.wav").read_bytes()[:20])
    (folder / BROKEN[2][0]).write_bytes(b"")
    (folder / "notes.txt").write_text("not a recording, not included\n")
    db = root / "qa.db"
    Store(db).close()  # the database exists (migrated) before the batch, as the review page's would
    with Readers(db) as readers:
        t0 = time.monotonic()
        proc = subprocess.Popen(qa("batch", folder, "--db", db, "--name-pattern", PATTERN, "--workers", 1),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
        out, err = proc.communicate(timeout=300)
        wall = time.monotonic() - t0
    return {"folder": folder, "db": db, "rc": proc.returncode, "stdout": out, "stderr": err, "readers": readers,
            "wall": wall}


# -- 1. one night: scored, failed, metadata, rows, run -----------------------------------------------

def test_night_exit_code_summary_and_log(night):
    out, err = night["stdout"], night["stderr"]
    assert night["rc"] == 5, (out, err)  # finished, some calls failed
    assert summary_count(out, "calls found") == len(GOOD) + len(BROKEN)
    assert summary_count(out, "scored") == len(GOOD)
    assert summary_count(out, "skipped") == 0
    assert summary_count(out, "failed") == len(BROKEN)
    assert "Traceback" not in err and "Traceback" not in out, err
    lines = log_lines(err)  # one plain line per call (stderr is not a terminal)
    assert sorted(c for *_, c in lines) == sorted([g[2] for g in GOOD] + [b[1] for b in BROKEN]), err
    assert sorted(i for i, *_ in lines) == list(range(1, 7)) and {n for _, n, *_ in lines} == {6}
    for name, call_id, _ in BROKEN:
        line = next(x for x in err.splitlines() if f" {call_id}:" in x)
        assert "failed" in line and name in line, line


@pytest.mark.parametrize("sample,rel,call_id,agent,started", GOOD, ids=[g[2] for g in GOOD])
def test_night_scored_call_row(night, sample, rel, call_id, agent, started):
    db, folder = night["db"], night["folder"]
    status, path, a, when, sha, size, dur, meta, err, score = one(
        db, "select status, path, agent_id, started_at, content_sha256, file_size, duration_s, meta, error, score "
            "from calls where call_id = ?", (call_id,))
    assert status == "scored" and err is None
    assert Path(path) == (folder / rel).resolve()
    assert (a, when[:19]) == (agent, started)  # from the file-name pattern
    assert json.loads(meta)["metadata_source"] == "file name"
    assert sha == sha256(folder / rel) and size == (folder / rel).stat().st_size
    assert dur == pytest.approx(sf.info(SAMPLES / sample).duration, abs=0.05)
    assert 0 <= score <= 100


def test_night_child_rows_match_the_stored_report(night):
    db = night["db"]
    store = Store(db, migrate=False)
    n_checks = None
    for _, _, call_id, _, _ in GOOD:
        report = store.report(call_id)
        assert report["call_id"] == call_id
        score, flagged, n_utt = one(db, "select score, flagged, n_utterances from calls where call_id = ?", (call_id,))
        assert (score, bool(flagged)) == (report["score"], report["flagged"])
        checks = dict(sql(db, "select check_id, status from checks where call_id = ?", (call_id,)))
        assert checks == {c["id"]: c["status"] for c in report["checks"]}
        n_checks = n_checks or len(checks)
        assert len(checks) == n_checks > 10  # every rule, every call
        utts = sql(db, "select speaker, start_s, end_s, text from utterances where call_id = ? order by idx",
                   (call_id,))
        assert n_utt == len(utts) == len(report["transcript"]) > 3
        assert [u[3] for u in utts] == [u["text"] for u in report["transcript"]]
        metrics = dict(sql(db, "select name || '/' || speaker, value from metrics where call_id = ?", (call_id,)))
        assert metrics["talk_time_s/agent"] > 5 and "silence_max_s/" in metrics
    store.close()
    # the rule-breaking call is flagged for its banned phrase; the clean one is not
    assert one(db, "select flagged from calls where call_id = 'c08'") == 1
    assert one(db, "select status from checks where call_id = 'c08' and check_id = 'language.banned_phrase'") == "fail"
    assert one(db, "select flagged from calls where call_id = 'c01'") == 0


@pytest.mark.parametrize("name,call_id,says", BROKEN, ids=[b[1] for b in BROKEN])
def test_night_broken_file_stored_failed(night, name, call_id, says):
    db, folder = night["db"], night["folder"]
    status, kind, error, agent, score = one(
        db, "select status, error_kind, error, agent_id, score from calls where call_id = ?", (call_id,))
    assert (status, kind, score, agent) == ("failed", "AudioError", None, "A004")
    assert "\n" not in error and str(folder / name) in error and says in error, error
    for table in CHILDREN:
        assert one(db, f"select count(*) from {table} where call_id = ?", (call_id,)) == 0


def test_night_batch_run_row(night):
    db = night["db"]
    rows = sql(db, "select run_id, status, n_found, n_scored, n_skipped, n_failed, n_flagged, workers, finished_at, "
                   "scheduler, audio_s from batch_runs")
    assert len(rows) == 1
    run_id, status, found, scored, skipped, failed, flagged, workers, finished, scheduler, audio_s = rows[0]
    assert (status, found, scored, skipped, failed, workers, scheduler) == ("finished", 6, 3, 0, 3, 1, None)
    assert flagged == one(db, "select count(*) from calls where flagged = 1") >= 1
    assert finished is not None
    assert audio_s == pytest.approx(one(db, "select sum(duration_s) from calls"), abs=0.01)
    assert {r[0] for r in sql(db, "select distinct run_id from calls")} == {run_id}
    assert table_counts(db)["calls"] == 6  # notes.txt is not a recording


# -- 3. reading while the batch writes ----------------------------------------------------------------

def test_night_concurrent_readers_never_locked_and_see_whole_calls(night):
    r = night["readers"]
    assert r.errors == [], r.errors[:5]  # no 'database is locked', from either reader
    assert len(r.sqlite_seen) > 20 and len(r.store_seen) > 20, "the readers hardly ran"
    n_scored = [sum(s == "scored" for _, s, *_ in snap) for snap in r.sqlite_seen]
    assert any(0 < n < len(GOOD) for n in n_scored), "no read fell between two writes"
    for seq in ([len(s) for s in r.sqlite_seen], n_scored, [n for n, _ in r.store_seen], [s for _, s in r.store_seen]):
        assert all(a <= b for a, b in zip(seq, seq[1:])), seq  # counts never go down
    n_checks = one(night["db"], "select count(*) from checks where call_id = 'c01'")
    for snap in r.sqlite_seen:
        assert incomplete(snap, n_checks) == []  # a scored call is seen with all its rows, or not at all


# -- 1b. the same night again: skipped; --rescore replaces ------------------------------------------

@pytest.fixture(scope="module")
def rerun(night, tmp_path_factory) -> dict:
    db = copy_db(night["db"], tmp_path_factory.mktemp("rerun") / "qa.db")
    before = table_counts(db)
    rows_before = sql(db, "select call_id, run_id, scored_at from calls where status = 'scored' order by 1")
    r = run_qa("batch", night["folder"], "--db", db, "--name-pattern", PATTERN, "--workers", 1)
    return {"db": db, "before": before, "rows_before": rows_before, "proc": r}


def test_rerun_skips_everything_scored(rerun):
    r, db = rerun["proc"], rerun["db"]
    assert r.returncode == 5, (r.stdout, r.stderr)  # the broken files fail again
    assert summary_count(r.stdout, "scored") == 0
    assert summary_count(r.stdout, "skipped") == len(GOOD)
    assert summary_count(r.stdout, "failed") == len(BROKEN)
    assert sorted(c for _, _, kind, c in log_lines(r.stderr) if kind == "skipped") == sorted(g[2] for g in GOOD)
    after = table_counts(db)
    assert {k: v for k, v in after.items() if k != "batch_runs"} == \
        {k: v for k, v in rerun["before"].items() if k != "batch_runs"}  # nothing duplicated
    assert after["batch_runs"] == 2
    # not scored again: same run and time stamp as the first night
    assert sql(db, "select call_id, run_id, scored_at from calls where status = 'scored' order by 1") == \
        rerun["rows_before"]
    assert sql(db, "select status, n_scored, n_skipped, n_failed from batch_runs where run_id = 2") == \
        [("finished", 0, 3, 3)]
    assert {r[0] for r in sql(db, "select run_id from calls where status = 'failed'")} == {2}


def test_rescore_replaces_rows_without_duplicates(rerun, night, tmp_path):
    db = copy_db(rerun["db"], tmp_path / "qa.db")
    before = table_counts(db)
    checks_before = sql(db, "select check_id, status from checks where call_id = 'c01' order by 1")
    r = run_qa("batch", night["folder"], "--db", db, "--name-pattern", PATTERN, "--workers", 1,
               "--include", GOOD[0][1], "--rescore")
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert summary_count(r.stdout, "scored") == 1 and summary_count(r.stdout, "skipped") == 0
    after = table_counts(db)
    assert after["batch_runs"] == before["batch_runs"] + 1
    assert {k: v for k, v in after.items() if k != "batch_runs"} == {k: v for k, v in before.items()
                                                                      if k != "batch_runs"}
    run_id = one(db, "select max(run_id) from batch_runs")
    assert one(db, "select run_id from calls where call_id = 'c01'") == run_id
    assert one(db, "select count(*) from calls where run_id = ?", (run_id,)) == 1  # the others untouched
    assert sql(db, "select check_id, status from checks where call_id = 'c01' order by 1") == checks_before
    assert incomplete(sql(db, SNAPSHOT)) == []


# -- 2. killed with -9, then resumed -----------------------------------------------------------------

def test_kill_and_resume_stores_every_call_once(tmp_path, clips):
    folder = clip_folder(tmp_path, clips)
    db = tmp_path / "qa.db"
    Store(db).close()
    ids = {p.stem.split("_")[-1] for p in clips}
    proc = subprocess.Popen(qa("batch", folder, "--db", db, "--name-pattern", PATTERN, "--workers", 1),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            env=_env(asr_cache=False))
    try:
        first = wait_for(lambda: scored_ids(db), 120, proc)
        assert len(first) < len(ids), "all calls were stored before the kill"
        os.killpg(os.getpgid(proc.pid), signal.SIGKILL)
    finally:
        if proc.poll() is None:
            os.killpg(os.getpgid(proc.pid), signal.SIGKILL)
        proc.communicate()
    stored_by_first = scored_ids(db)
    assert 1 <= len(stored_by_first) < len(ids)
    assert sql(db, "select status from batch_runs") == [("running",)]  # nobody could close it
    assert incomplete(sql(db, SNAPSHOT)) == []  # killed mid-batch: whole calls or none

    r = run_qa("batch", folder, "--db", db, "--name-pattern", PATTERN, "--workers", 1)
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert summary_count(r.stdout, "skipped") == len(stored_by_first)
    assert summary_count(r.stdout, "scored") == len(ids) - len(stored_by_first)
    assert {c for _, _, kind, c in log_lines(r.stderr) if kind == "skipped"} == stored_by_first
    assert sql(db, "select call_id, count(*) from calls group by call_id order by 1") == [(i, 1) for i in sorted(ids)]
    assert scored_ids(db) == ids
    n_checks = one(db, "select count(*) from checks where call_id = ?", (sorted(ids)[0],))
    assert sql(db, "select call_id, count(*) from checks group by call_id order by 1") == \
        [(i, n_checks) for i in sorted(ids)]
    assert one(db, "select count(*) from checks") == n_checks * len(ids)
    assert incomplete(sql(db, SNAPSHOT), n_checks) == []
    assert sql(db, "select run_id, status, n_scored, n_skipped from batch_runs order by 1") == \
        [(1, "killed", 0, 0), (2, "finished", len(ids) - len(stored_by_first), len(stored_by_first))]
    assert {r[0] for r in sql(db, "select call_id from calls where run_id = 1")} == stored_by_first


# -- 4. a worker killed while scoring ------------------------------------------------------------------

def _start_and_kill_worker(folder: Path, db: Path, after: int = 1) -> tuple[subprocess.Popen, int]:
    """Start a batch; once ``after`` calls are stored, SIGKILL the worker scoring the next."""
    proc = subprocess.Popen(qa("batch", folder, "--db", db, "--name-pattern", PATTERN, "--workers", 1),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(asr_cache=False))
    wait_for(lambda: len(scored_ids(db)) >= after, 120, proc)
    time.sleep(0.3)  # into the next call
    (worker,) = workers_of(proc)
    assert worker.cpu_percent(interval=0.2) > 20, "the worker is not scoring"
    worker.send_signal(signal.SIGKILL)
    return proc, worker.pid


@pytest.mark.parametrize("after", [1, 2], ids=["two-in-flight", "last-call-alone"])
def test_worker_killed_while_scoring_is_retried(tmp_path, clips, after):
    """Killed with the next call queued behind it, or scoring the last call alone: every call is scored."""
    folder = clip_folder(tmp_path, clips)
    db = tmp_path / "qa.db"
    Store(db).close()
    proc, killed = _start_and_kill_worker(folder, db, after)
    assert len(scored_ids(db)) == after
    new = wait_for(lambda: [w.pid for w in workers_of(proc) if w.pid != killed], 60, proc)
    out, err = proc.communicate(timeout=180)
    assert new  # the pool was started again
    assert proc.returncode == 0, (out, err)
    assert scored_ids(db) == {p.stem.split("_")[-1] for p in clips}
    assert sql(db, "select status, n_scored, n_failed from batch_runs") == [("finished", 3, 0)]
    assert "Traceback" not in err


def test_call_that_kills_its_worker_twice_is_stored_failed(tmp_path, clips):
    folder = clip_folder(tmp_path, clips)
    db = tmp_path / "qa.db"
    Store(db).close()
    proc, killed = _start_and_kill_worker(folder, db)
    first = scored_ids(db)
    # the calls in flight are retried one at a time on a new worker: kill that one too
    again = wait_for(lambda: [w for w in workers_of(proc) if w.pid != killed], 60, proc)
    again[0].send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 5, (out, err)
    failed = sql(db, "select call_id, error_kind, error from calls where status = 'failed'")
    assert len(failed) == 1 and failed[0][1] == "WorkerCrash", failed
    assert failed[0][0] not in first and "worker process died" in failed[0][2]
    assert len(scored_ids(db)) == 2  # the other retried call is scored
    assert sql(db, "select status, n_scored, n_failed from batch_runs") == [("finished", 2, 1)]


# -- 5. the same night on a Dask cluster --------------------------------------------------------------

def _results(db: Path) -> dict:
    calls = {r[0]: r[1:] for r in sql(db, "select call_id, status, error_kind, score, flagged, fatal, duration_s, "
                                          "agent_id, started_at, content_sha256 from calls")}
    checks = sql(db, "select call_id, check_id, status, points, hits from checks order by 1, 2")
    utts = sql(db, "select call_id, idx, speaker, start_s, end_s, text from utterances order by 1, 2")
    metrics = sql(db, "select call_id, name, speaker, value from metrics order by 1, 2, 3")
    return {"calls": calls, "checks": checks, "utterances": utts, "metrics": metrics}


def test_dask_cluster_gives_the_same_results_as_local(night, tmp_path):
    distributed = pytest.importorskip("distributed")
    db = tmp_path / "dask.db"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        r = run_qa("batch", night["folder"], "--db", db, "--name-pattern", PATTERN, "--scheduler",
                   cluster.scheduler_address)
    assert r.returncode == 5, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and f"dask {cluster.scheduler_address}" in r.stdout
    assert sql(db, "select status, scheduler, n_scored, n_failed from batch_runs") == \
        [("finished", cluster.scheduler_address, 3, 3)]
    local, dask = _results(night["db"]), _results(db)
    assert dask["calls"] == local["calls"]
    assert dask["checks"] == local["checks"]
    assert dask["utterances"] == local["utterances"]  # the same transcript, word for word and time for time
    assert dask["metrics"] == local["metrics"]


# -- 6. a manifest with Chinese headers -----------------------------------------------------------------

def _dialogue(path: Path, lines: list[tuple[str, str]]) -> None:
    t0, rows = 0.5, []
    for speaker, text in lines:
        rows.append({"speaker": speaker, "start": t0, "end": round(t0 + len(text) / 4, 2), "text": text})
        t0 = round(t0 + len(text) / 4 + 0.6, 2)
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")


POLITE = [("agent", "您好，安心保险客服中心，很高兴为您服务。"), ("customer", "你好，我想查一下保单。"),
          ("agent", "好的，请问您的保单号是多少？"), ("customer", "好的，谢谢。"),
          ("agent", "感谢您的来电，祝您生活愉快，再见。")]
MANIFEST = [  # 录音文件, 通话编号, 工号, 坐席姓名, 技能组, 呼叫方向, 开始时间
    ("a1.jsonl", "call-001", "A01", "王芳", "车险一组", "呼入", "2026-11-22 09:05:00"),
    ("sub/a2.jsonl", "call-002", "A02", "李娜", "寿险二组", "呼出", "2026/11/22 14:30"),
    ("a3.jsonl", "call-003", "A03", "张伟", "车险一组", "呼入", "20261122143005"),  # no such recording
]
HEADERS = ["录音文件", "通话编号", "工号", "坐席姓名", "技能组", "呼叫方向", "开始时间"]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_manifest_with_chinese_headers(tmp_path, encoding):
    folder = tmp_path / "calls"
    (folder / "sub").mkdir(parents=True)
    _dialogue(folder / "a1.jsonl", POLITE)
    _dialogue(folder / "sub" / "a2.jsonl", POLITE)
    _dialogue(folder / "extra.jsonl", POLITE)  # not in the manifest
    manifest = tmp_path / "manifest.csv"
    with manifest.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADERS)
        w.writerows(MANIFEST)
    db = tmp_path / "qa.db"
    r = run_qa("batch", folder, "--db", db, "--manifest", manifest, "--include", "*.jsonl", "--workers", 1)
    assert r.returncode == 5, (r.stdout, r.stderr)
    assert "1 recording(s) are not in the manifest" in r.stderr
    rows = {row[0]: row[1:] for row in sql(db, "select call_id, status, error_kind, agent_id, agent_name, team, "
                                               "direction, substr(started_at, 1, 19), error from calls")}
    assert set(rows) == {"call-001", "call-002", "call-003", "extra"}
    assert rows["call-001"][:7] == ("scored", None, "A01", "王芳", "车险一组", "inbound", "2026-11-22 09:05:00")
    assert rows["call-002"][:7] == ("scored", None, "A02", "李娜", "寿险二组", "outbound", "2026-11-22 14:30:00")
    assert rows["call-003"][:7] == ("failed", "MissingRecording", "A03", "张伟", "车险一组", "inbound",
                                    "2026-11-22 14:30:05")
    assert "a3.jsonl" in rows["call-003"][7] and "\n" not in rows["call-003"][7]
    assert rows["extra"][:3] == ("scored", None, None)
    assert json.loads(one(db, "select meta from calls where call_id = 'extra'"))["metadata_source"] == "none"
    assert one(db, "select count(*) from checks where call_id = 'call-001'") > 10


def test_manifest_recording_gone_keeps_stored_result(tmp_path):
    """A call scored on an earlier run whose recording has since been moved away keeps its results."""
    folder = tmp_path / "calls"
    folder.mkdir()
    _dialogue(folder / "a1.jsonl", POLITE)
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("录音文件,通话编号,工号\na1.jsonl,call-001,A01\n", encoding="utf-8")
    db = tmp_path / "qa.db"
    args = ("batch", folder, "--db", db, "--manifest", manifest, "--include", "*.jsonl", "--workers", 1)
    assert run_qa(*args).returncode == 0
    checks = one(db, "select count(*) from checks where call_id = 'call-001'")
    (folder / "a1.jsonl").unlink()
    r = run_qa(*args)
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert summary_count(r.stdout, "skipped") == 1
    assert one(db, "select status from calls where call_id = 'call-001'") == "scored"
    assert one(db, "select count(*) from checks where call_id = 'call-001'") == checks > 0


# -- 7. migrations --------------------------------------------------------------------------------------

def _schema_from_db(engine: sa.Engine) -> dict:
    insp = sa.inspect(engine)
    out = {}
    for name in sorted(n for n in set(insp.get_table_names()) - {"alembic_version"} if not t.is_search_index(n)):
        out[name] = {
            "columns": [(c["name"], str(c["type"]), bool(c["nullable"])) for c in insp.get_columns(name)],
            "pk": insp.get_pk_constraint(name)["constrained_columns"],
            "fks": sorted((tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]),
                           (f.get("options") or {}).get("ondelete")) for f in insp.get_foreign_keys(name)),
            "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in insp.get_indexes(name)),
        }
    return out


def _schema_from_metadata(dialect) -> dict:
    out = {}
    for name, table in sorted(t.metadata.tables.items()):
        out[name] = {
            "columns": [(c.name, c.type.compile(dialect=dialect), bool(c.nullable)) for c in table.columns],
            "pk": [c.name for c in table.primary_key.columns],
            "fks": sorted((tuple(fk.parent.name for fk in con.elements), con.referred_table.name,
                           tuple(fk.column.name for fk in con.elements), con.ondelete)
                          for con in table.foreign_key_constraints),
            "indexes": sorted((i.name, tuple(c.name for c in i.columns), bool(i.unique)) for i in table.indexes),
        }
    return out


def test_migrations_keep_rows_and_build_exactly_the_tables(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    store = Store(tmp_path / "qa.db", migrate=False)
    head = sorted(p.stem.split("_")[0] for p in (MIGRATIONS / "versions").glob("0*.py"))[-1]
    assert store.revision() is None and store.head() == head
    store.upgrade("0001")
    assert store.revision() == "0001"
    assert "review_samples" not in sa.inspect(store.engine).get_table_names()
    with store.engine.begin() as conn:
        conn.execute(sa.insert(t.batch_runs).values(run_id=7, started_at=sa.func.current_timestamp(),
                                                    status="finished", n_found=1, n_scored=1, n_skipped=0,
                                                    n_failed=0, n_flagged=0, audio_s=56.3))
        conn.execute(sa.insert(t.calls).values(call_id="old-1", status="scored", path="/x/old-1.wav", run_id=7,
                                               scored_at=sa.func.current_timestamp(), agent_id="A09", score=88.5,
                                               flagged=False, meta={"metadata_source": "manifest"}))
        conn.execute(sa.insert(t.checks).values(call_id="old-1", check_id="opening.greeting", status="pass",
                                                fatal=False, hits=1))
    store.upgrade()
    assert store.revision() == store.head() == head
    assert store.call_states()["old-1"][0] == "scored"
    row = store.read_sql(sa.select(t.calls).where(t.calls.c.call_id == "old-1")).iloc[0]
    assert (row.agent_id, row.score, row.run_id, row.meta) == ("A09", 88.5, 7, {"metadata_source": "manifest"})
    assert store.read_sql("select check_id, status from checks").values.tolist() == [["opening.greeting", "pass"]]

    assert _schema_from_db(store.engine) == _schema_from_metadata(store.engine.dialect)
    with store.engine.connect() as conn:
        skip_fts = {"include_name": lambda name, kind, _: not (kind == "table" and t.is_search_index(name))}
        assert compare_metadata(MigrationContext.configure(conn, opts=skip_fts), t.metadata) == []
    Store(tmp_path / "qa.db").close()  # opening a database at head changes nothing
    assert store.revision() == head
    store.close()


def _stamped_9999(tmp_path: Path) -> Path:
    db = tmp_path / "future.db"
    Store(db).close()
    sql_write(db, "update alembic_version set version_num = '9999'")
    return db


def _not_a_database(tmp_path: Path) -> Path:
    db = tmp_path / "notes.db"
    db.write_text("agent notes, not a database\n" * 50)
    return db


def sql_write(db: Path, statement: str) -> None:
    con = sqlite3.connect(db)
    try:
        con.execute(statement)
        con.commit()
    finally:
        con.close()


def test_unknown_revision_raises_store_error(tmp_path):
    db = _stamped_9999(tmp_path)
    with pytest.raises(StoreError, match=r"'9999' is newer than this qa-pipeline knows \(newest 0\d\d\d\); upgrade"):
        Store(db)
    with pytest.raises(StoreError, match="9999"):
        Store(db, migrate=False).upgrade()
    assert one(db, "select version_num from alembic_version") == "9999"  # left as it was


@pytest.mark.parametrize("make_db,says", [
    (_stamped_9999, "database schema '9999' is newer"),
    (_not_a_database, "file is not a database"),
    (lambda tmp: tmp / "no-such-folder" / "qa.db", "does not exist"),
], ids=["unknown-revision", "not-a-database", "no-folder"])
def test_batch_on_unusable_database_exits_4_with_one_line(tmp_path, make_db, says):
    folder = tmp_path / "calls"
    folder.mkdir()
    _dialogue(folder / "a1.jsonl", POLITE)
    db = make_db(tmp_path)
    before = db.read_bytes() if db.exists() else None
    r = run_qa("batch", folder, "--db", db, "--include", "*.jsonl", "--workers", 1, timeout=60)
    assert r.returncode == 4, (r.stdout, r.stderr)
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0] and str(db) in lines[0], r.stderr
    assert (db.read_bytes() if db.exists() else None) == before


# -- 8. discovery -----------------------------------------------------------------------------------------

@pytest.fixture
def tree(tmp_path) -> Path:
    for rel in ("a.wav", "B.WAV", "c.mp3", "d.flac", "notes.txt", "t.jsonl", "x_bad.wav", "sub/e.wav",
                "sub/deeper/f.ogg", ".trash/g.wav", "sub/.cache/h.wav", "._a.wav", "sub/.hidden.wav"):
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")
    return tmp_path


@pytest.mark.parametrize("include,exclude,expected", [
    ((), (), ["B.WAV", "a.wav", "c.mp3", "d.flac", "sub/deeper/f.ogg", "sub/e.wav", "x_bad.wav"]),
    (("*.jsonl",), (), ["t.jsonl"]),
    (("*.wav",), ("*_bad*",), ["B.WAV", "a.wav", "sub/e.wav"]),
    (("sub/*",), (), ["sub/deeper/f.ogg", "sub/e.wav"]),
    ((), ("sub/*",), ["B.WAV", "a.wav", "c.mp3", "d.flac", "x_bad.wav"]),
    (("*.wav", "*.jsonl"), ("a.*", "sub/*"), ["B.WAV", "t.jsonl", "x_bad.wav"]),
    (("*.opus",), (), []),
], ids=["default-audio", "jsonl", "exclude-name", "include-path", "exclude-path", "both", "none"])
def test_discover_include_exclude_and_hidden(tree, include, exclude, expected):
    found = discover(tree, include=include, exclude=exclude)
    assert sorted(j.rel for j in found.jobs) == sorted(expected)  # never .trash/, .cache/ or ._a.wav
    assert all(Path(j.path).is_absolute() and j.size == 1 for j in found.jobs)
    assert found.missing == () and found.warnings == ()


@pytest.mark.parametrize("date,time_,expected", [
    ("20261122", "143005", "2026-11-22T14:30:05"),
    ("20261122", "1430", "2026-11-22T14:30:00"),
    ("2026-11-22", "14:30:05", "2026-11-22T14:30:05"),
    ("2026-11-22 09:00", None, "2026-11-22T09:00:00"),
    ("2026/11/22 9:05", None, "2026-11-22T09:05:00"),
    ("20261122143005", None, "2026-11-22T14:30:05"),
    ("20261122", None, "2026-11-22T00:00:00"),
    (20261122, None, "2026-11-22T00:00:00"),  # a number from a JSONL manifest
    ("2026-11-22T09:00:00+08:00", None, "2026-11-22T09:00:00"),  # the call center's wall clock
    ("garbage", None, None),
    ("20261122", "garbage", None),
    ("2026-13-45", None, None),
    ("", "", None),
    (None, None, None),
    ("nan", None, None),
])
def test_parse_when(date, time_, expected):
    assert parse_when(date, time_) == expected


def test_discover_name_pattern_metadata_and_unmatched(tmp_path):
    for rel in ("20261122_143005_A001_c01.wav", "misc/recording.wav"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    found = discover(tmp_path, name_pattern=PATTERN)
    by_rel = {j.rel: j for j in found.jobs}
    j = by_rel["20261122_143005_A001_c01.wav"]
    assert (j.call_id, j.meta["agent_id"], j.meta["started_at"], j.meta["metadata_source"]) == \
        ("c01", "A001", "2026-11-22T14:30:05", "file name")
    k = by_rel["misc/recording.wav"]
    assert (k.call_id, k.meta["metadata_source"], k.meta["started_at_source"]) == \
        ("misc/recording", "none", "file time")
    assert len(found.warnings) == 1 and "1 file(s) did not match the name pattern" in found.warnings[0]


def test_discover_duplicate_call_ids_keep_both_files(tmp_path):
    for rel in ("day1/20261122_090000_A001_c01.wav", "day2/20261123_090000_A002_c01.wav",
                "20261123_100000_A003_c02.wav"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    found = discover(tmp_path, name_pattern=PATTERN)
    ids = {j.rel: j.call_id for j in found.jobs}
    assert ids == {"day1/20261122_090000_A001_c01.wav": "day1/20261122_090000_A001_c01",
                   "day2/20261123_090000_A002_c01.wav": "day2/20261123_090000_A002_c01",
                   "20261123_100000_A003_c02.wav": "c02"}
    assert {j.meta["agent_id"] for j in found.jobs} == {"A001", "A002", "A003"}  # metadata kept
    assert len(found.warnings) == 1 and "claimed by more than one file (c01" in found.warnings[0]


def test_two_batches_write_one_sqlite_file_at_once(tmp_path):
    """Concurrent writers: two `qa batch` processes (transcripts, no ASR) into the same file."""
    procs, n = [], 30
    for k in ("east", "west"):
        folder = tmp_path / k
        folder.mkdir()
        for i in range(n):
            lines = [{"speaker": "agent", "text": "您好，安心保险客服中心，工号1234，很高兴为您服务。"},
                     {"speaker": "customer", "text": f"我想查一下第{i}号保单。"},
                     {"speaker": "agent", "text": "感谢您的来电，再见。"}]
            (folder / f"{k}{i:02d}.jsonl").write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines),
                                                     encoding="utf-8")
        procs.append(subprocess.Popen(qa("batch", folder, "--db", tmp_path / "shared.db", "--include", "*.jsonl",
                                         "--workers", "1"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True, env=_env()))
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-500:] for o in outs]
    con = sqlite3.connect(tmp_path / "shared.db")
    try:
        assert con.execute("select count(*), count(distinct call_id) from calls where status = 'scored'"
                           ).fetchone() == (2 * n, 2 * n)
        per_call = con.execute("select count(*) from checks where call_id = 'east00'").fetchone()[0]
        assert per_call > 0
        assert con.execute("select count(*) from checks").fetchone()[0] == 2 * n * per_call
        assert con.execute("select count(*), sum(status = 'finished') from batch_runs").fetchone() == (2, 2)
    finally:
        con.close()
