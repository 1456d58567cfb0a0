"""The one redaction path (qa_pipeline.redact.redact_data) and output hygiene (qa_pipeline.sanitize),
on transcripts and plain data: no ASR."""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import pytest
from rich.console import Console

from qa_pipeline.entities import EntityOptions
from qa_pipeline.pipeline import score_transcript
from qa_pipeline.redact import redact_data, redact_report, redact_text
from qa_pipeline.render import render
from qa_pipeline.sanitize import csv_cell, csv_safe, terminal_text
from qa_pipeline.types import Utterance, Word


@pytest.mark.parametrize(("text", "expected"), [
    ("电话幺三九五七二四六八幺洞", "电话幺三九****六八幺洞"),                           # raw ASR text: spoken digits
    ("电话１３９５７２４６８１０", "电话*******６８１０"),                              # full-width digits
    ("字幕由Amara.org社群提供 13957246810", "字幕由Amara.org社群提供 139****6810"),     # a hallucination
    ("还款卡号是62170037641285930455", "还款卡号是6217************0455"),             # one digit inserted
    ("寄到广州市天河区体育西路191号B座20楼", "寄到广州市天河区*************"),            # an address
    ("工号幺洞九，很高兴为您服务", "工号幺洞九，很高兴为您服务"),                        # a staff number stays
], ids=["spoken", "fullwidth", "hallucination", "damaged-card", "address", "staff-number"])
def test_redact_text(text, expected):
    assert redact_text(text) == expected


def test_project_cues_are_used():
    opts = EntityOptions(name_cues=("户主是",))
    assert redact_text("户主是司马光明", opts) == "户主是司马**"
    assert redact_text("户主是司马光明") == "户主是司马光明"  # the defaults do not know the cue


def test_words_are_masked_on_their_joined_text():
    pieces = ["身份证号码是", "440106", "1988", "0808", "3016"]
    words = tuple(Word(float(i), i + 1.0, p, 1.0) for i, p in enumerate(pieces))
    u = Utterance("customer", 0.0, 5.0, "身份证号码是440106198808083016", "".join(pieces), words)
    masked = redact_data(u)
    assert [w.text for w in masked.words] == ["身份证号码是", "4401**", "****", "****", "3016"]
    assert masked.text == masked.raw_text == "身份证号码是4401**********3016"
    as_json = redact_data({"text": u.text, "raw_text": u.raw_text, "words": [{"text": p} for p in pieces]})
    assert [w["text"] for w in as_json["words"]] == ["身份证号码是", "4401**", "****", "****", "3016"]


def test_identifiers_are_kept_and_every_other_text_masked():
    data = {"call_id": "20261122_13957246810", "file": "/calls/13957246810.wav",
            "audio": {"sha256": "a1234567890b"}, "rules": {"version": "1234567abc"},
            "diagnostics": {"dropped_hallucinations": ["请拨打13957246810"]},
            "flag_reasons": ["客户说13957246810"], "history": [{"reason": "卡号6217003764128593045", "at": 1}]}
    out = redact_data(data)
    assert out["call_id"] == data["call_id"] and out["file"] == data["file"]
    assert out["audio"] == data["audio"] and out["rules"] == data["rules"]
    assert out["diagnostics"]["dropped_hallucinations"] == ["请拨打139****6810"]
    assert out["flag_reasons"] == ["客户说139****6810"]
    assert out["history"] == [{"reason": "卡号6217***********3045", "at": 1}]


def test_dataframes_are_masked_column_by_column():
    df = pd.DataFrame({"call_id": ["13957246810"], "reason": ["电话13957246810"], "n": [13957246810]})
    out = redact_data(df)
    assert out.loc[0, "reason"] == "电话139****6810" and out.loc[0, "call_id"] == "13957246810"
    assert out.loc[0, "n"] == 13957246810  # numbers are values, not text


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"), ("+86 139", "'+86 139"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"),
    ("正常文本", "正常文本"), (-2.0, -2.0), (None, None),
], ids=["equals", "plus", "minus", "at", "tab", "text", "number", "none"])
def test_csv_cells_never_run(value, expected):
    assert csv_cell(value) == expected


def test_csv_safe_frame():
    df = pd.DataFrame({"reason": ["=HYPERLINK(\"x\")", "ok"], "score": [-1.0, 2.0]})
    assert csv_safe(df).to_csv(index=False).splitlines()[1].startswith("\"'=HYPERLINK")


@pytest.mark.parametrize(("text", "expected"), [
    ("好\x1b[2J的", "好\ufffd[2J的"), ("\x9b31m红", "\ufffd31m红"), ("a\u202eb", "a\ufffdb"), ("正常", "正常"),
], ids=["ansi", "c1-csi", "bidi-override", "plain"])
def test_terminal_text(text, expected):
    assert terminal_text(text) == expected


def test_summary_prints_no_control_characters_and_no_numbers(tmp_path):
    path = tmp_path / "ctl.jsonl"
    rows = [{"speaker": "agent", "text": "您好，安心保险客服中心，工号1024。\x1b]8;;http://evil\x07点我\x1b]8;;\x07"},
            {"speaker": "customer", "text": "我的手机号是13957246810\x1b[2J"}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    report = redact_report(score_transcript(path))
    buf = io.StringIO()
    render(report, Console(file=buf, width=200, color_system=None))
    out = buf.getvalue()
    assert "\x1b" not in out and "\x07" not in out
    assert "13957246810" not in out and "139****6810" in out


def test_cli_error_line_has_no_control_characters(tmp_path):
    from typer.testing import CliRunner

    from qa_pipeline.cli import app

    path = tmp_path / "bad\x1b[2J.jsonl"
    path.write_text(json.dumps({"speaker": "客户\x1b]0;pwned\x07", "text": "你好"}, ensure_ascii=False), "utf-8")
    r = CliRunner().invoke(app, ["score", str(path)])
    assert r.exit_code == 3 and "\x1b" not in r.output and "\x07" not in r.output and "error:" in r.output


def test_words_hidden_when_only_the_normalized_text_shows_the_number():
    # ASR's words spell the number with units (一千三百…) that no digit rule sees; normalization does
    pieces = ["手机号是", "一三九", "五七二四", "六八一零"]
    words = tuple(Word(float(i), i + 1.0, p, 1.0) for i, p in enumerate(pieces))
    u = Utterance("customer", 0.0, 4.0, "手机号是13957246810", "手机号是一三九五七二四六八一零", words)
    masked = redact_data(u)
    assert "13957246810" not in masked.text
    assert all(len(re.findall(r"[0-9一二三四五六七八九零]", w.text)) <= 4 for w in masked.words)
