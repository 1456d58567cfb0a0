"""The voice items (rules/voice.yaml) and customer sentiment.

Three layers, cheapest first:

1. features on synthetic signals of known truth (a sweep of known semitone range, a held
   vowel, a known level over a known noise floor) — no model;
2. the rules on measured features: each feature pushed past its threshold fails exactly
   its item — no model;
3. a real sample call with one manipulation each (pitch flattened by Praat's PSOLA, a
   phrase-final syllable stretched, the agent's level lowered 20 dB), scored by the real
   pipeline: each manipulation fails exactly the item it targets and leaves the others.
"""

from __future__ import annotations

import dataclasses
import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from qa_pipeline.metrics import measure
from qa_pipeline.prosody import (
    HeldSyllable,
    ProsodyOptions,
    SpeakerProsody,
    TurnVoice,
    frame_levels_db,
    measure_prosody,
    prosody_from_dict,
    semitones,
    speaker_prosody,
)
from qa_pipeline.rules import load_rules, run_checks
from qa_pipeline.sentiment import call_sentiment, word_sentiment
from qa_pipeline.types import Interval as I
from qa_pipeline.types import Utterance, Word

SR = 16000
ROOT = Path(__file__).resolve().parent.parent
VOICE_ITEMS = ("voice.clear", "voice.intonation", "voice.natural", "voice.no_drawl", "voice.pauses",
               "wording.mandarin", "attitude.warm", "attitude.smile", "voice.volume")


# -- synthetic voices ---------------------------------------------------------------------

def harmonic(f0_hz: np.ndarray, amp: float = 0.3, n_harmonics: int = 12) -> np.ndarray:
    """A voice-like buzz following the f0 curve (one value per sample), harmonics falling 1/k."""
    phase = 2 * np.pi * np.cumsum(f0_hz) / SR
    x = sum(np.sin(k * phase) / k for k in range(1, n_harmonics + 1))
    return (amp * x / np.max(np.abs(x))).astype(np.float32)


def sweep(f_from: float, f_to: float, seconds: float) -> np.ndarray:
    """f0 rising exponentially (evenly in semitones) from ``f_from`` to ``f_to``."""
    t = np.arange(int(seconds * SR)) / SR
    return f_from * (f_to / f_from) ** (t / seconds)


def vibrato(f_hz: float, depth_st: float, rate_hz: float, seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return f_hz * 2 ** (depth_st * np.sin(2 * np.pi * rate_hz * t) / 12)


def voice_of(f0: np.ndarray, **kw) -> SpeakerProsody:
    x = harmonic(f0, **kw)
    return speaker_prosody("agent", x, [I(0, x.size / SR)], [])


@pytest.mark.parametrize("f0, median_hz, range_st, sd_st", [
    (np.full(4 * SR, 200.0), 200, (0.0, 0.3), (0.0, 0.3)),
    (sweep(150, 300, 4), 212, (9.6 - 0.7, 9.6 + 0.7), (3.46 - 0.3, 3.46 + 0.3)),     # 12 st: p10–p90 = 9.6
    (sweep(200, 252, 4), 225, (3.2 - 0.4, 3.2 + 0.4), (1.15 - 0.2, 1.15 + 0.2)),     # 4 st: 3.2
    (vibrato(220, 2.0, 5, 4), 220, (3.8 - 0.5, 3.8 + 0.5), (1.41 - 0.2, 1.41 + 0.2)),  # ±2 st: sd 2/√2
], ids=["steady", "octave-sweep", "4-semitone-sweep", "vibrato"])
def test_pitch_range_and_variability_in_semitones(f0, median_hz, range_st, sd_st):
    p = voice_of(f0)
    assert p.pitch_median_hz == pytest.approx(median_hz, rel=0.03)
    assert range_st[0] <= p.pitch_range_st <= range_st[1]
    assert sd_st[0] <= p.pitch_sd_st <= sd_st[1]


@pytest.mark.parametrize("hz, ref, st", [(220.0, 220.0, 0.0), (440.0, 220.0, 12.0), (110.0, 220.0, -12.0),
                                         (246.94, 220.0, 2.0)], ids=["unison", "octave-up", "octave-down", "tone"])
def test_semitones(hz, ref, st):
    assert semitones(np.array([hz]), ref)[0] == pytest.approx(st, abs=0.01)


@pytest.mark.parametrize("amp, db", [(0.5, -6.02), (0.05, -26.02), (0.0, -100.0)], ids=["-6", "-26", "silence"])
def test_frame_levels_of_a_constant(amp, db):
    assert frame_levels_db(np.full(SR, amp, np.float32)) == pytest.approx(db, abs=0.05)


def test_too_little_voice_reports_no_pitch():
    p = voice_of(np.full(int(1.5 * SR), 200.0))
    assert p.voiced_s < 3 and p.pitch_range_st is None and p.pitch_sd_st is None


def test_level_noise_floor_and_gain():
    """Speech at a known level over white noise at -60 dBFS; a 20 dB gain moves only the level."""
    rng = np.random.default_rng(0)
    voice = harmonic(sweep(180, 260, 4), amp=0.3)
    noise = (rng.standard_normal(2 * SR) * 10 ** (-60 / 20)).astype(np.float32)
    track = np.concatenate([noise, voice, noise])
    spans = [I(2.0, 6.0)]
    p = speaker_prosody("agent", track, spans, [])
    assert p.level_dbfs == pytest.approx(20 * np.log10(np.sqrt(np.mean(voice.astype(np.float64) ** 2))), abs=0.2)
    assert p.noise_floor_dbfs == pytest.approx(-60, abs=2.0)
    assert p.snr_db == pytest.approx(p.level_dbfs - p.noise_floor_dbfs)
    q = speaker_prosody("agent", track * 0.1, spans, [])
    assert q.level_dbfs == pytest.approx(p.level_dbfs - 20, abs=0.05)
    assert q.snr_db == pytest.approx(p.snr_db, abs=0.5)
    for k in ("pitch_range_st", "pitch_sd_st", "energy_sd_db", "brightness_db"):
        assert getattr(q, k) == pytest.approx(getattr(p, k), abs=0.2), k


def test_muffled_voice_is_darker():
    """A low-passed voice loses its 1–3.4 kHz energy: brightness falls, pitch does not move."""
    import scipy.signal

    x = harmonic(sweep(180, 260, 4), n_harmonics=30)
    b, a = scipy.signal.butter(4, 700, fs=SR)
    dull = scipy.signal.lfilter(b, a, x).astype(np.float32)
    p, q = (speaker_prosody("agent", s, [I(0, 4)], []) for s in (x, dull))
    assert q.brightness_db < p.brightness_db - 15
    assert q.pitch_range_st == pytest.approx(p.pitch_range_st, abs=0.5)


# -- syllables, pauses, clarity ------------------------------------------------------------

def syllable_track(lengths_s, gap_s=0.06, voiced=None):
    """Syllables of buzz separated by short gaps; ``voiced[i]`` False makes syllable i silent
    after its first 0.2 s (a pause the recognizer's timestamps swallowed). Returns the track
    and the words (one character each, with times)."""
    parts, words, t = [], [], 0.2
    parts.append(np.zeros(int(0.2 * SR), np.float32))
    for i, d in enumerate(lengths_s):
        x = harmonic(np.full(int(d * SR), 220.0 + 10 * (i % 3)))
        if voiced is not None and not voiced[i]:
            x[int(0.2 * SR):] = 0
        parts += [x, np.zeros(int(gap_s * SR), np.float32)]
        words.append(Word(t, t + d, "字", 0.9))
        t += d + gap_s
    parts.append(np.zeros(int(0.3 * SR), np.float32))
    return np.concatenate(parts), words, t


@pytest.mark.parametrize("lengths, voiced, held, final", [
    ([0.2] * 12, None, 0, 0),
    ([0.2] * 11 + [0.9], None, 1, 1),
    ([0.2] * 5 + [0.9] + [0.2] * 6, None, 1, 0),
    ([0.2] * 11 + [0.9], [True] * 11 + [False], 0, 0),
    ([0.2] * 11 + [0.45], None, 0, 0),
], ids=["even", "final-held", "middle-held", "swallowed-pause", "ordinary-final-lengthening"])
def test_held_syllables(lengths, voiced, held, final):
    track, words, end = syllable_track(lengths, voiced=voiced)
    u = Utterance("agent", 0.2, end, "字" * len(words), "字" * len(words), tuple(words))
    p = speaker_prosody("agent", track, [u.span], [u])
    assert (len(p.held), p.held_final) == (held, final)
    assert p.syllable_median_s == pytest.approx(0.2, abs=0.01)


def words_at(start, spec):
    """Words from ``[(length, gap_after), …]``, one character each, prob 0.9."""
    out, t = [], start
    for d, gap in spec:
        out.append(Word(t, t + d, "字", 0.9))
        t += d + gap
    return tuple(out)


def utt_of(speaker, words):
    text = "字" * len(words)
    return Utterance(speaker, words[0].start, words[-1].end, text, text, words)


def test_pauses_inside_turns():
    a1 = utt_of("agent", words_at(0.0, [(0.2, 0.0)] * 10 + [(0.2, 0.3)] + [(0.2, 0.0)] * 5))   # one 0.3 s pause
    a2 = utt_of("agent", words_at(a1.end + 2.0, [(0.2, 0.0)] * 8))                           # 2 s hesitation
    c1 = utt_of("customer", words_at(a2.end + 0.5, [(0.2, 0.0)] * 5))
    a3 = utt_of("agent", words_at(c1.end + 3.0, [(0.2, 0.0)] * 5))                           # after the customer
    a4 = utt_of("agent", words_at(a3.end + 20.0, [(0.2, 0.0)] * 5))                          # a hold, not a pause
    utts = [a1, a2, c1, a3, a4]
    p = measure_prosody(None, {"agent": [u.span for u in utts if u.speaker == "agent"],
                               "customer": [c1.span]}, utts)["agent"]
    assert [round(x.duration, 2) for x in p.pauses] == [0.3, 2.0]
    assert [round(x.duration, 2) for x in p.long_pauses] == [2.0]
    assert p.longest_run_s == pytest.approx(2.2)
    assert p.articulation_rate_sps == pytest.approx(5.0, rel=0.01)


def test_clarity_from_word_probabilities():
    probs = [0.9, 0.9, 0.2, 0.5]
    ws = tuple(Word(i * 0.2, (i + 1) * 0.2, "字", pr) for i, pr in enumerate(probs))
    p = measure_prosody(None, {"agent": [I(0, 0.8)]}, [utt_of("agent", ws)])["agent"]
    assert p.word_prob_mean == pytest.approx(np.mean(probs))
    assert p.low_prob_share == pytest.approx(0.25)
    assert p.avg_logprob == pytest.approx(np.mean(np.log(probs)))


def test_plain_dialogue_has_no_word_features():
    u = Utterance("agent", 0, 30, "字" * 120, "字" * 120)
    p = measure_prosody(None, {"agent": [u.span]}, [u])["agent"]
    assert p.syllables == 0 and p.longest_run_s is None and p.pauses_per_min is None


# -- the rules on measured features --------------------------------------------------------

BASE = dict(voiced_s=24.0, pitch_median_hz=257.0, pitch_range_st=10.4, pitch_sd_st=3.8, level_dbfs=-20.2,
            noise_floor_dbfs=-62.0, snr_db=41.8, energy_sd_db=4.3, brightness_db=-8.7, syllables=132,
            syllable_median_s=0.2, pauses_per_min=20.0, longest_run=I(3.6, 7.1), longest_run_s=3.5,
            articulation_rate_sps=4.6, word_prob_mean=0.85, low_prob_share=0.04, avg_logprob=-0.22)
CUSTOMER = dict(BASE, level_dbfs=-23.0, pitch_median_hz=187.0)
HELD = HeldSyllable(6.6, 7.5, 4.4, True)
PAUSE = I(20.0, 22.0)


@lru_cache(maxsize=1)
def rules():
    return load_rules(None)


def voice_checks(agent: dict, customer: dict | None = None) -> dict[str, str]:
    utts = [utt_of("agent", words_at(0.0, [(0.2, 0.0)] * 10)), utt_of("customer", words_at(3.0, [(0.2, 0.0)] * 5))]
    m = measure(utts, {"agent": [utts[0].span], "customer": [utts[1].span]}, None, 10.0)
    m = dataclasses.replace(m, prosody={"agent": SpeakerProsody("agent", **agent),
                                        "customer": SpeakerProsody("customer", **(customer or CUSTOMER))})
    return {c.id: c.status for c in run_checks(utts, m, rules()) if c.id in VOICE_ITEMS}


def test_baseline_voice_passes_every_item():
    assert voice_checks(BASE) == {i: "pass" for i in VOICE_ITEMS}


@pytest.mark.parametrize("change, item", [
    ({"low_prob_share": 0.35}, "voice.clear"),
    ({"articulation_rate_sps": 7.6}, "voice.clear"),
    ({"pitch_range_st": 2.5}, "voice.intonation"),
    ({"pitch_sd_st": 7.0}, "voice.natural"),
    ({"energy_sd_db": 11.0}, "voice.natural"),
    ({"held": (HELD,), "held_final": 1}, "voice.no_drawl"),
    ({"held": (dataclasses.replace(HELD, final=False), dataclasses.replace(HELD, start=9.0, end=9.8, final=False))},
     "voice.no_drawl"),
    ({"longest_run_s": 18.0, "longest_run": I(30.0, 48.0)}, "voice.pauses"),
    ({"long_pauses": (PAUSE, PAUSE, PAUSE)}, "voice.pauses"),
    ({"avg_logprob": -0.7}, "wording.mandarin"),
    ({"pitch_sd_st": 1.5, "energy_sd_db": 2.5}, "attitude.warm"),
    ({"brightness_db": -18.0}, "attitude.smile"),
    ({"level_dbfs": -40.0, "noise_floor_dbfs": -82.0}, "voice.volume"),
    ({"snr_db": 12.0}, "voice.volume"),
], ids=["unsure-words", "too-fast", "monotone", "sing-song", "shouting", "final-drawl", "two-drawls",
        "one-breath", "hesitations", "accent", "listless", "dull", "quiet", "noisy"])
def test_each_feature_fails_exactly_its_item(change, item):
    got = voice_checks({**BASE, **change})
    assert got[item] == "fail"
    assert {k: v for k, v in got.items() if k != item} == {i: "pass" for i in VOICE_ITEMS if i != item}


def test_one_flat_dimension_is_not_listless():
    """Flat pitch alone is voice.intonation's failure, not 服务热情's."""
    got = voice_checks({**BASE, "pitch_range_st": 0.5, "pitch_sd_st": 0.3})
    assert got["voice.intonation"] == "fail" and got["attitude.warm"] == "pass"


def test_quieter_than_the_customer():
    got = voice_checks({**BASE, "level_dbfs": -33.0}, {**CUSTOMER, "level_dbfs": -18.0})
    assert got["voice.volume"] == "fail"


def test_little_speech_lowers_confidence():
    utts = [utt_of("agent", words_at(0.0, [(0.2, 0.0)] * 10))]
    m = measure(utts, {"agent": [utts[0].span]}, None, 10.0)
    full = dataclasses.replace(m, prosody={"agent": SpeakerProsody("agent", **{**BASE, "pitch_range_st": 2.0})})
    thin = dataclasses.replace(m, prosody={"agent": SpeakerProsody("agent", **{**BASE, "pitch_range_st": 2.0,
                                                                              "voiced_s": 5.0})})
    conf = [next(c for c in run_checks(utts, x, rules()) if c.id == "voice.intonation").findings[0].confidence
            for x in (full, thin)]
    assert conf == [pytest.approx(0.8), pytest.approx(0.8 * 5 / 20)]


def test_dialogue_without_audio_is_not_applicable():
    utts = [Utterance("agent", 0, 5, "您好", "您好"), Utterance("customer", 6, 8, "你好", "你好")]
    spans = {"agent": [utts[0].span], "customer": [utts[1].span]}
    m = dataclasses.replace(measure(utts, spans, None, 10.0), prosody=measure_prosody(None, spans, utts))
    got = {c.id: c for c in run_checks(utts, m, rules()) if c.id in VOICE_ITEMS}
    assert {c.status for c in got.values()} == {"n/a"}
    assert "audio" in got["voice.intonation"].summary and "words" in got["voice.pauses"].summary


# -- sentiment -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, sign", [
    ("我要投诉你们，太慢了！", -1), ("你们到底怎么回事", -1), ("好的谢谢，我明白了", 1), ("太好了，辛苦你了", 1),
    ("我想查一下保单", 0), ("我不生气，就是问问", 0), ("你们这服务我很不满意", -1), ("一点都不专业", -1),
], ids=["complaint", "exasperated", "thanks", "pleased", "neutral", "negated-anger", "dissatisfied", "negated-praise"])
def test_word_sentiment(text, sign):
    score, cues = word_sentiment(text)
    assert np.sign(round(score, 6)) == sign, (score, cues)


def customer_turns(texts, voice=None):
    utts, tv, t = [], [], 0.0
    for k, text in enumerate(texts):
        utts += [Utterance("agent", t, t + 3, "好的", "好的"), Utterance("customer", t + 4, t + 7, text, text)]
        if voice:
            tv.append(TurnVoice(t + 4, t + 7, *voice[k]))
        t += 10
    prosody = {"customer": SpeakerProsody("customer", turns=tuple(tv))} if voice else None
    return utts, prosody


def test_caller_ended_angrier():
    utts, _ = customer_turns(["你好我想问一下理赔", "好的", "嗯", "怎么回事，太慢了，我要投诉"])
    s = call_sentiment(utts)
    assert s.ended_angrier and s.change <= -0.3 and len(s.quarters) == 4
    utts, _ = customer_turns(["你们到底怎么回事，我要投诉", "嗯", "好的", "好的谢谢，辛苦了"])
    s = call_sentiment(utts)
    assert not s.ended_angrier and s.change > 0


def test_voice_deepens_neutral_words_into_anger():
    """Same words; the caller's pitch and level rise against their own start."""
    texts = ["你好我想问一下理赔", "嗯", "那现在呢", "那你说现在怎么办"]
    calm = customer_turns(texts, [(40.0, -25.0)] * 4)
    rising = customer_turns(texts, [(40.0, -25.0), (40.0, -25.0), (41.0, -24.0), (45.0, -17.0)])
    a, b = (call_sentiment(u, p) for u, p in (calm, rising))
    assert a.turns[-1].arousal == pytest.approx(0.0) and a.change == pytest.approx(0.0)
    assert b.turns[-1].arousal == pytest.approx(1.0) and b.change < a.change
    assert "voice" in b.method


# -- a real call, manipulated --------------------------------------------------------------

CALL = ROOT / "sample_audio" / "call01_clean_ulaw.wav"
FIRST_AGENT_TURN_END_S = 6.994   # call01_clean_ulaw.truth.json: "…很高兴为您服务。"
AGENT_TURN_MIDS_S = (3.4, 35.0, 53.0)   # commas inside three agent turns of call01 (truth.json)


def _flatten_pitch(x: np.ndarray) -> np.ndarray:
    """Praat PSOLA resynthesis with the pitch tier replaced by the speaker's median."""
    import parselmouth
    from parselmouth.praat import call

    snd = parselmouth.Sound(x.astype(np.float64), SR)
    f0 = snd.to_pitch_ac(pitch_floor=75, pitch_ceiling=500).selected_array["frequency"]
    med = float(np.median(f0[f0 > 0]))
    man = call(snd, "To Manipulation", 0.01, 75, 600)
    tier = call(man, "Extract pitch tier")
    call(tier, "Remove points between", 0, snd.duration)
    call(tier, "Add point", 0.0, med)
    call(tier, "Add point", snd.duration, med)
    call([tier, man], "Replace pitch tier")
    return call(man, "Get resynthesis (overlap-add)").values[0].astype(np.float32)[: x.size]


@lru_cache(maxsize=None)
def variant(name: str, folder: str):
    """Score call01 as 16 kHz PCM with the agent channel manipulated (``base``: untouched)."""
    import librosa
    import soundfile as sf

    from qa_pipeline.audio import load_audio
    from qa_pipeline.pipeline import score_call

    rec = load_audio(CALL)
    agent, cust = rec.channels[0].copy(), rec.channels[1].copy()
    if name == "flat":
        agent = _flatten_pitch(agent)
    elif name == "drawl":
        # stretch the turn's final syllable (服务的"务", its last 0.22 s) 3.5×; the customer
        # channel gets the same stretch of silence so the turns stay aligned
        a, b = int((FIRST_AGENT_TURN_END_S - 0.22) * SR), int(FIRST_AGENT_TURN_END_S * SR)
        held = librosa.effects.time_stretch(agent[a:b], rate=1 / 3.5)
        agent = np.concatenate([agent[:a], held, agent[b:]])
        cust = np.concatenate([cust[:b], np.zeros(held.size - (b - a), np.float32), cust[b:]])
    elif name == "quiet":
        agent = agent * np.float32(10 ** (-20 / 20))
    elif name == "hesitant":
        # 2 s of silence at the quietest moment near the middle of three agent turns (a
        # comma's pause, not inside a syllable), in both channels
        levels = frame_levels_db(agent, hop_s=0.01, win_s=0.02)
        cuts = []
        for mid in AGENT_TURN_MIDS_S:
            lo, hi = int((mid - 0.6) * 100), int((mid + 0.6) * 100)
            cuts.append(int((lo + int(np.argmin(levels[lo:hi]))) * 0.01 * SR))
        gap = np.zeros(2 * SR, np.float32)
        for at in sorted(cuts, reverse=True):
            agent = np.concatenate([agent[:at], gap, agent[at:]])
            cust = np.concatenate([cust[:at], gap, cust[at:]])
    path = Path(folder) / f"{name}.wav"
    sf.write(path, np.stack([agent, cust], 1), SR, subtype="PCM_16")
    return score_call(path, rules=rules())


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return str(tmp_path_factory.mktemp("voice"))


def statuses(report) -> dict[str, str]:
    return {c.id: c.status for c in run_checks(report.transcript, report.metrics, rules()) if c.id in VOICE_ITEMS}


def test_untouched_call_passes_every_voice_item(folder):
    assert statuses(variant("base", folder)) == {i: "pass" for i in VOICE_ITEMS}


@pytest.mark.parametrize("name, item", [("flat", "voice.intonation"), ("drawl", "voice.no_drawl"),
                                        ("quiet", "voice.volume"), ("hesitant", "voice.pauses")],
                         ids=["flattened-pitch", "stretched-syllable", "lowered-level", "hesitations"])
def test_manipulation_fails_exactly_its_item(folder, name, item):
    base, got = statuses(variant("base", folder)), statuses(variant(name, folder))
    assert got[item] == "fail"
    assert {k: v for k, v in got.items() if k != item} == {k: v for k, v in base.items() if k != item}
    check = next(c for c in run_checks(variant(name, folder).transcript, variant(name, folder).metrics, rules())
                 if c.id == item)
    assert check.findings and all(f.confidence is not None and 0 < f.confidence <= 1 for f in check.findings)


def test_drawl_evidence_points_at_the_stretched_syllable(folder):
    held = variant("drawl", folder).metrics.prosody["agent"].held
    assert len(held) == 1 and held[0].final
    assert held[0].start < FIRST_AGENT_TURN_END_S < held[0].end + 0.3


def test_report_json_carries_prosody_and_sentiment_and_rescores_the_same(folder, tmp_path):
    import jsonschema

    from qa_pipeline.pipeline import score_call

    report = variant("quiet", folder)
    data = report.to_dict()
    schema = json.loads((ROOT / "qa_pipeline" / "schema" / "call_report.schema.json").read_text("utf-8"))
    jsonschema.validate(data, schema)
    assert data["metrics"]["prosody"]["agent"]["level_dbfs"] < -35
    assert data["sentiment"]["speaker"] == "customer" and len(data["sentiment"]["quarters"]) == 4
    again = prosody_from_dict(data["metrics"]["prosody"])["agent"]
    assert again.pitch_range_st == pytest.approx(report.metrics.prosody["agent"].pitch_range_st, abs=1e-3)
    path = tmp_path / "quiet.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    assert statuses(score_call(path, rules=rules())) == statuses(report)


def test_pitch_costs_little():
    """Praat's tracker on 60 s of voice: well under a second (pyin takes ~20 s here)."""
    import time

    x = harmonic(vibrato(220, 3.0, 0.5, 60))
    t0 = time.perf_counter()
    speaker_prosody("agent", x, [I(i, i + 5) for i in range(0, 60, 6)], [], ProsodyOptions())
    assert time.perf_counter() - t0 < 2.0


def test_rule_test_voice_line_with_an_unknown_name_says_which(tmp_path):
    from qa_pipeline.errors import RuleError
    from qa_pipeline.rules.testing import run_tests

    (tmp_path / "v.test.txt").write_text("# ruleid: voice.intonation\n(voice agent pitch_rang=2.5)\nA: 您好。\n", "utf-8")
    with pytest.raises(RuleError, match="unknown voice measurement pitch_rang; expected one of: .*pitch_range_st"):
        run_tests(tmp_path, rules())


@pytest.mark.parametrize("prosody, message", [
    ([], "metrics.prosody: must be an object keyed by speaker"),
    ({"boss": {}}, "unknown speaker 'boss'"),
    ({"agent": {"voiced_s": "loud"}}, "agent.voiced_s must be a number"),
    ({"agent": {"pitch_range_st": float("nan")}}, "NaN is not a number"),
    ({"agent": {"voiced_s": 3, "held": [{"start": 1, "end": "x", "ratio": 3, "final": True}]}},
     r"agent.held\[0\].end must be a number"),
    ({"agent": {"voiced_s": 3, "pauses": "many"}}, "agent.pauses must be a list of objects"),
], ids=["not-an-object", "speaker", "text", "nan", "held-end", "pauses"])
def test_stored_prosody_is_checked_when_rescoring(tmp_path, prosody, message):
    from qa_pipeline.errors import TranscriptError
    from qa_pipeline.pipeline import score_transcript

    report = {"transcript": [{"speaker": "agent", "start": 0.5, "end": 2.0, "text": "您好"}],
              "metrics": {"prosody": prosody}}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(report, allow_nan=True), "utf-8")
    with pytest.raises(TranscriptError, match=message):
        score_transcript(path, rules=rules())


def test_voice_items_on_a_separated_mono_call():
    """On mono the voices are separated first; the agent's voice items are then judged, not n/a."""
    from .conftest import scored

    report = scored("call05_mono_pcm")
    assert report.speakers.method == "mono diarization"
    assert statuses(report) == {i: "pass" for i in VOICE_ITEMS}
    assert report.sentiment is not None and not report.sentiment.ended_angrier


@pytest.mark.parametrize("toml, expected", [
    ("[prosody]\ndrawl_ratio = 2.0\nlow_prob = 0.5\n", {"drawl_ratio": 2.0, "low_prob": 0.5, "drawl_min_s": 0.6}),
    ("[prosody]\ndrawl_ratio = 0.5\n", r"\[prosody\] drawl_ratio = 0.5 is out of range"),
    ("[prosody]\ndrawl = 2\n", r"\[prosody\] unknown key 'drawl'; expected one of: drawl_min_s, drawl_ratio"),
    ("[prosody]\nlow_prob = \"high\"\n", r"\[prosody\] low_prob"),
], ids=["applied", "out-of-range", "unknown-key", "wrong-type"])
def test_prosody_options_from_config(tmp_path, toml, expected):
    from qa_pipeline.errors import ConfigError
    from qa_pipeline.options import pipeline_options

    path = tmp_path / "qa.toml"
    path.write_text(toml, "utf-8")
    if isinstance(expected, str):
        with pytest.raises(ConfigError, match=expected):
            pipeline_options(path)
        return
    got = pipeline_options(path).prosody
    assert {k: getattr(got, k) for k in expected} == expected
