"""Measurements on synthetic transcripts with known truth (no audio, no model)."""

from __future__ import annotations

import numpy as np
import pytest

from qa_pipeline.metrics import MetricsOptions, last_speech_window, measure, speech_rate
from qa_pipeline.types import Interval as I
from qa_pipeline.types import Utterance, Word


def utt(spk, start, end, text):
    n = len(text)
    step = (end - start) / max(n, 1)
    words = tuple(Word(start + i * step, start + (i + 1) * step, ch, 0.9) for i, ch in enumerate(text))
    return Utterance(spk, start, end, text, text, words)


def run(utts, duration=60.0):
    speech = {"agent": [u.span for u in utts if u.speaker == "agent"],
              "customer": [u.span for u in utts if u.speaker == "customer"]}
    tracks = {k: np.full(int(duration * 16000), 0.1, np.float32) for k in speech}
    return measure(utts, speech, tracks, duration, MetricsOptions())


def test_rate_is_per_minute_of_own_speech():
    u = [utt("agent", 0, 6, "一" * 25), utt("agent", 20, 26, "二" * 25)]
    assert speech_rate(u) == pytest.approx(50 / 12 * 60)
    assert speech_rate(u, I(20, 26)) == pytest.approx(250)


def test_last_window_counts_speech_not_wall_clock():
    spans = [I(0, 20), I(40, 50), I(100, 110)]
    assert last_speech_window(spans, 30) == I(10, 110)
    assert last_speech_window(spans, 5) == I(105, 110)


def test_silence_hold_and_edges():
    m = run([utt("agent", 1, 5, "您好"), utt("customer", 6, 8, "你好"), utt("agent", 40, 44, "久等了")], 50)
    assert [(s.start, s.end) for s in m.silence.spans] == [(5, 6), (8, 40)]
    assert m.silence.max_s == 32 and m.silence.total_s == 33
    assert [(h.start, h.end) for h in m.silence.holds] == [(8, 40)]
    assert m.silence.leading_s == 1 and m.silence.trailing_s == 6


@pytest.mark.parametrize("agent, customer, interrupter, kind", [
    ((0, 5, "我跟您说一下这个情况"), (4, 8, "不是我要问的是别的"), "customer", "interruption"),
    ((3, 8, "您先别着急听我说"), (0, 5, "我已经等了一个月了"), "agent", "interruption"),
    ((0, 6, "您的保单是有效状态"), (2.0, 2.4, "嗯"), "customer", "backchannel"),
    ((0, 6, "您的保单是有效状态"), (2.0, 2.6, "请您的计划"), "customer", "backchannel"),  # misrecognized 嗯
    ((0, 3, "好的我查一下"), (2.5, 3.4, "好的"), "customer", "backchannel"),
], ids=["customer-cuts-in", "agent-cuts-in", "mm-hm", "misheard-mm-hm", "short-ok-at-end"])
def test_overtalk_interrupter_and_backchannel(agent, customer, interrupter, kind):
    m = run([utt("agent", *agent), utt("customer", *customer)])
    o = m.overtalk
    assert o.count == 1 and o.spans[0].interrupter == interrupter and o.spans[0].kind == kind
    assert o.agent_interruptions == (interrupter == "agent" and kind == "interruption")
    assert o.backchannels == (kind == "backchannel")


def test_tiny_overlap_is_jitter():
    m = run([utt("agent", 0, 5, "您好"), utt("customer", 4.9, 8, "你好")])
    assert m.overtalk.count == 0


def test_talk_share_and_mono():
    u = [utt("agent", 0, 6, "一二三"), utt("customer", 7, 9, "四五")]
    m = run(u)
    assert m.talk_share["agent"] == pytest.approx(0.75)
    mono = [Utterance("unknown", 0, 6, "一二三", "一二三")]
    mm = measure(mono, {"unknown": [I(0, 6)]}, {"unknown": np.zeros(16000 * 10, np.float32)}, 10.0)
    assert mm.overtalk.available is False and mm.overtalk.count is None
    assert set(mm.speech_rate_cpm) == {"unknown"}
    assert mm.loudness_dbfs["unknown"] < -150
