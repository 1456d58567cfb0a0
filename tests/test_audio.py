"""Reading recordings: every format a call center stores, and every way a file can be bad."""

from __future__ import annotations

import shutil

import av
import numpy as np
import pytest
import soundfile as sf

from qa_pipeline.audio import load_audio
from qa_pipeline.errors import EXIT_BAD_INPUT, AudioError
from qa_pipeline.diarize import DiarizeOptions
from qa_pipeline.separation import separate
from qa_pipeline.transcribe import TranscribeOptions

from .conftest import SAMPLES

CALL = SAMPLES / "call01_clean_ulaw.wav"


def _tone(seconds=2.0, rate=8000, channels=2):
    t = np.arange(int(seconds * rate)) / rate
    sig = [0.3 * np.sin(2 * np.pi * (300 + 200 * c) * t) for c in range(channels)]
    return np.stack(sig, axis=1).astype(np.float32)


def _write_m4a(path, data, rate):
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=rate, layout="stereo" if data.shape[1] == 2 else "mono")
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data.T), format="fltp",
                                           layout="stereo" if data.shape[1] == 2 else "mono")
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


@pytest.mark.parametrize("fmt, subtype, ext, rate", [
    ("WAV", "PCM_16", "wav", 8000), ("WAV", "ULAW", "wav", 8000), ("WAV", "ALAW", "wav", 8000),
    ("WAV", "PCM_24", "wav", 48000), ("WAV", "FLOAT", "wav", 44100), ("FLAC", "PCM_16", "flac", 16000),
    ("MP3", "MPEG_LAYER_III", "mp3", 22050), ("OGG", "VORBIS", "ogg", 16000), ("OGG", "OPUS", "opus", 8000),
], ids=lambda v: str(v))
def test_formats_and_rates(tmp_path, fmt, subtype, ext, rate):
    path = tmp_path / f"x.{ext}"
    sf.write(path, _tone(rate=rate), rate, format=fmt, subtype=subtype)
    rec = load_audio(path)
    assert rec.n_channels == 2 and rec.sample_rate == rate
    assert rec.duration_s == pytest.approx(2.0, abs=0.1)
    assert len(rec.channels[0]) == pytest.approx(32000, abs=1600)


def test_m4a_aac(tmp_path):
    path = tmp_path / "x.m4a"
    _write_m4a(path, _tone(rate=16000), 16000)
    rec = load_audio(path)
    assert rec.n_channels == 2 and rec.codec == "aac" and rec.duration_s == pytest.approx(2.0, abs=0.15)


def test_channels_map_to_speakers():
    rec = load_audio(CALL)
    left = separate(rec, TranscribeOptions(), agent_channel="left")
    right = separate(rec, TranscribeOptions(), agent_channel="right")
    assert left.tracks["agent"] is right.tracks["customer"] and left.tracks["customer"] is right.tracks["agent"]
    assert left.tracks["agent"] is rec.channels[0]  # no echo on the sample: the channel untouched
    assert (left.agent_channel, right.agent_channel) == ("left", "right")


def test_dual_mono_is_mono(tmp_path):
    mono = _tone(channels=1)
    path = tmp_path / "dual.wav"
    sf.write(path, np.concatenate([mono, mono], axis=1), 8000)
    rec = load_audio(path)
    sep = separate(rec, TranscribeOptions(), diarize=DiarizeOptions(enabled=False))
    assert rec.dual_mono and list(sep.tracks) == ["unknown"] and sep.agent_channel is None


def _bad(tmp_path, kind):
    p = tmp_path / f"{kind}.wav"
    if kind == "missing":
        return tmp_path / "nope.wav"
    if kind == "empty":
        p.write_bytes(b"")
    elif kind == "text":
        p.write_text("this is not audio, just a renamed text file\n" * 20)
    elif kind == "truncated_header":
        p.write_bytes(CALL.read_bytes()[:30])
    elif kind == "corrupt_header":
        data = bytearray(CALL.read_bytes()[:4000])
        data[8:16] = b"XXXXXXXX"
        p.write_bytes(bytes(data))
    elif kind == "three_channels":
        sf.write(p, _tone(channels=3), 8000)
    elif kind == "too_short":
        sf.write(p, _tone(seconds=0.3), 8000)
    elif kind == "directory":
        p = tmp_path / "adir.wav"
        p.mkdir()
    elif kind == "no_samples":
        sf.write(p, np.zeros((0, 2), np.float32), 8000)
    return p


@pytest.mark.parametrize("kind, reason", [
    ("missing", "no such file"), ("empty", "empty file"), ("text", "not an audio file"),
    ("truncated_header", "corrupt or truncated WAV"), ("corrupt_header", "corrupt or truncated WAV"),
    ("three_channels", "3 channels"), ("too_short", "too short"), ("directory", "directory"),
    ("no_samples", "no audio samples"),
])
def test_bad_input_is_one_clear_error(tmp_path, kind, reason):
    path = _bad(tmp_path, kind)
    with pytest.raises(AudioError) as e:
        load_audio(path)
    msg = str(e.value)
    assert msg.startswith(str(path)) and reason in msg and "\n" not in msg
    assert e.value.exit_code == EXIT_BAD_INPUT


def test_silent_recording_is_valid(tmp_path):
    """No speech at all is a valid call with an empty transcript, not an error."""
    from qa_pipeline.pipeline import score_call

    path = tmp_path / "silence.wav"
    sf.write(path, np.zeros((8000 * 3, 2), np.float32), 8000, subtype="ULAW")
    report = score_call(path)
    assert report.transcript == () and report.metrics.talk_time_s == {"agent": 0, "customer": 0}
    assert report.metrics.speech_rate_cpm == {"agent": None, "customer": None}


def test_copy_keeps_hash(tmp_path):
    copy = tmp_path / "copy.wav"
    shutil.copy(CALL, copy)
    assert load_audio(copy).sha256 == load_audio(CALL).sha256
