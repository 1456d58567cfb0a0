"""Every finding's ``why`` and check's ``summary`` wholly in the interface language: one catalog
(``qa_pipeline/messages.py``) gives each message in English and Chinese; reports carry both (``why`` /
``why_zh``, ``summary`` / ``summary_zh``); the Chinese is masked like the English for a user without
the sensitive right."""

from __future__ import annotations

import json
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from qa_pipeline.messages import MESSAGES, Text, join, msg, summary_of, why_of
from qa_pipeline.pipeline import score_transcript, with_reviewer_findings
from qa_pipeline.review.app import create_app
from qa_pipeline.review.state import User
from qa_pipeline.store import Store
from qa_pipeline.types import CheckResult, Finding, Interval

SHEET = Path(__file__).parent / "data" / "sheet"
# What may stay in Latin letters inside a Chinese text: units, a regex between slashes, a rule id
# (wording.address), a file path, quotes of what was said, and the reviewer's own words.
UNITS = {"dB", "dBFS", "Hz", "kHz"}
_ALLOWED = re.compile(r"/[^/]*/|「[^」]*」|rules/[\w./]+|\b[a-z_]+(?:\.[a-z_]+)+\b")


def english_words(zh: str) -> list[str]:
    """Latin-letter words in a Chinese text, less units, ids, patterns and quotes."""
    return [w for w in re.findall(r"[A-Za-z]{2,}", _ALLOWED.sub("", zh)) if w not in UNITS]


def _params(template: str) -> dict[str, object]:
    """A value for each named parameter: a number where the template formats one, else a Chinese word."""
    out: dict[str, object] = {}
    for _, name, spec, _ in string.Formatter().parse(template):
        if name:
            out[name] = 1.5 if spec else "值"
    return out


@pytest.mark.parametrize("key", sorted(MESSAGES), ids=sorted(MESSAGES))
def test_every_message_formats_in_both_languages(key):
    en, zh = MESSAGES[key]
    params = {**_params(en), **_params(zh)}
    text = msg(key, **params)
    assert text.en and text.zh and "{" not in text.en + text.zh
    assert not english_words(text.zh), (key, text.zh)
    assert re.search(r"[\u4e00-\u9fff]", text.zh) or not re.search(r"[A-Za-z]{2,}", text.en), (key, text.zh)


def test_a_text_parameter_renders_in_each_language():
    t = msg("phrases.said", who=msg("who.customer"), phrase="投诉")
    assert t == Text("the customer said 「投诉」", "客户说了「投诉」")
    both = join([t, msg("rule.no_violation")])
    assert both.en == "the customer said 「投诉」; no violation found" and both.zh == "客户说了「投诉」；未发现违规"
    with pytest.raises(KeyError):
        msg("phrases.said", phrase="投诉")  # a parameter missing


def test_a_result_made_before_the_catalog_falls_back_to_its_english():
    old = CheckResult("x", "x", "fail", 0, 1, "minor", summary="no violation found")
    assert summary_of(old) == Text("no violation found", "no violation found")
    f = Finding("x", None, None, "", "matches /a/")
    assert why_of(f).zh == "matches /a/"


def _texts(report: dict):
    for c in report["checks"]:
        yield c["id"], c["summary"], c.get("summary_zh")
        for f in c["findings"] + c["evidence"]:
            yield c["id"], f["why"], f.get("why_zh")


DIALOGUES = sorted(SHEET.glob("s*.jsonl"))[:12]


@pytest.mark.parametrize("path", DIALOGUES, ids=[p.stem for p in DIALOGUES])
def test_every_why_and_summary_of_a_scored_call_has_its_chinese(path):
    report = score_transcript(path).to_dict()
    assert report["schema_version"] == "1.4"
    for cid, en, zh in _texts(report):
        assert zh is not None, (cid, en)
        assert not english_words(zh), (cid, en, zh)
        assert bool(en) == bool(zh), (cid, en, zh)


def test_composite_summaries_compose_in_both_languages():
    """The sheet's notes (points given, group deduction, less sure) and a reviewer's marks, in each language."""
    texts = [t for p in DIALOGUES for t in _texts(score_transcript(p).to_dict())]
    notes = {" points given": "已给", " (group ": "组：", " [less sure: ": "把握较低"}
    for note, zh_note in notes.items():
        hit = [(en, zh) for _, en, zh in texts if note in en]
        assert hit, f"no summary with {note!r} in the dialogues"
        assert all(zh_note in zh for _, zh in hit), hit[:3]
    r = score_transcript(DIALOGUES[0])
    failed = next(c for c in r.checks if c.status == "pass")
    why = msg("review.marked_by", by="王质检", reason="语气生硬")
    mark = Finding(failed.id, Interval(1, 2), "agent", "好", why.en, why_zh=why.zh)
    out = {c.id: c for c in with_reviewer_findings(r.checks, {failed.id: [mark]})}[failed.id]
    assert out.summary == "marked by a reviewer: 1 violation(s) the rules missed"
    assert out.summary_zh == "复核员标记了 1 处规则漏判的违规" and out.findings[0].why_zh == "王质检 标记：语气生硬"


CARD = "6217003764128593045"  # Luhn valid


def test_the_chinese_why_is_masked_for_a_user_without_the_sensitive_right(tmp_path):
    folder = tmp_path / "calls"
    folder.mkdir()
    (folder / "s1.jsonl").write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in [
        {"speaker": "agent", "text": "您好，请问有什么可以帮您？"},
        {"speaker": "customer", "text": "我想改一下还款卡。"},
        {"speaker": "agent", "text": f"您的卡号{CARD}这个办不了。"}]), encoding="utf-8")
    db = tmp_path / "s.db"
    r = subprocess.run([sys.executable, "-m", "qa_pipeline", "batch", str(folder), "--db", str(db), "--include",
                        "*.jsonl", "--store-sensitive"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    tokens = {"t-reviewer-0123456789": User("王质检", "reviewer"), "t-admin-0123456789ab": User("admin", "admin", True)}
    c = TestClient(create_app(Store(db), tokens))

    def zh_texts(token: str) -> str:
        report = c.get("/api/calls/s1", headers={"authorization": f"Bearer {token}"}).json()["report"]
        return json.dumps([zh for _, _, zh in _texts(report)], ensure_ascii=False)

    clear, plain = zh_texts("t-admin-0123456789ab"), zh_texts("t-reviewer-0123456789")
    assert CARD in clear  # the Chinese summary quotes what the agent said (the test can fail)
    assert CARD not in plain and CARD[-4:] in plain and not re.search(r"\d{7,}", plain)


@pytest.mark.parametrize("name", ["call02_hold_alaw", "call05_mono_pcm", "call08_taboo_pcm"])
def test_every_why_of_a_sample_recording_has_its_chinese(name):
    """Real ASR (slow): the voice measurements, holds, mono roles and taboo phrases explain themselves in Chinese."""
    from .conftest import scored

    report = scored(name).to_dict()
    for cid, en, zh in _texts(report):
        assert zh is not None and not english_words(zh), (cid, en, zh)
