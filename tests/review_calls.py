"""A results database of transcript calls (no ASR: quick) for the review workbench's tests, made by a real
`qa batch`: t1 fails the taboo-phrase, greeting and farewell items (agent A001); t2 passes them (A002)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CALLS = {
    "t1": ("A001", "王芳", "车险一组", "2026-11-20 10:05:00", [
        ("agent", 0.5, 3.0, "喂，什么事？"),
        ("customer", 3.5, 6.0, "我想查一下我的保单。"),
        ("agent", 6.5, 9.0, "这个我不知道，你自己去查。"),
        ("customer", 9.5, 11.0, "那好吧。"),
        ("agent", 11.5, 12.0, "挂了。")]),
    "t2": ("A002", "李娜", "车险一组", "2026-11-20 11:30:00", [
        ("agent", 0.5, 5.5, "您好，安心保险客服中心，工号1234，很高兴为您服务。"),
        ("customer", 6.0, 9.0, "我想问一下理赔进度。"),
        ("agent", 9.5, 13.5, "好的，请您稍等，我帮您查询一下。"),
        ("agent", 14.0, 18.5, "感谢您的来电，祝您生活愉快，再见。")]),
}


@pytest.fixture(scope="session")
def transcript_db(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("workbench")
    folder = root / "calls"
    folder.mkdir()
    rows = ["file,call_id,agent_id,agent_name,team,started_at,direction"]
    for cid, (agent, name, team, started, lines) in CALLS.items():
        (folder / f"{cid}.jsonl").write_text("\n".join(json.dumps({"speaker": s, "start": a, "end": b, "text": x},
                                                                  ensure_ascii=False) for s, a, b, x in lines), "utf-8")
        rows.append(f"{cid}.jsonl,{cid},{agent},{name},{team},{started},inbound")
    (root / "manifest.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    db = root / "qa.db"
    r = subprocess.run([sys.executable, "-m", "qa_pipeline", "batch", str(folder), "--db", str(db), "--manifest",
                        str(root / "manifest.csv"), "--include", "*.jsonl"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    return db


@pytest.fixture()
def wb_db(transcript_db, tmp_path) -> Path:
    """A fresh copy per test (decisions change it)."""
    copy = tmp_path / "wb.db"
    shutil.copy(transcript_db, copy)
    return copy


def bearer(users: dict[str, tuple[str, str]], name: str) -> dict:
    """The Authorization header of ``name`` in a users table (name → (token, role))."""
    return {"authorization": f"Bearer {users[name][0]}"}


def serve_with_users(db: Path, tmp_path: Path, users: dict[str, tuple[str, str]]):
    """`qa review --users` as a process over ``db``, with a users file written from ``users``."""
    from .test_review_web import review_server

    path = tmp_path / "users.yaml"
    path.write_text("users:\n" + "".join(f"  - {{name: {n}, token: {t}, role: {r}}}\n" for n, (t, r) in users.items()),
                    encoding="utf-8")
    return review_server(db, "--users", str(path))


def submit_agreeing(url: str, call_id: str, headers: dict) -> None:
    """Submit a call's review agreeing with every item that needs a decision (through the API)."""
    import httpx

    from qa_pipeline.review.sheet import needs_decision

    report = httpx.get(f"{url}/api/calls/{call_id}", headers=headers).json()["report"]
    items = {c["id"]: {"verdict": "agree"} for c in report["checks"] if needs_decision(c)}
    r = httpx.post(f"{url}/api/calls/{call_id}/review", headers=headers, json={"items": items}, timeout=60)
    assert r.status_code == 200, r.text
