"""End to end: the real model on every sample call, checked against its ground truth.

Thresholds were set from measurement on these calls (see the README's figures):
CER of the base model on 8 kHz synthesized speech is 5–25% per speaker, so the bar
is 0.30; span boundaries within ±0.3 s; speech rate within ±15%.

Mono calls are held to the same bars: their two voices are separated and named by
diarization (:mod:`qa_pipeline.mono`), then everything is checked per speaker as for
stereo. Only overtalk differs: on mono, overlaps shorter than the detector's
``overlap_min_s`` are not seen, by design.
"""

from __future__ import annotations

import json

import jsonschema
import pytest

from qa_pipeline.text import normalize, strip_punct

from .conftest import ROOT, cer

MAX_CER = 0.30
TOL_S = 0.3
RATE_TOL = 0.15
COMPARE_SILENCE_MIN_S = 1.5  # silences between 1.0 and 1.5 s sit on the reporting threshold
# The customer's short 嗯/嗯，好的 (under 1 s, low-pitched voice) is often missed by the VAD or
# dropped as a blip; turns and overlaps that short are not held to the bar (README: limits).
MIN_TURN_S = 1.0
MIN_OVERTALK_S = 0.3


def test_report_matches_schema(sample):
    _, _, report = sample
    schema = json.loads((ROOT / "qa_pipeline" / "schema" / "call_report.schema.json").read_text())
    jsonschema.validate(report.to_dict(), schema)


def test_audio_facts(sample):
    _, t, report = sample
    assert report.audio.channels == t["audio"]["channels"]
    assert report.audio.sample_rate == t["audio"]["sample_rate"]
    assert report.duration_s == pytest.approx(t["duration_s"], abs=0.1)
    assert (report.audio.agent_channel == "left") == (t["audio"]["channels"] == 2)
    if t["audio"]["channels"] == 1:
        sp = report.speakers
        assert sp.method == "mono diarization" and sp.role_level in ("high", "medium"), sp
        assert sp.voice_similarity < 0.85 and sp.clear_share > 0.9, sp
    else:
        assert report.speakers.method == "stereo channels"


def test_transcript_cer(sample):
    name, t, report = sample
    for spk in ("agent", "customer"):
        ref = strip_punct(normalize("".join(x["text"] for x in t["turns"] if x["speaker"] == spk)))
        hyp = strip_punct("".join(u.text for u in report.transcript if u.speaker == spk))
        assert cer(ref, hyp) < MAX_CER, f"{name} {spk}: CER {cer(ref, hyp):.2f}\nref {ref}\nhyp {hyp}"


def test_text_is_simplified_and_normalized(sample):
    _, _, report = sample
    from qa_pipeline.text import to_simplified

    for u in report.transcript:
        assert to_simplified(u.text) == u.text
        assert not any(0xFF01 <= ord(ch) <= 0xFF5E and ch not in "，！？：；（）" for ch in u.text)


def test_every_turn_is_found(sample):
    """Each scripted turn (longer than a blip) overlaps an utterance of the right speaker,
    and where a turn starts after a pause the utterance starts within ±0.3 s of it."""
    name, t, report = sample
    for g in t["turns"]:
        if g["end"] - g["start"] < MIN_TURN_S:
            continue
        hits = [u for u in report.transcript if u.speaker == g["speaker"] and u.start < g["end"] and g["start"] < u.end]
        assert hits, f"{name}: turn not transcribed: {g}"
        assert all(u.text for u in hits)
    assert not report.diagnostics["untranscribed_spans"] or all(
        s["end"] - s["start"] < MIN_TURN_S for s in report.diagnostics["untranscribed_spans"])


def test_turn_boundaries(sample):
    name, t, report = sample
    for g in t["turns"]:
        if g["end"] - g["start"] < MIN_TURN_S:
            continue
        hits = [u for u in report.transcript if u.speaker == g["speaker"] and u.start < g["end"] and g["start"] < u.end]
        starts = [u.start for u in hits]
        ends = [u.end for u in hits]
        # consecutive turns of one speaker separated by < 0.5 s are one utterance
        assert any(abs(s - g["start"]) <= 0.45 for s in starts) or min(starts) < g["start"] - 0.45, (name, g, starts)
        assert any(abs(e - g["end"]) <= TOL_S for e in ends) or max(ends) > g["end"] + TOL_S, (name, g, ends)


def test_silences(sample):
    name, t, report = sample
    truth = [(s["start"], s["end"]) for s in t["silences"] if s["end"] - s["start"] >= COMPARE_SILENCE_MIN_S]
    pred = [(s.start, s.end) for s in report.metrics.silence.spans if s.duration >= COMPARE_SILENCE_MIN_S]
    assert len(pred) == len(truth), (name, truth, pred)
    for (ts, te), (ps, pe) in zip(truth, pred):
        assert abs(ts - ps) <= TOL_S and abs(te - pe) <= TOL_S, (name, truth, pred)
    assert report.metrics.silence.max_s == pytest.approx(max([e - s for s, e in truth], default=report.metrics.silence.max_s), abs=2 * TOL_S)


def test_overtalk(sample):
    """Every overlap of the script at least MIN_OVERTALK_S long is found with its interrupter
    and kind, and every overlap reported is one of the script's (none invented)."""
    name, t, report = sample
    ot = report.metrics.overtalk
    truth = t["overtalk"]
    if t["audio"]["channels"] == 1:
        from qa_pipeline.diarize import DiarizeOptions

        assert ot.available and ot.method.startswith("mono estimate"), ot
        wanted = [g for g in truth if g["end"] - g["start"] >= DiarizeOptions().overlap_min_s]
    else:
        assert ot.method.startswith("stereo")
        wanted = [g for g in truth if g["end"] - g["start"] >= MIN_OVERTALK_S]
    for p in ot.spans:
        assert any(g["start"] < p.end and p.start < g["end"] for g in truth), (name, "invented", p, truth)
    for g in wanted:
        hits = [p for p in ot.spans if g["start"] < p.end and p.start < g["end"]]
        assert len(hits) == 1, (name, g, ot.spans)
        p = hits[0]
        assert abs(g["start"] - p.start) <= TOL_S and abs(g["end"] - p.end) <= TOL_S, (name, g, p)
        assert p.interrupter == g["interrupter"], (name, g, p)
        assert p.kind == g["kind"], (name, g, p)
    real = [g for g in truth if g["kind"] == "interruption"]
    assert ot.agent_interruptions == sum(g["interrupter"] == "agent" for g in real)
    assert ot.customer_interruptions == sum(g["interrupter"] == "customer" for g in real)


def test_speech_rate_and_talk_time(sample):
    name, t, report = sample
    m = report.metrics
    for spk in ("agent", "customer"):
        assert m.speech_rate_cpm[spk] == pytest.approx(t["speech_rate_cpm"][spk], rel=RATE_TOL), (name, spk)
        assert m.talk_time_s[spk] == pytest.approx(t["talk_time_s"][spk], rel=0.1), (name, spk)
    assert sum(m.talk_share.values()) == pytest.approx(1.0)
    for value in m.loudness_dbfs.values():
        assert -40 < value < -3


def test_fast_agent_is_measured_fast():
    """The fast call's agent speaks ~55% faster than the clean call's: the measurement sees it."""
    from .conftest import scored

    fast = scored("call04_fast_flac").metrics.speech_rate_cpm["agent"]
    normal = scored("call01_clean_ulaw").metrics.speech_rate_cpm["agent"]
    assert fast > 330 > normal > 150
    closing = scored("call04_fast_flac").metrics.speech_rate_last_30s_cpm["agent"]
    # the hurried closing is inside the last 30 s: fast too, and within 2% of the whole call's rate (the
    # last 30 s are two thirds of this 45 s call; one misheard character moves either by about 1%)
    assert closing > 330 and closing >= 0.98 * fast, (closing, fast)


def test_hold_is_reported():
    from .conftest import scored

    s = scored("call02_hold_alaw").metrics.silence
    assert len(s.holds) == 1 and s.holds[0].duration == pytest.approx(35.0, abs=2 * TOL_S)
