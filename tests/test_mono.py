"""Mono calls end to end: every stereo sample mixed down to one channel, then scored.

The truth is the stereo sample's own: its scripted turns (who spoke when) and its
stereo report (which checks pass). The aims of issue 6, held here: under 10% of speech
time given the wrong speaker, roles right on every call, and the same check outcome
as the stereo recording on at least 90% of checks (the README has the measured table).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest
import soundfile as sf

from qa_pipeline.diarize import DiarizeOptions, diarize, speaker_error
from qa_pipeline.pipeline import apply_rules, score_call, speech_spans
from qa_pipeline.roles import assign_roles
from qa_pipeline.rules import load_rules
from qa_pipeline.types import Interval, SpeakerAssignment, Utterance

from .conftest import SAMPLES, TRUTHS, scored, truth

STEREO = [p.name.removesuffix(".truth.json") for p in TRUTHS if truth(p.name.removesuffix(".truth.json"))
          ["audio"]["channels"] == 2]
MAX_ERROR = 0.10
MIN_AGREEMENT = 0.90


def downmix(name: str, dst_dir) -> str:
    """The stereo sample as a mono call center would store it: both parties on one channel."""
    data, rate = sf.read(SAMPLES / truth(name)["file"], dtype="float32", always_2d=True)
    out = dst_dir / f"{name}_mono.wav"
    sf.write(out, np.clip(data.sum(axis=1), -0.99, 0.99), rate, subtype="PCM_16")
    return str(out)


@lru_cache(maxsize=None)
def mono_report(name: str, tmp: str):
    from pathlib import Path

    return score_call(downmix(name, Path(tmp)))


@pytest.fixture(scope="module")
def tmp_mono(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("mono"))


def _truth_spans(name: str) -> dict[str, list[Interval]]:
    t = truth(name)
    return {k: [Interval(x["start"], x["end"]) for x in t["turns"] if x["speaker"] == k] for k in ("agent", "customer")}


@pytest.mark.parametrize("name", STEREO)
def test_mono_version_is_diarized_and_named(name, tmp_mono):
    report = mono_report(name, tmp_mono)
    assert report.audio.channels == 1 and report.speakers.method == "mono diarization"
    err = speaker_error(_truth_spans(name), speech_spans(report))
    assert err["error"] < MAX_ERROR, (name, err)
    assert report.speakers.role_level in ("high", "medium"), report.speakers
    d = report.to_dict()
    assert d["audio"]["channels"] == 1 and d["speakers"]["method"] == "mono diarization"
    assert d["speakers"]["cues"] and "the agent is the voice that" in d["speakers"]["detail"]


@pytest.mark.parametrize("name", STEREO)
def test_mono_checks_agree_with_stereo(name, tmp_mono):
    mono = {c.id: c.status for c in mono_report(name, tmp_mono).checks}
    stereo = {c.id: c.status for c in scored(name).checks}
    auto = [cid for cid, s in stereo.items() if s != "manual"]
    differ = {cid: (stereo[cid], mono[cid]) for cid in auto if mono[cid] != stereo[cid]}
    assert 1 - len(differ) / len(auto) >= MIN_AGREEMENT, (name, differ)


def test_interruptions_are_found_on_mono(tmp_mono):
    """call03: the agent cuts in twice (1.6 s and 1.4 s); mono finds both and who did it."""
    ot = mono_report("call03_interrupt_mp3", tmp_mono).metrics.overtalk
    assert ot.available and ot.method.startswith("mono estimate")
    assert ot.agent_interruptions == 2 and ot.customer_interruptions == 0, ot.spans
    for g, p in zip([g for g in truth("call03_interrupt_mp3")["overtalk"] if g["kind"] == "interruption"], ot.spans):
        assert p.start < g["end"] and g["start"] < p.end, (g, p)
    status = {c.id: c.status for c in mono_report("call03_interrupt_mp3", tmp_mono).checks}
    assert status["speech.interruption"] == "fail"


def test_no_invented_overlaps(tmp_mono):
    """Calls without an interruption get none on mono."""
    for name in ("call01_clean_ulaw", "call04_fast_flac", "call08_taboo_pcm"):
        ot = mono_report(name, tmp_mono).metrics.overtalk
        assert ot.agent_interruptions == 0 and ot.customer_interruptions == 0, (name, ot.spans)


def test_one_voice_is_not_split(tmp_path):
    """Only the agent's channel: the encoder hears one voice, so roles come from content; most is
    the agent's and no turn is surely the customer's, which cannot be a whole call: low
    confidence, flagged, overtalk n/a."""
    data, rate = sf.read(SAMPLES / truth("call01_clean_ulaw")["file"], dtype="float32", always_2d=True)
    path = tmp_path / "agent_only.wav"
    sf.write(path, data[:, 0], rate, subtype="PCM_16")
    report = score_call(path)
    assert report.speakers.method == "mono, roles by content" and "could not be told apart" in report.speakers.detail
    chars = {s: sum(len(u.text) for u in report.transcript if u.speaker == s) for s in ("agent", "customer")}
    assert chars["agent"] >= 0.8 * sum(chars.values()), chars
    assert report.speakers.role_level == "low"
    assert all(c.weight < 0.8 for c in report.speakers.cues if c.points_to == "customer")
    assert report.metrics.overtalk.available is False and "n/a" in report.metrics.overtalk.reason
    assert report.flagged and any("speaker roles of this mono call are uncertain" in r for r in report.flag_reasons)


def test_unseparated_without_content_roles(tmp_path):
    """With content roles off, voices that cannot be told apart leave speakers unknown, as before."""
    from qa_pipeline.pipeline import PipelineOptions

    data, rate = sf.read(SAMPLES / truth("call01_clean_ulaw")["file"], dtype="float32", always_2d=True)
    path = tmp_path / "agent_only.wav"
    sf.write(path, data[:, 0], rate, subtype="PCM_16")
    report = score_call(path, PipelineOptions(diarize=DiarizeOptions(content_roles=False)))
    assert report.speakers.method == "mono, not separated" and {u.speaker for u in report.transcript} == {"unknown"}
    assert report.flagged and any("could not be told apart" in r for r in report.flag_reasons)
    assert {c.id: c.status for c in report.checks}["opening.greeting"] == "n/a"


def test_diarize_silence_and_blips():
    """No speech, digital silence, or one short blip: not separable, nothing crashes."""
    track = np.zeros(16000 * 3, np.float32)
    assert not diarize(track, []).separable
    assert not diarize(track, [Interval(1.0, 1.3)]).separable
    assert not diarize(track, [Interval(0.5, 2.5)]).separable


def _u(text: str, start: float = 0.0) -> Utterance:
    return Utterance("unknown", start, start + 2.0, text, text)


@pytest.mark.parametrize("voice0, voice1, agent, level", [
    # voice 0 says the opening with 工号: agent, and sure
    (["您好，安心保险客服中心，工号1072，很高兴为您服务"], ["我想查询一下我的保单"], 0, "high"),
    # the customer spoke first
    (["喂，你好，我想咨询一下理赔"], ["您好，请您提供一下保单号", "感谢您的来电，再见"], 1, "high"),
    # ASR heard 公号 for 工号 and 来点 for 来电: pinyin still matches
    (["好的", "我的身份证号是110105198503071234"], ["您好公号1072", "感谢您的来点"], 1, "high"),
    # nothing tells them apart: the first voice, at low confidence
    (["喂", "好的"], ["嗯", "好"], 0, "low"),
    # one weak cue only
    (["请您稍等"], ["好的"], 0, "low"),
])
def test_roles_from_what_was_said(voice0, voice1, agent, level):
    r = assign_roles([[_u(t, i * 3.0) for i, t in enumerate(voice0)], [_u(t, 1 + i * 3.0) for i, t in enumerate(voice1)]])
    assert (r.agent, r.level) == (agent, level), r
    assert 0.5 <= r.confidence < 1
    assert (r.fallback is not None) == (not r.cues)


def test_low_role_confidence_flags_the_call():
    report = scored("call05_mono_pcm")
    assert report.speakers.role_level == "high" and not any("uncertain" in r for r in report.flag_reasons)
    from dataclasses import replace

    unsure = replace(report, speakers=SpeakerAssignment("mono diarization", "test", 0.6, "low"))
    out = apply_rules(unsure, load_rules())
    assert out.flagged and any("speaker roles of this mono call are uncertain" in r for r in out.flag_reasons)


@pytest.mark.parametrize("truth_spans, hyp, error", [
    ({"agent": [Interval(0, 2)], "customer": [Interval(2, 4)]},
     {"agent": [Interval(0, 2)], "customer": [Interval(2, 4)]}, 0.0),
    ({"agent": [Interval(0, 2)], "customer": [Interval(2, 4)]},
     {"agent": [Interval(0, 3)], "customer": [Interval(3, 4)]}, 0.25),
    ({"agent": [Interval(0, 2)], "customer": [Interval(2, 4)]},
     {"agent": [Interval(2, 4)], "customer": [Interval(0, 2)]}, 1.0),  # roles swapped
])
def test_speaker_error(truth_spans, hyp, error):
    assert speaker_error(truth_spans, hyp)["error"] == pytest.approx(error, abs=0.01)


def test_diarization_can_be_turned_off():
    from qa_pipeline.pipeline import PipelineOptions

    report = score_call(SAMPLES / truth("call06_mono_opus")["file"],
                        PipelineOptions(diarize=DiarizeOptions(enabled=False)))
    assert {u.speaker for u in report.transcript} == {"unknown"}
    assert report.speakers.method == "mono, not separated" and report.metrics.overtalk.available is False


# --- Roles by content: mono calls whose two voices sound alike (issue 14) -------------------------

from qa_pipeline.errors import ConfigError  # noqa: E402
from qa_pipeline.role_classifier import (  # noqa: E402
    ContentRoleOptions, RoleClassifier, cross_validate, default_classifier, label_turns, split_turns,
    training_dialogues)
from qa_pipeline.types import Word  # noqa: E402


@pytest.mark.parametrize("turns, roles, gaps", [
    # a plain inbound call
    (["您好，安心保险客服中心，工号1024，很高兴为您服务", "你好，我想查一下我的保单", "好的，请您提供一下保单号",
      "保单号是88623457", "请您稍等", "感谢您的耐心等待，您的保单是有效的", "好的，谢谢", "感谢您的来电，再见"],
     "ACACAACA", None),
    # the customer speaks first; ASR homophones (公号, 来点, 收等) still read as the script
    (["喂，你好", "您好公号1072请问有什么可以帮您", "我要投诉你们的理赔太慢了", "非常抱歉给您带来不便",
      "请您收等", "好吧", "感谢您的来点"], "CACAACA", None),
    # short turns take the role the dialogue and the pauses give them: 好的 0.2 s before the
    # agent's question is the agent's; 嗯 0.2 s after the customer's number is the customer's
    (["您好，客服中心，很高兴为您服务", "我想改一下手机号", "好的", "请问您的身份证号码", "110105198503071234",
      "嗯", "已经帮您修改好了", "谢谢"], "ACAACCAC", [0, 0.8, 0.8, 0.2, 0.9, 0.2, 0.8, 0.8]),
], ids=["inbound", "customer-first-homophones", "short-turns"])
def test_turn_roles_from_words(turns, roles, gaps):
    got = label_turns(turns, gaps_s=gaps)
    assert "".join("A" if r == "agent" else "C" for r in got.roles) == roles, got
    assert got.level in ("high", "medium") and 0.5 <= got.confidence <= 1


def test_one_sided_dialogue_is_low_confidence():
    """Only agent phrases: one role found, which cannot be a whole call."""
    got = label_turns(["您好，客服中心，工号2208", "请您提供一下保单号", "感谢您的来电，再见"])
    assert set(got.roles) == {"agent"} and got.level == "low"


def test_classifier_generalizes_to_held_out_dialogues():
    """Five-fold over the annotated dialogues: each fold's dialogues never seen in training."""
    cv = cross_validate(folds=5)
    assert cv["turns"] >= 400
    assert cv["classifier"] >= 0.9 and cv["smoothed"] >= 0.95, cv


def test_classifier_is_deterministic():
    pairs = [t for d in training_dialogues() for t in d]
    a = RoleClassifier().fit([t for _, t in pairs], [r for r, _ in pairs]).predict_agent(["请您稍等", "我想问一下"])
    b = default_classifier().predict_agent(["请您稍等", "我想问一下"])
    assert np.allclose(a, b) and a[0] > 0.5 > a[1]


def test_bad_training_file_names_the_line(tmp_path):
    path = tmp_path / "dialogues.txt"
    path.write_text("A: 您好\nC: 你好\nX 这一行不对\n", "utf-8")
    with pytest.raises(ConfigError, match=r"dialogues.txt:3: expected 'A: text'"):
        training_dialogues(path)


def test_turns_are_cut_at_pauses_and_sentence_ends():
    words = (Word(0.0, 0.4, "好的", 0.9), Word(0.4, 0.9, "谢谢", 0.9), Word(1.4, 1.8, "不客气", 0.9),
             Word(1.8, 2.2, "。", 0.9), Word(2.2, 2.6, "再见", 0.9))
    u = Utterance("unknown", 0.0, 2.7, "好的谢谢不客气。再见", "好的谢谢不客气。再见", words)
    pieces = split_turns([u], ContentRoleOptions())
    assert [p.text for p in pieces] == ["好的谢谢", "不客气。", "再见"]
    assert pieces[0].start == 0.0 and pieces[-1].end == 2.7
    assert split_turns([u], ContentRoleOptions(split_gap_s=1.0, split_at_sentence_end=False)) == [u]


def _spoken(text: str, start: float, word_s: float = 0.25, gap_after: dict | None = None) -> Utterance:
    """An utterance with one word per character, ``word_s`` each, extra pauses after given indexes."""
    words, t = [], start
    for i, ch in enumerate(text):
        words.append(Word(round(t, 3), round(t + word_s, 3), ch, 0.9))
        t += word_s + (gap_after or {}).get(i, 0.0)
    return Utterance("unknown", start, round(t, 3), text, text, tuple(words))


def test_roles_by_content_on_one_track():
    """One track's utterances (no audio needed): turns labelled, speech split by role, overtalk n/a."""
    from qa_pipeline.diarize import Diarization
    from qa_pipeline.mono import MonoSplit, roles_by_content
    from qa_pipeline.transcribe import ChannelResult

    utts = [_spoken("您好客服中心工号1024很高兴为您服务", 0.5),
            # the customer's request and the agent's answer in one VAD span, 0.4 s apart
            _spoken("我想查一下我的保单好的请您提供一下保单号", 6.0, gap_after={8: 0.4}),
            _spoken("保单号是88623457", 12.0),
            _spoken("感谢您的来电再见", 16.0)]
    speech = [u.span for u in utts]
    track = np.zeros(16000 * 20, np.float32)
    split = MonoSplit({"voice0": track}, {"voice0": speech}, Diarization((tuple(speech), ()), 0.93, 0.2, 40, False))
    channels, tracks, spans, who = roles_by_content(ChannelResult("unknown", speech, utts), track, split, False)
    said = [(u.speaker, u.text) for u in sorted(channels["agent"].utterances + channels["customer"].utterances,
                                                key=lambda u: u.start)]
    assert said == [("agent", "您好客服中心工号1024很高兴为您服务"), ("customer", "我想查一下我的保单"),
                    ("agent", "好的请您提供一下保单号"), ("customer", "保单号是88623457"), ("agent", "感谢您的来电再见")]
    assert who.method == "mono, roles by content" and "4 turns" not in who.detail and who.cues
    assert set(tracks) == set(spans) == {"agent", "customer"}
    total = sum(s.duration for v in spans.values() for s in v)
    assert total == pytest.approx(sum(s.duration for s in speech), abs=0.01)
    assert not channels["unknown"].utterances


# --- Look-alike voices: both parties in one TTS voice on one channel (tools/lookalike.py) ----------

LOOKALIKE_MAX_AGENT_CER = 0.3
LOOKALIKE_MIN_F1 = 0.85


@lru_cache(maxsize=None)
def lookalike_report(name: str, tmp: str):
    """A stereo sample with the customer resampled back to the agent's TTS voice, summed to mono, scored."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(SAMPLES.parent / "tools"))
    from lookalike import lookalike

    audio, rate, t = lookalike(name)
    path = Path(tmp) / t["file"]
    sf.write(path, audio, rate, subtype="PCM_16")
    return score_call(path), t


def _role_text(report, t: dict, role: str) -> tuple[str, str]:
    from qa_pipeline.text import normalize, strip_punct

    ref = strip_punct(normalize("".join(x["text"] for x in t["turns"] if x["speaker"] == role)))
    return ref, strip_punct("".join(u.text for u in report.transcript if u.speaker == role))


@pytest.mark.parametrize("name", STEREO)
def test_lookalike_roles_by_content(name, tmp_mono):
    """Voices the encoder cannot tell apart: roles from what each turn says, the agent's text right."""
    from .conftest import cer

    report, t = lookalike_report(name, tmp_mono)
    assert report.speakers.method == "mono, roles by content", report.speakers
    assert report.speakers.voice_similarity >= 0.78  # the two voices really do sound alike
    agent_cer = cer(*_role_text(report, t, "agent"))
    assert agent_cer <= LOOKALIKE_MAX_AGENT_CER, (name, agent_cer)
    ot = report.metrics.overtalk
    assert not ot.available and "cannot be measured" in ot.reason
    assert {c.id: c.status for c in report.checks}["speech.interruption"] == "n/a"
    if report.speakers.role_level == "low":
        assert report.flagged


def test_lookalike_checks_f1(tmp_mono):
    """Every labelled check on the 7 look-alike copies: failures found with F1 >= 0.85 (micro)."""
    import yaml

    labels = yaml.safe_load((SAMPLES / "checks.truth.yaml").read_text("utf-8"))
    n = {"tp": 0, "fp": 0, "fn": 0}
    wrong = []
    for name in STEREO:
        got = {c.id: c.status for c in lookalike_report(name, tmp_mono)[0].checks}
        for cid, lab in {**labels["defaults"], **(labels["calls"].get(name) or {})}.items():
            if lab == "fail" or got[cid] == "fail":
                n["tp" if lab == got[cid] else "fn" if lab == "fail" else "fp"] += 1
            if lab != got[cid]:
                wrong.append(f"{name} {cid}: {lab} → {got[cid]}")
    p, r = n["tp"] / max(n["tp"] + n["fp"], 1), n["tp"] / max(n["tp"] + n["fn"], 1)
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    assert f1 >= LOOKALIKE_MIN_F1, (f1, n, wrong)
