"""Re-scoring from transcripts, redaction of outputs, bleeped audio, and the rules CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from qa_pipeline.cli import app
from qa_pipeline.errors import EXIT_BAD_INPUT, EXIT_CONFIG
from qa_pipeline.pipeline import score_transcript
from qa_pipeline.redact import redact_report, redact_text

from .conftest import SAMPLES, scored

runner = CliRunner()

DIALOGUE = [
    {"speaker": "A", "text": "您好，安心保险客服中心，工号1024。"},
    {"speaker": "C", "text": "我想查保费，保单号是88623457，身份证号码是110105194912310021。"},
    {"speaker": "agent", "text": "好的，您的保费是每年3200元。"},
    {"speaker": "customer", "text": "好的，谢谢。"},
    {"speaker": "坐席", "text": "感谢您的来电，再见。"},
]


@pytest.fixture
def jsonl(tmp_path):
    path = tmp_path / "call.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in DIALOGUE), "utf-8")
    return path


def test_jsonl_dialogue_is_scored_without_asr(jsonl):
    report = score_transcript(jsonl)
    by = {c.id: c.status for c in report.checks}
    assert by["opening.greeting"] == "pass" and by["closing.farewell"] == "pass"
    assert by["privacy.identity_verification"] == "pass"
    assert report.score is not None and report.model["name"].startswith("none")


def test_rescoring_our_json_reproduces_the_checks(tmp_path):
    report = scored("call08_taboo_pcm")
    path = tmp_path / "call08.json"
    path.write_text(json.dumps(report.to_dict(), ensure_ascii=False), "utf-8")
    again = score_transcript(path)
    assert [(c.id, c.status) for c in again.checks] == [(c.id, c.status) for c in report.checks]
    assert again.score == report.score and again.timings_s["total_s"] < 5


@pytest.mark.parametrize("text, expected", [
    ("身份证号码是440301199001011234", "身份证号码是4403**********1234"),
    ("新号码是13800138000", "新号码是138****8000"),
    ("联系电话是3912345678", "联系电话是******5678"),   # no valid format, still a long number
    ("保险金额是500000元", "保险金额是500000元"),
    ("尾号6688的银行卡", "尾号6688的银行卡"),
], ids=["resident-id", "mobile", "garbled-number", "amount", "card-suffix"])
def test_redact_text(text, expected):
    assert redact_text(text) == expected


def test_reports_are_redacted_everywhere():
    report = redact_report(scored("call08_taboo_pcm"))
    blob = json.dumps(report.to_dict(), ensure_ascii=False)
    assert report.redacted and "3912345678" not in blob and "32016198804123212" not in blob
    fatal = next(c for c in report.checks if c.id == "privacy.confidential_disclosed")
    assert fatal.status == "fail" and "5678" in fatal.findings[0].quote and "*" in fatal.findings[0].quote


def test_cli_score_transcript_masks_unless_asked(jsonl):
    masked = runner.invoke(app, ["score", str(jsonl), "--json"])
    assert masked.exit_code == 0, masked.output
    data = json.loads(masked.stdout)
    assert data["redacted"] is True and "110105194912310021" not in masked.stdout
    shown = runner.invoke(app, ["score", str(jsonl), "--json", "--show-sensitive"])
    assert "110105194912310021" in shown.stdout and json.loads(shown.stdout)["redacted"] is False
    table = runner.invoke(app, ["score", str(jsonl)])
    assert table.exit_code == 0 and "opening.greeting" in table.stdout and "/100 · auto coverage" in table.stdout


@pytest.mark.parametrize("content, message", [
    ('{"speaker": "boss", "text": "hi"}', "speaker 'boss'"),
    ('{"speaker": "A", "text": "hi"}\n{not json', ":2: not valid JSON"),
    ('', "no utterances"),
], ids=["bad-speaker", "bad-json", "empty"])
def test_cli_bad_transcripts_fail_cleanly(tmp_path, content, message):
    path = tmp_path / "t.jsonl"
    path.write_text(content, "utf-8")
    result = runner.invoke(app, ["score", str(path)])
    assert result.exit_code == EXIT_BAD_INPUT and message in result.output and "Traceback" not in result.output


def test_cli_rules_validate_test_and_errors(tmp_path):
    ok = runner.invoke(app, ["rules", "validate"])
    from qa_pipeline.rules import load_rules

    assert ok.exit_code == 0 and f"{len(load_rules().rules)} rules" in ok.stdout
    tested = runner.invoke(app, ["rules", "test"])
    assert tested.exit_code == 0 and "rule tests passed" in tested.stdout
    (tmp_path / "x.yaml").write_text("version: 1\nrules:\n  - id: a.b\n    title: t\n    forbid: {phrse: {any: [x]}}\n")
    bad = runner.invoke(app, ["rules", "validate", str(tmp_path)])
    assert bad.exit_code == EXIT_CONFIG and "x.yaml:5" in bad.output and "did you mean 'phrases'" in bad.output


def test_cli_rules_test_reports_a_failing_case(tmp_path):
    (tmp_path / "ours.yaml").write_text(
        "version: 1\nrules:\n  - id: ours.no_ok\n    title: 不说好的\n    forbid:\n"
        "      phrases: {speaker: agent, any: [好的]}\n", "utf-8")
    (tmp_path / "ours.test.txt").write_text("# ok: ours.no_ok\nA: 好的，没问题。\n", "utf-8")
    result = runner.invoke(app, ["rules", "test", str(tmp_path)])
    assert result.exit_code == 1 and "ours.test.txt:1" in result.output and "0 of 1" in result.output


def test_cli_redact_bleeps_the_phone_number(tmp_path):
    out = tmp_path / "shared.wav"
    result = runner.invoke(app, ["redact", str(SAMPLES / "call08_taboo_pcm.wav"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    original, rate = sf.read(SAMPLES / "call08_taboo_pcm.wav", always_2d=True)
    copy, rate2 = sf.read(out, always_2d=True)
    assert rate == rate2 and copy.shape == original.shape
    # the agent reads the number at 52.5–57.3 s (truth); that stretch is now a steady tone
    seg = copy[int(55.0 * rate): int(56.0 * rate), 0]
    spectrum = np.abs(np.fft.rfft(seg))
    assert abs(np.argmax(spectrum) * rate / len(seg) - 1000) < 20
    # the opening greeting is untouched
    assert np.allclose(copy[: int(5 * rate)], original[: int(5 * rate)], atol=1e-3)
