"""The transcript correction pass: ASR homophones → the vocabulary's terms, raw text kept.

No ASR here: texts as Whisper writes them on the samples (宝费, 收等, 来点, 工号邀088) and
sentences that must stay as they are (报废 is a word; 来信 is not 来电).
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from qa_pipeline.correct import CorrectionOptions, correct_text, correct_utterances
from qa_pipeline.pipeline import score_transcript
from qa_pipeline.redact import redact_report
from qa_pipeline.rules import load_rules
from qa_pipeline.types import Utterance

RULES = load_rules()
TERMS = RULES.vocabulary + RULES.corrections


@pytest.mark.parametrize("heard, expected", [
    ("您的宝费是每年3200元", "您的保费是每年3200元"),
    ("我想问一下我的车宪宝费是多少", "我想问一下我的车险保费是多少"),
    ("您的里赔款已经支付", "您的理赔款已经支付"),
    ("好的，请您收等", "好的，请您稍等"),
    ("感谢您的来点，再见", "感谢您的来电，再见"),
    ("您好公号1072", "您好工号1072"),
    ("工号邀088", "工号1088"),
    ("工号邀024很高兴为您服务", "工号1024很高兴为您服务"),
    ("搅费状态是正常的", "缴费状态是正常的"),
], ids=["宝费", "车宪宝费", "里赔", "收等-in-phrase", "来点-in-phrase", "公号", "工号-yao", "工号-yao-3", "搅费"])
def test_homophones_become_terms(heard, expected):
    text, changes = correct_text(heard, TERMS)
    assert text == expected
    assert changes and all(text[c.start:c.end] == c.term for c in changes)
    assert all(c.heard != c.term for c in changes)


@pytest.mark.parametrize("text", [
    "车辆已经报废了",              # 报废 is a common word that sounds like 保费
    "感谢您的来信",                # one syllable wrong is not a homophone
    "感谢你的来电",                # 你 for 您 is what QA listens for: never "corrected"
    "收等",                        # two characters: only identical pinyin counts
    "请您稍后再拨",                # 稍后 is not 稍等
    "尾号是13912345678",          # a long number after 尾号 is somebody's number: untouched
    "保单号是88623457",
    "我要投诉",
    "",
], ids=["报废", "来信", "你-not-您", "收等-alone", "稍后", "long-number", "digits", "plain", "empty"])
def test_words_that_stay(text):
    assert correct_text(text, TERMS) == (text, ())


def test_correction_can_be_turned_off():
    assert correct_text("您的宝费", TERMS, CorrectionOptions(enabled=False)) == ("您的宝费", ())


def test_raw_text_is_kept_and_changes_are_listed():
    u = Utterance("agent", 1.0, 3.0, "好的请您收等", "好的请您收等")
    (out,) = correct_utterances([u], TERMS)
    assert out.text == "好的请您稍等" and out.raw_text == "好的请您收等"
    assert [(c.heard, c.term, c.how) for c in out.corrections] == [("请您收等", "请您稍等", "fuzzy")]
    d = replace(out).corrections[0]
    assert out.text[d.start:d.end] == "请您稍等"


def _dialogue(tmp_path, name, lines):
    path = tmp_path / f"{name}.jsonl"
    path.write_text("\n".join(json.dumps({"speaker": s, "text": t}, ensure_ascii=False) for s, t in lines), "utf-8")
    return path


def test_rules_match_the_same_either_way(tmp_path):
    """The rules match by pinyin: the heard and the corrected transcript score alike."""
    heard = [("A", "您好安心保险客服中心公号1072很高兴为您服务"), ("C", "我想问一下宝费交了没有"),
             ("A", "好的请您收等"), ("A", "您的宝费已经交了"), ("C", "好的谢谢"), ("A", "感谢您的来点再见")]
    fixed = [(s, correct_text(t, TERMS)[0]) for s, t in heard]
    assert fixed != heard
    a = score_transcript(_dialogue(tmp_path, "heard", heard), rules=RULES)
    b = score_transcript(_dialogue(tmp_path, "fixed", fixed), rules=RULES)
    assert {c.id: c.status for c in a.checks} == {c.id: c.status for c in b.checks}
    assert a.score == b.score


def test_corrections_are_redacted_with_their_utterance(tmp_path):
    """A correction in an utterance that also holds a phone number: the JSON shows no digits of it."""
    report = score_transcript(_dialogue(tmp_path, "x", [("A", "您好"), ("C", "我的手机号是13912345678")]), rules=RULES)
    u = Utterance("customer", 3.0, 6.0, "我的宝费和手机号13912345678", "我的宝费和手机号13912345678")
    (c,) = correct_utterances([u], TERMS)
    red = redact_report(replace(report, transcript=(c,)))
    out = json.dumps(red.to_dict(), ensure_ascii=False)
    assert "13912345678" not in out and "保费" in out
    assert red.transcript[0].corrections[0].term == "保费"


def test_corrections_survive_rescoring(tmp_path):
    """`qa score call.json` re-scores our own report: its corrections stay listed."""
    report = score_transcript(_dialogue(tmp_path, "y", [("A", "您好"), ("A", "好的请您收等")]), rules=RULES)
    corrected = tuple(correct_utterances(report.transcript, TERMS))
    path = tmp_path / "call.json"
    path.write_text(json.dumps(replace(report, transcript=corrected).to_dict(), ensure_ascii=False), "utf-8")
    again = score_transcript(path, rules=RULES)
    assert [(c.heard, c.term) for u in again.transcript for c in u.corrections] == [("请您收等", "请您稍等")]
    assert again.transcript[1].text == "好的请您稍等" and again.transcript[1].raw_text == "好的请您收等"
