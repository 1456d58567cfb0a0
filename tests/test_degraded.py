"""Real-recording conditions: echo between channels, caller noise, codecs, quiet callers, swapped channels.

The degraded calls are made at test time by ``tools/degrade.py`` (seeded, a few seconds) from
the stereo samples, with the samples' truth unchanged. End-to-end tests run the real model on
them (a few calls, to keep the suite short); the echo measurement and the channel decision are
also tested on their own, without ASR.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
import yaml

from qa_pipeline.bleed import BleedOptions, frame_db, noise_floor_db, remove_bleed
from qa_pipeline.channels import decide_agent_channel
from qa_pipeline.errors import ConfigError, RuleError
from qa_pipeline.text import normalize, strip_punct
from qa_pipeline.types import SpeakerAssignment, Utterance

from .conftest import ROOT, SAMPLES, cer, scored, truth

CER_MARGIN = 0.05  # degraded CER at most 5 points above the clean samples' (mean over the copies)
CER_MARGIN_ONE_CALL = 0.07  # and at most 7 on any one call
SILENCE_TOL_S = 0.5
MIN_OVERTALK_S = 0.3  # as test_samples: the 0.28 s backchannel is under the VAD's reach


def _tool():
    spec = importlib.util.spec_from_file_location("degrade", ROOT / "tools" / "degrade.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def degraded_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("degraded")


_DIR: list[Path] = []


@lru_cache(maxsize=None)
def degraded(name: str, profile: str):
    """(truth, report) of a sample call degraded by ``profile``, scored once per session."""
    from qa_pipeline.pipeline import score_call

    audio = _tool().write_degraded(name, profile, _DIR[0])
    t = json.loads(audio.with_name(f"{name}__{profile}.truth.json").read_text("utf-8"))
    return t, score_call(audio)


@pytest.fixture(autouse=True)
def _where(degraded_dir):
    _DIR[:] = [degraded_dir]


def _labels(call: str) -> dict[str, str]:
    data = yaml.safe_load((SAMPLES / "checks.truth.yaml").read_text("utf-8"))
    return {**data["defaults"], **(data["calls"].get(call) or {})}


def _cer(t: dict, report, speaker: str) -> float:
    ref = strip_punct(normalize("".join(x["text"] for x in t["turns"] if x["speaker"] == speaker)))
    hyp = strip_punct("".join(u.text for u in report.transcript if u.speaker == speaker))
    return cer(ref, hyp)


def _call_cer(t: dict, report) -> float:
    """Character errors of both speakers over their reference characters."""
    errors = chars = 0.0
    for spk in ("agent", "customer"):
        n = len(strip_punct(normalize("".join(x["text"] for x in t["turns"] if x["speaker"] == spk))))
        errors, chars = errors + _cer(t, report, spk) * n, chars + n
    return errors / max(chars, 1)


def _interruptions(spans) -> list[tuple[str, float, float]]:
    return [(o.interrupter, o.start, o.end) for o in spans if o.kind == "interruption"]


# --- end to end on degraded audio (real model) -------------------------------------------------

REAL = [("call03_interrupt_mp3", "real"), ("call08_taboo_pcm", "real"), ("call02_hold_alaw", "real"),
        ("call03_interrupt_mp3", "quiet"), ("call03_interrupt_mp3", "opus")]


@pytest.mark.parametrize("name, profile", REAL, ids=[f"{n[:6]}-{p}" for n, p in REAL])
def test_degraded_call_checks_right(name, profile):
    """Every labelled check has the label's status (F1 = 1 here; the bar is 0.9 over all)."""
    t, report = degraded(name, profile)
    labels = _labels(name)
    wrong = [(c.id, c.status, labels[c.id]) for c in report.checks if c.id in labels and c.status != labels[c.id]]
    assert not wrong, (name, profile, wrong)
    assert report.audio.agent_channel == "left" and report.speakers.role_level in ("high", "medium")


@pytest.mark.parametrize("name, profile", REAL, ids=[f"{n[:6]}-{p}" for n, p in REAL])
def test_degraded_interruptions_exact(name, profile):
    """Exactly the script's interruptions, same interrupter, spans within 0.3 s; nothing invented."""
    t, report = degraded(name, profile)
    want = [(o["interrupter"], o["start"], o["end"]) for o in t["overtalk"]
            if o["kind"] == "interruption" and o["end"] - o["start"] >= MIN_OVERTALK_S]
    got = _interruptions(report.metrics.overtalk.spans)
    assert len(got) == len(want), (name, profile, want, got)
    for (wi, ws, we), (gi, gs, ge) in zip(want, got):
        assert wi == gi and abs(ws - gs) <= 0.3 and abs(we - ge) <= 0.3, (want, got)
    backchannels = [o for o in t["overtalk"] if o["kind"] == "backchannel" and o["end"] - o["start"] >= MIN_OVERTALK_S]
    assert report.metrics.overtalk.backchannels >= len(backchannels)
    assert report.metrics.overtalk.backchannels <= len([o for o in t["overtalk"] if o["kind"] == "backchannel"])


@pytest.mark.parametrize("name, profile", REAL, ids=[f"{n[:6]}-{p}" for n, p in REAL])
def test_degraded_silence(name, profile):
    t, report = degraded(name, profile)
    want = [(s["start"], s["end"]) for s in t["silences"] if s["end"] - s["start"] >= 1.5]
    got = [(s.start, s.end) for s in report.metrics.silence.spans if s.duration >= 1.5]
    assert len(got) == len(want), (want, got)
    for (ws, we), (gs, ge) in zip(want, got):
        assert abs(ws - gs) <= SILENCE_TOL_S and abs(we - ge) <= SILENCE_TOL_S, (want, got)


@pytest.mark.parametrize("name, profile", REAL, ids=[f"{n[:6]}-{p}" for n, p in REAL])
def test_degraded_cer_near_clean(name, profile):
    """The call's CER (both speakers' characters together) at most 7 points above the clean call's.

    One call is 150–300 characters: one character is half a point, and a codec library's new
    release moves a call by a few characters (call03 ``real`` went from 6 to 9.6 points on PyAV 18).
    The 5-point bar holds on the mean over the copies (next test). Per speaker it is looser (10
    points): a low-bitrate codec costs the low-voiced synthetic caller more than the agent (README,
    "Stereo recordings").
    """
    t, report = degraded(name, profile)
    clean = scored(name)
    assert _call_cer(t, report) <= _call_cer(truth(name), clean) + CER_MARGIN_ONE_CALL, (name, profile)
    for spk in ("agent", "customer"):
        assert _cer(t, report, spk) <= _cer(truth(name), clean, spk) + 2 * CER_MARGIN, (name, profile, spk)


def test_degraded_cer_near_clean_on_average():
    """Over the five degraded copies, the mean CER at most 5 points above the clean calls' mean."""
    got = [_call_cer(*degraded(name, profile)) for name, profile in REAL]
    clean = [_call_cer(truth(name), scored(name)) for name, _ in REAL]
    assert np.mean(got) <= np.mean(clean) + CER_MARGIN, (np.round(got, 3).tolist(), np.round(clean, 3).tolist())


def test_quiet_caller_keeps_every_turn():
    t, report = degraded("call03_interrupt_mp3", "quiet")
    for g in t["turns"]:
        if g["speaker"] == "customer" and g["end"] - g["start"] >= 1.0:
            assert any(u.speaker == "customer" and u.start < g["end"] and g["start"] < u.end and u.text
                       for u in report.transcript), g


def test_echo_level_reported():
    t, report = degraded("call03_interrupt_mp3", "real")
    bleed = report.diagnostics["bleed"]
    d = t["degraded"]
    # the agent (left) in the customer's channel, and the other way round; noise biases up a little
    assert bleed["left_in_right"]["removed"] and bleed["right_in_left"]["removed"], bleed
    assert abs(bleed["left_in_right"]["level_db"] - d["other_in_customer_db"]) <= 3.0, bleed
    assert abs(bleed["right_in_left"]["level_db"] - d["other_in_agent_db"]) <= 3.0, bleed
    assert bleed["left_in_right"]["echo_frames_s"] > 5 and bleed["right_in_left"]["echo_frames_s"] > 5


def test_swapped_copy_scored_like_the_original():
    """Channels swapped losslessly: the agent is found on the right, everything else identical, no flag added."""
    _, swapped = degraded("call01_clean_ulaw", "swap")
    original = scored("call01_clean_ulaw")
    assert swapped.audio.agent_channel == "right" and original.audio.agent_channel == "left"
    assert swapped.speakers.role_level == "high", swapped.speakers
    assert [(u.speaker, u.start, u.text) for u in swapped.transcript] == \
        [(u.speaker, u.start, u.text) for u in original.transcript]
    assert [(c.id, c.status, c.points) for c in swapped.checks] == [(c.id, c.status, c.points) for c in original.checks]
    assert (swapped.score, swapped.flagged, swapped.flag_reasons) == \
        (original.score, original.flagged, original.flag_reasons)
    assert swapped.metrics.overtalk == original.metrics.overtalk


def test_degraded_swap_scored_like_degraded():
    """The ``real`` degradation with its channels swapped is scored as the unswapped copy."""
    _, a = degraded("call03_interrupt_mp3", "real")
    _, b = degraded("call03_interrupt_mp3", "real_swap")
    assert (a.audio.agent_channel, b.audio.agent_channel) == ("left", "right")
    assert [(c.id, c.status) for c in a.checks] == [(c.id, c.status) for c in b.checks]
    assert (a.score, a.flag_reasons) == (b.score, b.flag_reasons)
    assert _interruptions(a.metrics.overtalk.spans) == _interruptions(b.metrics.overtalk.spans)


# --- echo measurement, no ASR ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["call01_clean_ulaw", "call03_interrupt_mp3", "call07_long_flac"])
def test_clean_samples_have_no_echo(name):
    from qa_pipeline.audio import load_audio

    rec = load_audio(SAMPLES / truth(name)["file"])
    res = remove_bleed(*rec.channels)
    assert not res.echo[0].audible and not res.echo[1].audible, res.echo
    assert all(t is c for t, c in zip(res.tracks, rec.channels))  # untouched


@pytest.mark.parametrize("profile", ["echo", "real"])
def test_echo_measured_per_direction(profile):
    tool = _tool()
    agent, customer, t = tool.load_call("call09_hasty_mp3")
    left, right, params, _ = tool.degrade(agent, customer, t, profile, tool._rng("call09_hasty_mp3", profile, 0))
    import soxr

    left, right = (soxr.resample(x, 8000, 16000).astype(np.float32) for x in (left, right))
    res = remove_bleed(left, right)
    assert res.echo[0].audible and res.echo[1].audible
    assert abs(res.echo[0].level_db - params["other_in_customer_db"]) <= 3.0, (res.echo, params)
    assert abs(res.echo[1].level_db - params["other_in_agent_db"]) <= 3.0, (res.echo, params)
    # the echo is gated down to the noise floor where only the agent speaks
    turn = next(g for g in t["turns"] if g["speaker"] == "agent")
    i, j = int(turn["start"] * 100) + 10, int(turn["end"] * 100) - 10
    gated = frame_db(res.tracks[1])
    assert np.median(gated[i:j]) <= noise_floor_db(gated) + 4 < np.median(frame_db(right)[i:j]) + 4


def test_bleed_can_be_switched_off():
    rng = np.random.default_rng(1)
    syl = np.repeat(rng.random(300) * (rng.random(300) > 0.4), 320)
    a = (rng.normal(size=syl.size) * syl * 0.3).astype(np.float32)
    b = (np.roll(a, 40) * 10 ** (-26 / 20) + rng.normal(size=a.size) * 1e-4).astype(np.float32)
    assert remove_bleed(a, b).echo[0].audible
    off = remove_bleed(a, b, BleedOptions(enabled=False))
    assert not off.echo[0].audible and off.tracks[1] is b


# --- which channel is the agent, no ASR --------------------------------------------------------------

def _u(start: float, text: str) -> Utterance:
    return Utterance("unknown", start, start + 2.0, text, text)


AGENT = [_u(0.5, "您好，安心保险客服中心，工号幺零五六，很高兴为您服务。"), _u(9.0, "请您提供一下保单号。"),
         _u(30.0, "感谢您的来电，再见。")]
CUSTOMER = [_u(4.0, "我想查询一下我的保单。"), _u(12.0, "保单号是66824735。"), _u(33.0, "好的再见。")]
CASES = [
    (AGENT, CUSTOMER, "left", "high"),
    (CUSTOMER, AGENT, "right", "high"),
    ([_u(0.5, "您好，公号1234。")], [_u(3.0, "你好。")], "left", "high"),                  # 公号 by pinyin
    ([_u(3.0, "嗯。")], [_u(0.5, "你好。")], "right", "low"),                           # only who spoke first
    ([], [], "left", "low"),                                                            # nothing said
]


@pytest.mark.parametrize("left, right, agent, level", CASES,
                         ids=["agent-left", "agent-right", "homophone", "first-only", "silent"])
def test_agent_channel_decided_from_content(left, right, agent, level):
    d = decide_agent_channel(left, right)
    assert (d.agent, d.level) == (agent, level), d
    assert 0.5 <= d.confidence <= 1


def test_low_channel_confidence_flags_the_call(tmp_path):
    from qa_pipeline.pipeline import apply_rules, score_transcript
    from qa_pipeline.rules import load_rules

    lines = [{"speaker": "agent", "text": "您好，安心保险客服中心，工号1234，很高兴为您服务。", "start": 0.5, "end": 4},
             {"speaker": "customer", "text": "我想查询保单。", "start": 5, "end": 7},
             {"speaker": "agent", "text": "感谢您的来电，再见。", "start": 8, "end": 10}]
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    report = score_transcript(path)
    assert not report.flagged
    low = replace(report, speakers=SpeakerAssignment(method="stereo channels", detail="x", role_confidence=0.62,
                                                     role_level="low"))
    again = apply_rules(low, load_rules())
    assert again.flagged and any("channel" in r for r in again.flag_reasons), again.flag_reasons


def test_role_cues_live_in_the_rules(tmp_path):
    from qa_pipeline.rules import load_rules

    cues = {c.cue: c for c in load_rules().role_cues}
    assert "工号" in cues["self_id"].any and cues["request"].points_to == "customer"
    (tmp_path / "roles.yaml").write_text("version: 1\nrole_cues:\n  - {cue: x, points_to: agent, weight: 1, "
                                         "any: ['@nope']}\n", encoding="utf-8")
    with pytest.raises(RuleError, match="unknown list '@nope'"):
        load_rules(tmp_path)
    (tmp_path / "roles.yaml").write_text("version: 1\nrole_cues:\n  - {cue: x, points_to: boss, weight: 1, "
                                         "any: [a]}\n", encoding="utf-8")
    with pytest.raises(RuleError):
        load_rules(tmp_path)


def test_bad_agent_channel_is_a_config_error():
    from qa_pipeline.audio import load_audio
    from qa_pipeline.separation import separate
    from qa_pipeline.transcribe import TranscribeOptions

    rec = load_audio(SAMPLES / "call01_clean_ulaw.wav")
    with pytest.raises(ConfigError, match="'middle'"):
        separate(rec, TranscribeOptions(), agent_channel="middle")


@pytest.mark.parametrize("value, side", [("right", "right"), ("L", "left"), ("右", "right"), ("auto", "auto")])
def test_manifest_sets_the_agent_channel_per_call(tmp_path, value, side):
    from qa_pipeline.batch import discover

    (tmp_path / "a.wav").write_bytes((SAMPLES / "call01_clean_ulaw.wav").read_bytes())
    (tmp_path / "m.csv").write_text(f"file,agent_id,坐席声道\na.wav,A001,{value}\n", encoding="utf-8")
    job, = discover(tmp_path, manifest=tmp_path / "m.csv").jobs
    assert job.meta["agent_channel"] == side


def test_manifest_with_a_bad_agent_channel_is_bad_input(tmp_path):
    from qa_pipeline.batch import discover
    from qa_pipeline.errors import InputError

    (tmp_path / "a.wav").write_bytes((SAMPLES / "call01_clean_ulaw.wav").read_bytes())
    (tmp_path / "m.csv").write_text("file,agent_channel\na.wav,middle\n", encoding="utf-8")
    with pytest.raises(InputError, match="agent_channel 'middle'"):
        discover(tmp_path, manifest=tmp_path / "m.csv")


@pytest.mark.parametrize("profile, cleaned", [("real", (False, True)), ("swap", (False, False)), ("ulaw", (False, False))],
                         ids=["noisy-caller", "swap-clean", "g711-clean"])
def test_only_noisy_channels_are_denoised(profile, cleaned, tmp_path):
    """Spectral subtraction runs on the caller's noisy channel only; clean channels stay bit-identical."""
    from qa_pipeline.audio import load_audio
    from qa_pipeline.denoise import channel_snr_db, denoise

    rec = load_audio(_tool().write_degraded("call09_hasty_mp3", profile, tmp_path))
    for ch, want in zip(rec.channels, cleaned):
        out, snr, applied = denoise(ch)
        assert applied == want, (profile, snr)
        assert (out is ch) != applied
        if applied:
            assert channel_snr_db(out) > snr + 5


def test_batch_takes_the_agent_channel_from_the_manifest(tmp_path):
    """A real ``qa batch``: one swapped copy found on the right by ``auto``, the same file forced left by its row."""
    import sqlite3
    import subprocess
    import sys

    folder = tmp_path / "calls"
    audio = _tool().write_degraded("call03_interrupt_mp3", "swap", folder)
    (folder / "forced.wav").write_bytes(audio.read_bytes())
    audio.rename(folder / "auto.wav")
    for p in folder.glob("*.json"):
        p.unlink()
    (tmp_path / "m.csv").write_text("file,call_id,坐席声道\nauto.wav,auto,auto\nforced.wav,forced,左\n", encoding="utf-8")
    db = tmp_path / "qa.db"
    r = subprocess.run([sys.executable, "-m", "qa_pipeline", "batch", str(folder), "--db", str(db), "--manifest",
                        str(tmp_path / "m.csv"), "--workers", "1"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    con = sqlite3.connect(db)
    reports = {cid: json.loads(rep) for cid, rep in con.execute("select call_id, report from reports")}
    con.close()
    assert reports["auto"]["audio"]["agent_channel"] == "right"
    assert "auto:" in reports["auto"]["speakers"]["detail"]
    assert reports["forced"]["audio"]["agent_channel"] == "left"
    assert "forced" in reports["forced"]["speakers"]["detail"]
