"""Stores for the reviewer-annotation tests, made by a real `qa batch` of JSONL transcripts (no ASR: quick).

m1 (agent A001): the closing was misheard (嗯，那就这样 for 感谢您的来电，再见: closing.farewell fails) and
the customer's 保费 heard as 宝费; the agent's 你自己去看合同 is no phrase the rules know (language.banned_phrase
passes). m2 (A002): a mono call whose speakers are swapped (the agent's greeting and farewell are
labelled customer), and 宝费 again. ``annot_store``: masked as the batch stores by default;
``annot_store_sensitive``: ``--store-sensitive``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ID_NUMBER = "110105194912310021"
CALLS = {
    "m1": ("A001", "王芳", [
        ("agent", 0.5, 4.0, "您好，安心保险客服中心，工号1234，很高兴为您服务。"),
        ("customer", 4.5, 9.0, f"我想查一下保单的宝费，身份证号码是{ID_NUMBER}。"),
        ("agent", 9.5, 12.0, "好的，请您稍等，我帮您查询一下。"),
        ("agent", 12.5, 15.0, "这个你自己去看合同吧。"),
        ("agent", 15.5, 17.0, "嗯，那就这样。")]),
    "m2": ("A002", "李娜", [
        ("customer", 0.5, 4.0, "您好，安心保险客服中心，工号5678，很高兴为您服务。"),
        ("agent", 4.5, 8.0, "我想问一下我的宝费交了没有。"),
        ("customer", 8.5, 11.0, "好的，请您稍等，我帮您查询一下。"),
        ("customer", 11.5, 14.0, "感谢您的来电，再见。")]),
}


def _batch(root: Path, *extra: str) -> Path:
    folder = root / "calls"
    if not folder.exists():
        folder.mkdir()
        rows = ["file,call_id,agent_id,agent_name,team,started_at,direction"]
        for cid, (agent, name, lines) in CALLS.items():
            (folder / f"{cid}.jsonl").write_text("\n".join(json.dumps(
                {"speaker": s, "start": a, "end": b, "text": x}, ensure_ascii=False) for s, a, b, x in lines), "utf-8")
            rows.append(f"{cid}.jsonl,{cid},{agent},{name},车险一组,2026-11-20 10:00:00,inbound")
        (root / "manifest.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    db = root / ("qa-sensitive.db" if extra else "qa.db")
    r = subprocess.run([sys.executable, "-m", "qa_pipeline", "batch", str(folder), "--db", str(db), "--manifest",
                        str(root / "manifest.csv"), "--include", "*.jsonl", *extra],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    return db


@pytest.fixture(scope="session")
def annot_stores(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("annotations")
    return {"masked": _batch(root), "sensitive": _batch(root, "--store-sensitive")}


@pytest.fixture()
def annot_db(annot_stores, tmp_path) -> Path:
    """A fresh copy of the masked store per test."""
    copy = tmp_path / "qa.db"
    shutil.copy(annot_stores["masked"], copy)
    return copy


@pytest.fixture()
def annot_db_sensitive(annot_stores, tmp_path) -> Path:
    copy = tmp_path / "qa-sensitive.db"
    shutil.copy(annot_stores["sensitive"], copy)
    return copy
