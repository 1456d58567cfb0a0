"""The night never stops for one file, and a night that does stop says so: broken links, a full disk, bad start
times in a manifest, MP3 decoder chatter. Real ``qa batch`` processes on real files and SQLite databases; the
full disk is a real file-size limit (RLIMIT_FSIZE) on the batch process, so SQLite's writes really fail."""

from __future__ import annotations

import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from qa_pipeline.store import Store

from .conftest import SAMPLES

LINES = [("agent", "您好，安心保险客服中心，很高兴为您服务。"), ("customer", "你好，我想查一下保单。"),
         ("agent", "好的，请问您的保单号是多少？"), ("customer", "好的，谢谢。"),
         ("agent", "感谢您的来电，祝您生活愉快，再见。")]


def dialogue(path: Path, repeat: int = 1) -> None:
    t0, rows = 0.5, []
    for speaker, text in LINES * repeat:
        rows.append({"speaker": speaker, "start": t0, "end": round(t0 + len(text) / 4, 2), "text": text})
        t0 = round(t0 + len(text) / 4 + 0.6, 2)
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")


def run_qa(*args: object, preexec_fn=None, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env.pop("QA_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "qa_pipeline", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env, preexec_fn=preexec_fn)


def rows(db: Path, query: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def error_lines(stderr: str) -> list[str]:
    return [x for x in stderr.splitlines() if x.startswith("error:")]


# -- broken links -----------------------------------------------------------------------------------------

def test_broken_links_are_failed_items_and_the_night_goes_on(tmp_path):
    folder = tmp_path / "calls"
    (folder / "sub").mkdir(parents=True)
    dialogue(folder / "good.jsonl")
    (folder / "dangling.jsonl").symlink_to(folder / "gone.jsonl")
    (folder / "loop_a.jsonl").symlink_to("loop_b.jsonl")
    (folder / "loop_b.jsonl").symlink_to("loop_a.jsonl")
    (folder / "self.jsonl").symlink_to("self.jsonl")
    (folder / "alias.jsonl").symlink_to("good.jsonl")  # a working link is scored like its file
    (folder / "sub" / "up").symlink_to("..")  # a folder link back up: not walked into
    db = tmp_path / "qa.db"
    r = run_qa("batch", folder, "--db", db, "--include", "*.jsonl", "--workers", 1)
    assert r.returncode == 5, (r.stdout, r.stderr)  # finished, some calls failed
    assert "Traceback" not in r.stderr + r.stdout
    got = {cid: (status, kind, error) for cid, status, kind, error in
           rows(db, "select call_id, status, error_kind, error from calls")}
    assert {cid: s for cid, (s, _, _) in got.items()} == {
        "good": "scored", "alias": "scored", "dangling": "failed", "loop_a": "failed", "loop_b": "failed",
        "self": "failed"}
    for cid, says in (("dangling", "link to"), ("loop_a", "loop"), ("loop_b", "loop"), ("self", "loop")):
        status, kind, error = got[cid]
        assert kind == "BrokenLink" and says in error and f"{cid}.jsonl" in error and "\n" not in error, error
    assert rows(db, "select status, n_found, n_scored, n_failed from batch_runs") == [("finished", 6, 2, 4)]


def test_broken_link_under_a_manifest_keeps_its_metadata(tmp_path):
    folder = tmp_path / "calls"
    folder.mkdir()
    dialogue(folder / "a1.jsonl")
    (folder / "a2.jsonl").symlink_to("a2.jsonl")
    manifest = tmp_path / "m.csv"
    manifest.write_text("录音文件,通话编号,工号\na1.jsonl,call-1,A01\na2.jsonl,call-2,A02\n", encoding="utf-8")
    db = tmp_path / "qa.db"
    r = run_qa("batch", folder, "--db", db, "--manifest", manifest, "--include", "*.jsonl", "--workers", 1)
    assert r.returncode == 5, (r.stdout, r.stderr)
    assert rows(db, "select call_id, status, error_kind, agent_id from calls order by 1") == [
        ("call-1", "scored", None, "A01"), ("call-2", "failed", "BrokenLink", "A02")]


# -- a full disk ----------------------------------------------------------------------------------------

def test_a_run_stopped_by_a_full_disk_is_recorded_failed_not_finished(tmp_path):
    folder = tmp_path / "calls"
    folder.mkdir()
    n = 40
    for i in range(n):
        dialogue(folder / f"c{i:02d}.jsonl", repeat=4)
    db = tmp_path / "qa.db"
    Store(db).close()  # an existing database, as on every night but the first
    limit = db.stat().st_size + 200_000  # room for a few calls, then every write fails as on a full disk

    def full_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    r = run_qa("batch", folder, "--db", db, "--include", "*.jsonl", "--workers", 1, preexec_fn=full_disk)
    assert r.returncode == 4, (r.stdout, r.stderr)  # a database problem, not a finished night
    assert "Traceback" not in r.stderr
    errors = error_lines(r.stderr)
    assert len(errors) == 1 and str(db.name) in errors[0] and "free space" in errors[0], r.stderr[-2000:]
    (run_id, status, scored, options), = rows(db, "select run_id, status, n_scored, options from batch_runs")
    assert status == "failed" and 0 < scored < n
    assert "StoreError" in json.loads(options)["error"]
    stored = rows(db, "select call_id from calls")
    assert len(stored) == scored  # the call being written when the disk filled is not half there
    assert rows(db, "select count(distinct call_id) from reports") == [(scored,)]
    # space again: the next run finishes the night and leaves the failed one on record
    again = run_qa("batch", folder, "--db", db, "--include", "*.jsonl", "--workers", 1)
    assert again.returncode == 0, (again.stdout, again.stderr)
    assert rows(db, "select run_id, status, n_scored, n_skipped from batch_runs order by 1") == [
        (run_id, "failed", scored, 0), (run_id + 1, "finished", n - scored, scored)]


# -- bad start times in a manifest ------------------------------------------------------------------------

BAD_TIMES = [  # (file name, manifest text, row named in the error)
    ("m.csv", "录音文件,工号,开始时间\na1.jsonl,A01,2026-11-22 09:00:00\na2.jsonl,A02,NaN\n", 3),
    ("m.csv", "file,agent_id,started_at\na1.jsonl,A01,nan\n", 2),
    ("m.csv", "file,agent_id,started_at\na1.jsonl,A01,Infinity\n", 2),
    ("m.csv", "file,agent_id,started_at\na1.jsonl,A01,yesterday\n", 2),
    ("m.csv", "file,agent_id,started_at\na1.jsonl,A01,2026-13-45 25:00:00\n", 2),
    ("m.jsonl", '{"file": "a1.jsonl", "started_at": "2026-11-22 09:00"}\n{"file": "a2.jsonl", "started_at": NaN}\n', 2),
    ("m.jsonl", '{"file": "a1.jsonl", "started_at": Infinity}\n', 1),
    ("m.jsonl", '{"file": "a1.jsonl", "started_at": true}\n', 1),
]


@pytest.mark.parametrize("name, text, row", BAD_TIMES,
                         ids=["csv-NaN", "csv-nan", "csv-Infinity", "csv-word", "csv-no-such-day", "jsonl-NaN",
                              "jsonl-Infinity", "jsonl-bool"])
def test_unusable_start_time_in_a_manifest_is_bad_input(tmp_path, name, text, row):
    folder = tmp_path / "calls"
    folder.mkdir()
    dialogue(folder / "a1.jsonl")
    dialogue(folder / "a2.jsonl")
    manifest = tmp_path / name
    manifest.write_text(text, encoding="utf-8")
    db = tmp_path / "qa.db"
    r = run_qa("batch", folder, "--db", db, "--manifest", manifest, "--include", "*.jsonl", "--workers", 1)
    assert r.returncode == 3, (r.stdout, r.stderr)
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), r.stderr
    assert f"{name}: row {row}: start time" in lines[0] and "2026-11-22 14:30:05" in lines[0], lines[0]
    assert not db.exists() or rows(db, "select count(*) from calls") == [(0,)]


def test_empty_and_missing_start_times_are_fine(tmp_path):
    folder = tmp_path / "calls"
    folder.mkdir()
    dialogue(folder / "a1.jsonl")
    dialogue(folder / "a2.jsonl")
    manifest = tmp_path / "m.jsonl"
    manifest.write_text('{"file": "a1.jsonl", "agent_id": "A01"}\n{"file": "a2.jsonl", "started_at": "", '
                        '"agent_id": "A02"}\n', encoding="utf-8")
    db = tmp_path / "qa.db"
    r = run_qa("batch", folder, "--db", db, "--manifest", manifest, "--include", "*.jsonl", "--workers", 1)
    assert r.returncode == 0, (r.stdout, r.stderr)
    got = rows(db, "select call_id, agent_id, json_extract(meta, '$.started_at_source') from calls order by 1")
    assert got == [("a1", "A01", "file time"), ("a2", "A02", "file time")]


# -- MP3 decoder chatter ---------------------------------------------------------------------------------

def test_mp3_decoder_chatter_stays_off_stderr(tmp_path):
    data = (SAMPLES / "call03_interrupt_mp3.mp3").read_bytes()
    damaged = tmp_path / "damaged.mp3"  # a gap of zeros inside: the decoder skips it and resyncs
    damaged.write_bytes(data[: len(data) // 3] + b"\0" * 500 + data[len(data) // 2:])
    code = ("import sys; from qa_pipeline.audio import load_audio; r = load_audio(sys.argv[1]); "
            "print(round(r.duration_s, 1)); print('still here', file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", code, str(damaged)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert float(r.stdout.strip()) > 10  # it decoded what it could
    assert r.stderr.strip() == "still here", r.stderr  # no "Note: Illegal Audio-MPEG-Header", stderr works after
