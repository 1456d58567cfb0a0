"""The sheet's remaining items: 声音过小's slot, 安抚 with sentiment, the ended-angrier flag.

Dialogues are JSON Lines transcripts re-scored without ASR (as ``qa score dialogue.jsonl``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa_pipeline.pipeline import score_transcript
from qa_pipeline.rules import load_rules

RULES = load_rules()


def _dialogue(tmp_path: Path, lines: list[tuple[str, str]], name: str = "d") -> Path:
    """Write a JSONL dialogue: turns of 3 s with 0.5 s gaps."""
    rows, t = [], 0.5
    for who, text in lines:
        rows.append({"speaker": {"A": "agent", "C": "customer"}[who], "text": text, "start": t, "end": t + 3.0})
        t += 3.5
    p = tmp_path / f"{name}.jsonl"
    p.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    return p


CALM_THEN_ANGRY = [
    ("A", "您好，安心保险客服中心，工号1024，很高兴为您服务。"),
    ("C", "你好，我想问一下我的理赔进度，谢谢。"),
    ("A", "好的，请您提供一下保单号。"),
    ("C", "保单号是PA1234567890，好的谢谢。"),
    ("A", "您的理赔在审核中。"),
    ("C", "怎么回事，等了半天还在审核，太慢了！"),
    ("A", "审核需要时间。"),
    ("C", "太差劲了，我要投诉，真是浪费时间！"),
    ("A", "好的，感谢您的来电，再见。"),
]


def test_the_sheet_still_adds_up_to_100():
    cl = RULES.checklist
    assert sum(s.points for s in cl.sections) == cl.total_points == 100
    items = {i.check: (s.name, i) for s in cl.sections for i in s.items}
    section, vol = items["voice.volume"]
    assert section == "语音语调语速" and vol.group == items["speech.rate"][1].group == "语速音量"
    assert items["attitude.soothe"][1].group == items["language.apology"][1].group


def test_caller_who_ends_angrier_flags_the_call_with_its_reason(tmp_path):
    r = score_transcript(_dialogue(tmp_path, CALM_THEN_ANGRY), rules=RULES)
    by = {c.id: c for c in r.checks}
    assert by["customer.ended_angrier"].status == "fail"
    assert r.flagged and "the caller ended angrier than they began" in r.flag_reasons
    # nobody calmed the caller: 安抚 fails and, with 致歉语, costs the group's one point
    assert by["attitude.soothe"].status == "fail"
    assert by["attitude.soothe"].points + by["language.apology"].points == 0


def test_a_caller_soothed_and_calm_at_the_end_is_not_flagged_for_mood(tmp_path):
    lines = CALM_THEN_ANGRY[:5] + [
        ("C", "怎么回事，等了半天还在审核，太慢了！"),
        ("A", "非常抱歉，理解您的心情，请您放心，我马上帮您催办，今天之内给您回复。"),
        ("C", "好的，明白了，谢谢，辛苦了。"),
        ("A", "不客气，感谢您的来电，再见。"),
    ]
    r = score_transcript(_dialogue(tmp_path, lines), rules=RULES)
    by = {c.id: c for c in r.checks}
    assert by["customer.ended_angrier"].status == "pass"
    assert not any("angrier" in x for x in r.flag_reasons)
    assert by["attitude.soothe"].status == "pass" and by["language.apology"].status == "pass"
    assert by["attitude.soothe"].points + by["language.apology"].points == 1


@pytest.mark.parametrize("quiet, expected", [(False, 2.0), (True, 0.0)], ids=["audible", "too-quiet"])
def test_volume_shares_the_rate_item(tmp_path, quiet, expected):
    """声音过小 and 语速 are one item of 2 (seed: 语速过快或者过慢, 或者声音过小): either fault costs it."""
    p = _dialogue(tmp_path, CALM_THEN_ANGRY[:5])
    prosody = {"agent": {"level_dbfs": -45.0 if quiet else -20.0, "snr_db": 30.0, "voiced_s": 30.0},
               "customer": {"level_dbfs": -42.0 if quiet else -22.0, "snr_db": 30.0, "voiced_s": 20.0}}
    rows = [json.loads(x) for x in p.read_text("utf-8").splitlines()]
    report = {"call_id": "v", "transcript": rows, "metrics": {"prosody": prosody}}
    q = tmp_path / "v.json"
    q.write_text(json.dumps(report, ensure_ascii=False), "utf-8")
    r = score_transcript(q, rules=RULES)
    by = {c.id: c for c in r.checks}
    assert by["voice.volume"].status == ("fail" if quiet else "pass")
    assert by["speech.rate"].points + by["voice.volume"].points == pytest.approx(expected)


def test_a_sample_recording_is_scored_on_the_whole_sheet():
    """The real pipeline (ASR, prosody, sentiment) on one sample call: no manual item, the voice items
    assessed from the audio, auto_coverage ≥ 0.95 (the session-cached transcription of conftest)."""
    from tests.conftest import scored

    report = scored("call01_clean_ulaw")
    by = {c.id: c for c in report.checks}
    assert not [c.id for c in report.checks if c.status == "manual"]
    assert report.score_detail["auto_coverage"] >= 0.95, report.score_detail["low_confidence"]
    for item in ("voice.volume", "voice.intonation", "wording.mandarin", "attitude.warm"):
        assert by[item].status in ("pass", "fail") and by[item].confidence > 0, (item, by[item].summary)
    assert by["customer.ended_angrier"].status == "pass"
    assert sum(s["earned"] for s in report.score_detail["sections"]) == pytest.approx(report.score, abs=0.05)


OUTBOUND_NO_SCRIPT = [("A", "喂，您好。"), ("C", "谁啊？"), ("A", "您那个保单要交钱了。"), ("C", "哦，知道了。"),
                      ("A", "好的，再见。")]


def test_outbound_scripts_follow_the_manifest_direction(tmp_path):
    """The batch passes the manifest's 呼出/呼入 to the rules: the same dialogue fails the outbound
    scripts as an outbound call and is n/a for them as an inbound one."""
    import csv
    import sqlite3
    import subprocess
    import sys

    folder = tmp_path / "calls"
    folder.mkdir()
    for name in ("out1", "in1"):
        _dialogue(folder, OUTBOUND_NO_SCRIPT, name)
    manifest = tmp_path / "manifest.csv"
    with manifest.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerows([["录音文件", "通话编号", "呼叫方向"], ["out1.jsonl", "out1", "呼出"], ["in1.jsonl", "in1", "呼入"]])
    db = tmp_path / "qa.db"
    run = subprocess.run([sys.executable, "-m", "qa_pipeline", "batch", str(folder), "--db", str(db), "--manifest",
                          str(manifest), "--include", "*.jsonl", "--workers", "1"], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    con = sqlite3.connect(db)
    got = {(c, k): s for c, k, s in con.execute(
        "select call_id, check_id, status from checks where check_id like 'outbound.%'")}
    con.close()
    assert got == {("out1", "outbound.purpose"): "fail", ("out1", "outbound.owner"): "fail",
                   ("in1", "outbound.purpose"): "n/a", ("in1", "outbound.owner"): "n/a"}


def test_direction_survives_a_rescore_and_rejects_nonsense(tmp_path):
    from qa_pipeline.errors import QAError

    p = _dialogue(tmp_path, OUTBOUND_NO_SCRIPT)
    report = score_transcript(p, rules=RULES, direction="outbound")
    assert report.diagnostics["direction"] == "outbound"
    stored = tmp_path / "r.json"
    stored.write_text(json.dumps(report.to_dict(), ensure_ascii=False), "utf-8")
    again = {c.id: c.status for c in score_transcript(stored, rules=RULES).checks}
    assert again["outbound.purpose"] == "fail"
    with pytest.raises(QAError, match="not inbound or outbound"):
        score_transcript(p, rules=RULES, direction="sideways")
