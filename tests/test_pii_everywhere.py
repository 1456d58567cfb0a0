"""Masked means masked everywhere (issue 12): plant a valid resident ID, bank card, phone number,
licence plate, address and names in a call, push it through every output, and search each output
for any run of the planted digits longer than the mask keeps (4), and for the hidden words.

Two calls: a JSON Lines dialogue (no ASR; the agent reads out a card number ASR-damaged by one
inserted digit, the phone is read with 幺/洞, one utterance carries words[] that split the ID) and
a real recording (``call05_mono_pcm``: mono, so its role cues quote the customer's ID, one of the
leaks the issue found). Both are scored with a project's rules folder whose name cue (户主是) the
default rules do not know. The outputs: ``qa score --json``, ``-o``, the terminal summary, the
batch's SQLite file (every text cell of every table), the batch's log (stdout/stderr, including a
bad file whose error quotes its content), the review API (call, queue, decisions, history,
appeal, ruling) and its CSV/XLSX exports, ``qa report`` as table/CSV/XLSX/Parquet, and
``qa sample -o``.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from stdnum import luhn
from stdnum.cn import ric
from typer.testing import CliRunner

from qa_pipeline.cli import app

from .conftest import SAMPLES

runner = CliRunner()

RESIDENT_ID = "440106198808083016"          # GB 11643 valid
CARD = "6217003764128593045"                # 19 digits, Luhn valid
CARD_HEARD = "62170037641285930455"         # as ASR heard it: one digit inserted, no checksum fits
PHONE = "13957246810"
PHONE_SPOKEN = "幺三九五七二四六八幺洞"       # 幺 = 1, 洞 = 0
PLATE = "粤B6Q8R3"
ADDRESS = "广州市天河区体育西路一百九十一号B座二十楼"
AUDIO_ID = "110105198503071234"             # what call05's customer reads out (the recognizer drops a digit)
SECRETS = {"resident_id": RESIDENT_ID, "bank_card": CARD, "mobile": PHONE, "audio_resident_id": AUDIO_ID}
# Words that must never show: the plate's hidden part, the address below its district, the given names.
HIDDEN_WORDS = ("6Q8R3", "体育西路", "191号", "一百九十一号", "B座20楼", "明华", "光明")
MAX_RUN = 4  # the most consecutive digits of a number any mask keeps

DIALOGUE = [
    {"speaker": "A", "text": "您好，安心保险客服中心，工号1024，很高兴为您服务。"},
    {"speaker": "C", "text": f"我想查一下我的保单，我叫欧阳明华，身份证号码是{RESIDENT_ID}。",
     "words": [{"start": 3.0, "end": 5.0, "text": "我想查一下我的保单，我叫欧阳明华，身份证号码是"},
               {"start": 5.0, "end": 5.6, "text": RESIDENT_ID[:6]}, {"start": 5.6, "end": 6.0, "text": RESIDENT_ID[6:10]},
               {"start": 6.0, "end": 6.4, "text": RESIDENT_ID[10:14]}, {"start": 6.4, "end": 6.8, "text": RESIDENT_ID[14:]}]},
    {"speaker": "A", "text": "好的，请您提供一下手机号和车牌号。"},
    {"speaker": "C", "text": f"手机号是{PHONE_SPOKEN}，车牌是{PLATE}。"},
    {"speaker": "A", "text": f"好的，您的还款卡号是{CARD_HEARD}，保单寄到{ADDRESS}了。"},
    {"speaker": "C", "text": "户主是司马光明，对的。"},
    {"speaker": "A", "text": "感谢您的来电，再见。"},
]
PROJECT_ENTITIES = """version: 1
entities:
  name_cues: [投保人是, 投保人叫, 被保险人是, 被保险人叫, 姓名是, 我叫, 名字是, 本人是, 户主是]
"""
_AS_DIGITS = str.maketrans({**dict(zip("零〇洞一幺二两三四五六七八九", "00011223456789")),
                            **{chr(0xFF10 + i): str(i) for i in range(10)}})


def leaks(where: str, text: str) -> list[str]:
    """What ``text`` (one output) shows that it must not."""
    found = []
    digits = text.translate(_AS_DIGITS)
    for run in re.findall(r"\d+", digits):
        for name, secret in SECRETS.items():
            for i in range(len(run) - MAX_RUN):
                if run[i:i + MAX_RUN + 1] in secret:
                    found.append(f"{where}: {len(run)}-digit run {run!r} shows {name} digits")
                    break
    found += [f"{where}: shows {w!r}" for w in HIDDEN_WORDS if w in text]
    return found


def walk(where: str, obj) -> list[str]:
    """Every string of a JSON value, and the joined text of every words[] list."""
    if isinstance(obj, str):
        out = leaks(where, obj)
        if obj[:1] in "{[":
            try:
                return out + walk(where, json.loads(obj))
            except ValueError:
                pass
        return out
    if isinstance(obj, dict):
        return [x for k, v in obj.items() for x in walk(f"{where}.{k}", v)]
    if isinstance(obj, list):
        out = [x for i, v in enumerate(obj) for x in walk(f"{where}[{i}]", v)]
        if obj and all(isinstance(w, dict) and isinstance(w.get("text"), str) for w in obj):
            out += leaks(f"{where} joined", "".join(w["text"] for w in obj))
        return out
    return []


def db_leaks(where: str, db: Path) -> list[str]:
    con = sqlite3.connect(db)
    try:
        out = []
        for (table,) in con.execute("select name from sqlite_master where type = 'table'"):
            for row in con.execute(f'select * from "{table}"'):
                for v in row:
                    if isinstance(v, bytes):
                        v = v.decode("utf-8", "replace")
                    if isinstance(v, str):
                        out += walk(f"{where}:{table}", v)
        return out
    finally:
        con.close()


def xlsx_text(data: bytes | Path) -> str:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data) if isinstance(data, bytes) else data, read_only=True)
    return "\n".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row
                     if c is not None)


def test_planted_values_are_valid():
    assert ric.is_valid(RESIDENT_ID) and luhn.is_valid(CARD) and not luhn.is_valid(CARD_HEARD)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Both calls scored by the CLI and by a batch into SQLite, with the project's rules."""
    root = tmp_path_factory.mktemp("pii")
    rules = root / "rules"
    rules.mkdir()
    (rules / "entities.yaml").write_text(PROJECT_ENTITIES, "utf-8")
    calls = root / "calls"
    calls.mkdir()
    (calls / "planted.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in DIALOGUE), "utf-8")
    shutil.copy(SAMPLES / "call05_mono_pcm.wav", calls / "mono.wav")
    bad = [{"speaker": f"客户{PHONE}", "text": "你好"}]  # its error message quotes the speaker field
    (calls / "broken.jsonl").write_text(json.dumps(bad[0], ensure_ascii=False), "utf-8")
    out: dict = {"root": root, "rules": rules, "calls": calls, "leaks": []}

    # qa score: --json, -o and the summary, for the dialogue and the recording
    r = runner.invoke(app, ["score", str(calls / "planted.jsonl"), "--json", "--rules", str(rules),
                            "-o", str(root / "planted.json")])
    assert r.exit_code == 0, r.output
    out["planted"] = json.loads(r.stdout)
    out["leaks"] += walk("score --json", out["planted"])
    out["leaks"] += walk("score -o", json.loads((root / "planted.json").read_text("utf-8")))
    r = runner.invoke(app, ["score", str(calls / "planted.jsonl"), "--rules", str(rules)], terminal_width=200)
    assert r.exit_code == 0, r.output
    out["leaks"] += leaks("score summary", r.output)
    r = runner.invoke(app, ["score", str(calls / "mono.wav"), "--rules", str(rules), "-o", str(root / "mono.json")],
                      terminal_width=200)
    assert r.exit_code == 0, r.output
    out["leaks"] += leaks("score summary (audio)", r.output)
    out["mono"] = json.loads((root / "mono.json").read_text("utf-8"))
    out["leaks"] += walk("score -o (audio)", out["mono"])
    r = runner.invoke(app, ["score", str(calls / "broken.jsonl")])
    assert r.exit_code == 3
    out["leaks"] += leaks("score error", r.output)

    # qa batch into SQLite (the default: masked), its log
    db = root / "qa.db"
    b = subprocess.run([sys.executable, "-m", "qa_pipeline", "batch", str(calls), "--db", str(db), "--rules",
                        str(rules), "--workers", "1", "--include", "*.jsonl", "--include", "*.wav"],
                       capture_output=True, text=True, timeout=900)
    assert b.returncode == 5, b.stderr[-2000:]  # the broken file fails, the rest is stored
    out["leaks"] += leaks("batch stdout", b.stdout) + leaks("batch stderr", b.stderr)
    out["db"] = db
    return out


def test_cli_outputs_mask_everything(world):
    assert world["planted"]["redacted"] is True and world["mono"]["speakers"]["cues"]
    assert [x for x in world["leaks"] if not x.startswith("batch")] == []


def test_batch_log_and_database_mask_everything(world):
    assert [x for x in world["leaks"] if x.startswith("batch")] == []
    con = sqlite3.connect(world["db"])
    statuses = dict(con.execute("select call_id, status from calls").fetchall())
    con.close()
    assert statuses == {"planted": "scored", "mono": "scored", "broken": "failed"}
    assert db_leaks("db", world["db"]) == []


def test_project_rules_reach_every_output(world):
    # the project's name cue (户主是) masks 司马光明 in the JSON, the database and the review API
    text = json.dumps(world["planted"], ensure_ascii=False)
    assert "户主是司马**" in text


def test_confidential_read_out_is_caught(world):
    checks = {c["id"]: c["status"] for c in world["planted"]["checks"]}
    assert checks["privacy.confidential_disclosed"] == "fail"


@pytest.fixture(scope="module")
def reviewed(world):
    """Reviewer decisions with personal data typed into them, through the review API."""
    from qa_pipeline.review.app import create_app
    from qa_pipeline.review.state import User
    from qa_pipeline.store import Store

    db = world["root"] / "reviewed.db"
    shutil.copy(world["db"], db)
    tokens = {"t-reviewer-0123456789": User("王质检", "reviewer"), "t-senior-0123456789a": User("陈主管", "senior"),
              "t-admin-0123456789ab": User("admin", "admin")}
    client = TestClient(create_app(Store(db), tokens, rules_dir=world["rules"]))
    rev, sen, adm = ({"authorization": f"Bearer {t}"} for t in tokens)
    posts = [
        (rev, {"kind": "check", "target": "privacy.confidential_disclosed", "value": "dispute",
               "reason": f"卡号{CARD}是客户自己先说的"}),
        (rev, {"kind": "comment", "reason": f"客户新手机{PHONE}，地址广州市天河区体育西路191号B座20楼"}),
        (rev, {"kind": "comment", "reason": "=HYPERLINK(\"http://evil\",\"点我\")"}),
        (rev, {"kind": "status", "value": "reviewed"}),
        (adm, {"kind": "appeal", "reason": f"身份证{RESIDENT_ID}是本人，户主是司马光明"}),
        (sen, {"kind": "ruling", "value": "upheld", "reason": f"核对了卡号 {CARD[:4]} {CARD[4:8]} {CARD[8:12]} "
                                                              f"{CARD[12:16]} {CARD[16:]}"}),
    ]
    answers = []
    for who, body in posts:
        r = client.post("/api/calls/planted/events", headers=who, json=body)
        assert r.status_code == 200, r.text
        answers.append(r.json())
    return {"client": client, "headers": rev, "db": db, "answers": answers}


def test_review_api_masks_everything(reviewed):
    c, h = reviewed["client"], reviewed["headers"]
    found = walk("POST events", reviewed["answers"])
    for call_id in ("planted", "mono"):
        r = c.get(f"/api/calls/{call_id}", headers=h)
        assert r.status_code == 200
        found += walk(f"/api/calls/{call_id}", r.json())
    body = c.get("/api/calls/planted", headers=h).json()
    assert len(body["history"]) == 6 and body["review"]["appeal"]["reason"]
    found += walk("/api/queue", c.get("/api/queue", headers=h).json())
    assert found == []


def test_review_exports_mask_and_escape(reviewed):
    c, h = reviewed["client"], reviewed["headers"]
    csv = c.get("/api/export.csv", headers=h).content.decode("utf-8-sig")
    xlsx = c.get("/api/export.xlsx", headers=h).content
    assert "'=HYPERLINK" in csv and "\n=HYPERLINK" not in csv and ",=HYPERLINK" not in csv
    assert leaks("export.csv", csv) + leaks("export.xlsx", xlsx_text(xlsx)) == []


def test_stored_reviews_stay_masked(reviewed):
    assert db_leaks("db after reviews", reviewed["db"]) == []


def test_reports_and_samples_mask_and_escape(reviewed, tmp_path):
    import pandas as pd

    db = str(reviewed["db"])
    found = []
    r = runner.invoke(app, ["report", "--db", db], terminal_width=200)
    assert r.exit_code == 0, r.output
    found += leaks("report table", r.output)
    for fmt in ("csv", "xlsx", "parquet"):
        r = runner.invoke(app, ["report", "--db", db, "--format", fmt, "-o", str(tmp_path / fmt)])
        assert r.exit_code == 0, r.output
        for path in (tmp_path / fmt).rglob("*.*"):
            text = (xlsx_text(path) if fmt == "xlsx" else path.read_text("utf-8-sig") if fmt == "csv"
                    else pd.read_parquet(path).to_csv())
            found += leaks(f"report {path.name}", text)
    r = runner.invoke(app, ["sample", "--db", db, "--rate", "1", "-o", str(tmp_path / "sample.csv")])
    assert r.exit_code == 0, r.output
    found += leaks("sample.csv", (tmp_path / "sample.csv").read_text("utf-8-sig"))
    assert found == []
