"""Degraded copies of the stereo sample calls, with their ground truth unchanged.

Real call-center recordings are not the clean synthesized samples: each channel carries
the other party's echo 24–32 dB down, the caller's side is noisy, the audio went through
a narrowband codec, callers are quiet, lines hum, loud agents clip, and recording systems
disagree on which side the agent is on. Each *profile* applies one of these (``real``:
several at once) to a sample call and writes ``<call>__<profile>.wav`` (or ``.ogg``) with
``<call>__<profile>.truth.json`` beside it: the sample's truth (turn times and texts,
silences, overtalk) is unchanged by construction, only ``file``, ``audio`` and
``degraded`` (the parameters used) differ, and ``swap`` profiles say the agent is on the
right. Everything is seeded (``--seed``, and the call's name): the same command writes the
same files.

    python tools/degrade.py                                  # every stereo call, every profile
    python tools/degrade.py --calls call03_interrupt_mp3 --profiles echo real real_swap --out /tmp/deg

Profiles:

=========  ==============================================================================
echo       each channel carries the other 24–32 dB down, 2–8 ms late (through a short smear)
noise      pink noise on the caller's channel at 15–25 dB SNR (against the caller's speech)
ulaw/alaw  G.711 μ-law / A-law, 8 kHz WAV
gsm        GSM 06.10 full rate (13 kbit/s) round trip, stored as 8 kHz PCM
amr        AMR-NB 7.95 kbit/s round trip (the 8 kbit/s narrowband of mobile lines)
opus       Opus narrowband, 8 kbit/s per channel, stored as 8 kHz Ogg/Opus (48 kbit/s stereo)
quiet      the caller 10 dB quieter
hum        50 Hz mains hum with harmonics, 30 dB under the speech, on both channels
clip       the agent driven into clipping (2% of its speech samples at full scale)
swap       the channels swapped (agent on the right), losslessly: the decoded channels as 16 kHz float
real       caller noise (20 dB SNR) + echo both ways + an 8 kbit/s VoIP codec (Opus narrowband), as PCM
real_swap  ``real`` with the channels swapped
=========  ==============================================================================
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import zlib
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_audio"
RATE = 8000
PROFILES = ("echo", "noise", "ulaw", "alaw", "gsm", "amr", "opus", "quiet", "hum", "clip", "swap", "real",
            "real_swap")


def stereo_calls() -> list[str]:
    """Names of the stereo sample calls (those with a ``.truth.json``)."""
    out = []
    for p in sorted(SAMPLES.glob("*.truth.json")):
        if json.loads(p.read_text("utf-8"))["audio"]["channels"] == 2:
            out.append(p.name.removesuffix(".truth.json"))
    return out


def load_call(name: str, rate: int = RATE) -> tuple[np.ndarray, np.ndarray, dict]:
    """A sample call's (agent, customer) channels at ``rate`` (as the pipeline decodes them), and its truth."""
    sys.path.insert(0, str(ROOT))
    from qa_pipeline.audio import load_audio

    truth = json.loads((SAMPLES / f"{name}.truth.json").read_text("utf-8"))
    rec = load_audio(SAMPLES / truth["file"])
    import soxr

    chans = [c.astype(np.float64) if rate == rec.rate else
             soxr.resample(c, rec.rate, rate, quality="HQ").astype(np.float64) for c in rec.channels]
    if truth["audio"].get("agent_channel", "left") == "right":
        chans.reverse()
    return chans[0], chans[1], truth


def _rng(name: str, profile: str, seed: int) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(f"{name}/{profile}".encode())])


def _speech_rms(x: np.ndarray, truth: dict, speaker: str) -> float:
    parts = [x[int(t["start"] * RATE): int(t["end"] * RATE)] for t in truth["turns"] if t["speaker"] == speaker]
    s = np.concatenate(parts) if parts else x
    return float(np.sqrt(np.mean(s ** 2))) or 1e-4


def pink_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """Unit-RMS pink (1/f) noise (Kellet's filter on white noise)."""
    from scipy.signal import lfilter

    white = rng.normal(size=n + 4000)
    pink = lfilter([0.049922035, -0.095993537, 0.050612699, -0.004408786],
                   [1, -2.494956002, 2.017265875, -0.522189400], white)[4000:]
    return pink / np.sqrt(np.mean(pink ** 2))


def add_echo(agent: np.ndarray, customer: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, dict]:
    """Each channel plus the other one 24–32 dB down, 2–8 ms late, slightly smeared."""
    params = {}
    out = []
    for name, own, other in (("agent", agent, customer), ("customer", customer, agent)):
        level = float(rng.uniform(-32, -24))
        delay_ms = float(rng.uniform(2, 8))
        d = int(round(delay_ms * RATE / 1000))
        path = np.convolve(other, [0.25, 0.5, 0.25])[: len(other)]  # the echo path's own low-pass
        echo = np.concatenate([np.zeros(d), path[: len(other) - d]]) * 10 ** (level / 20)
        out.append(own + echo)
        params[f"other_in_{name}_db"] = round(level, 1)
        params[f"other_in_{name}_delay_ms"] = round(delay_ms, 1)
    return out[0], out[1], params


def _codec_roundtrip(x: np.ndarray, codec: str, bit_rate: int) -> np.ndarray:
    """One channel through a PyAV (FFmpeg) encoder and back, 8 kHz mono."""
    import av

    enc = av.CodecContext.create(codec, "w")
    enc.sample_rate, enc.layout, enc.bit_rate = RATE, "mono", bit_rate
    enc.format = av.AudioFormat("flt" if codec == "libopus" else "s16")
    enc.open()
    dec = av.CodecContext.create({"libopus": "libopus", "libopencore_amrnb": "amrnb"}.get(codec, codec), "r")
    dec.sample_rate, dec.layout = RATE, "mono"
    dec.open()
    frame_n = enc.frame_size or 160
    pcm = np.clip(x, -1, 1)
    pcm = np.concatenate([pcm, np.zeros(-len(pcm) % frame_n)])
    out, rates = [], set()

    def decode(packets):
        for p in packets:
            for f in dec.decode(p):
                a = f.to_ndarray().reshape(-1)
                rates.add(f.sample_rate)
                out.append(a / 32768.0 if a.dtype == np.int16 else a.astype(np.float64))

    for i in range(0, len(pcm), frame_n):
        block = pcm[i: i + frame_n]
        arr = block.astype(np.float32)[None] if codec == "libopus" else (block * 32767).astype(np.int16)[None]
        f = av.AudioFrame.from_ndarray(arr, format=enc.format.name, layout="mono")
        f.sample_rate = RATE
        f.pts = i
        decode(enc.encode(f))
    decode(enc.encode(None))
    y = np.concatenate(out) if out else np.zeros(0)
    if rates and rates != {RATE}:  # libopus decodes at 48 kHz whatever it was given
        import soxr

        y = soxr.resample(y, rates.pop(), RATE, quality="HQ").astype(np.float64)
    # codecs add a fixed algorithmic delay: align on the cross-correlation peak (at most 40 ms)
    lag = _lag(x, y, RATE // 25)
    y = y[lag: lag + len(x)]
    return np.concatenate([y, np.zeros(len(x) - len(y))])


def _lag(x: np.ndarray, y: np.ndarray, max_lag: int) -> int:
    n = min(len(x), len(y), RATE * 20) - max_lag
    scores = [float(np.dot(x[:n], y[k: k + n])) for k in range(max_lag)]
    return int(np.argmax(scores))


def _gsm_roundtrip(x: np.ndarray) -> np.ndarray:
    buf = io.BytesIO()
    sf.write(buf, np.clip(x, -1, 1), RATE, format="WAV", subtype="GSM610")
    buf.seek(0)
    y, _ = sf.read(buf, dtype="float64")
    return np.concatenate([y, np.zeros(max(0, len(x) - len(y)))])[: len(x)]


def degrade(agent: np.ndarray, customer: np.ndarray, truth: dict, profile: str,
            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, dict, str]:
    """Apply one profile. Returns (left, right, parameters, storage subtype)."""
    params: dict = {"profile": profile}
    subtype = "PCM_16"
    swap = profile.endswith("swap")
    profile = profile.removesuffix("_swap")  # real_swap: exactly ``real``, then swapped
    a, c = agent.copy(), customer.copy()
    if profile in ("noise", "real"):
        snr = 20.0 if profile == "real" else float(rng.uniform(15, 25))
        noise = pink_noise(len(c), rng) * _speech_rms(c, truth, "customer") * 10 ** (-snr / 20)
        c = c + noise
        params["caller_snr_db"] = round(snr, 1)
    if profile in ("echo", "real"):
        a, c, echo = add_echo(a, c, rng)
        params.update(echo)
    if profile == "real":  # an 8 kbit/s VoIP leg: Opus narrowband
        a, c = _codec_roundtrip(a, "libopus", 8000), _codec_roundtrip(c, "libopus", 8000)
        params["codec"] = "Opus 8 kbit/s narrowband"
    elif profile == "amr":
        a, c = _codec_roundtrip(a, "libopencore_amrnb", 7950), _codec_roundtrip(c, "libopencore_amrnb", 7950)
        params["codec"] = "AMR-NB 7.95 kbit/s"
    elif profile == "gsm":
        a, c = _gsm_roundtrip(a), _gsm_roundtrip(c)
        params["codec"] = "GSM 06.10"
    elif profile == "opus":
        a, c = _codec_roundtrip(a, "libopus", 8000), _codec_roundtrip(c, "libopus", 8000)
        params["codec"] = "Opus 8 kbit/s narrowband"
        subtype = "OPUS"
    elif profile in ("ulaw", "alaw"):
        subtype = profile.upper()
    elif profile == "quiet":
        c = c * 10 ** (-10 / 20)
        params["caller_gain_db"] = -10.0
    elif profile == "hum":
        t = np.arange(len(a)) / RATE
        hum = sum(np.sin(2 * np.pi * f * t + k) / (k + 1) for k, f in enumerate((50, 150, 250, 350)))
        hum /= np.sqrt(np.mean(hum ** 2))
        a = a + hum * _speech_rms(a, truth, "agent") * 10 ** (-30 / 20)
        c = c + hum * _speech_rms(c, truth, "customer") * 10 ** (-30 / 20)
        params["hum"] = "50 Hz + 150/250/350 Hz, 30 dB under the speech"
    elif profile == "clip":
        speech = np.concatenate([a[int(t["start"] * RATE): int(t["end"] * RATE)]
                                 for t in truth["turns"] if t["speaker"] == "agent"])
        gain = 0.99 / float(np.percentile(np.abs(speech), 98))
        a = np.clip(a * gain, -0.99, 0.99)
        params["agent_gain_db"] = round(20 * np.log10(gain), 1)
    left, right = (c, a) if swap else (a, c)
    return left, right, params, subtype


def write_degraded(name: str, profile: str, out: Path, *, seed: int = 0) -> Path:
    """Write ``<name>__<profile>`` audio and truth into ``out``; returns the audio path."""
    if profile not in PROFILES:
        raise SystemExit(f"unknown profile '{profile}'; expected one of: {', '.join(PROFILES)}")
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{name}__{profile}"
    if profile == "swap":  # lossless: the decoded channels exactly, swapped (float WAV at 16 kHz)
        rate, subtype, params = 16000, "FLOAT", {"profile": "swap"}
        agent, customer, truth = load_call(name, rate=rate)
        left, right = customer, agent
    else:
        rate = RATE
        agent, customer, truth = load_call(name)
        rng = _rng(name, profile.removesuffix("_swap"), seed)
        left, right, params, subtype = degrade(agent, customer, truth, profile, rng)
    audio = out / (stem + (".ogg" if subtype == "OPUS" else ".wav"))
    data = np.clip(np.stack([left, right], axis=1), -1, 1).astype(np.float32)
    sf.write(audio, data, rate, subtype=subtype, format="OGG" if subtype == "OPUS" else "WAV")
    t = dict(truth)
    t["file"] = audio.name
    t["audio"] = {**truth["audio"], "sample_rate": rate, "format": f"{'OGG' if subtype == 'OPUS' else 'WAV'}/{subtype}",
                  "agent_channel": "right" if profile.endswith("swap") else "left"}
    t["degraded"] = {"from": truth["file"], "seed": seed, **params}
    (out / f"{stem}.truth.json").write_text(json.dumps(t, ensure_ascii=False, indent=1), encoding="utf-8")
    return audio


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--calls", nargs="*", help="sample names (default: every stereo sample)")
    ap.add_argument("--profiles", nargs="*", default=list(PROFILES), help=f"any of: {', '.join(PROFILES)}")
    ap.add_argument("--out", type=Path, default=ROOT / "sample_audio" / "degraded")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    for name in args.calls or stereo_calls():
        for profile in args.profiles:
            print(write_degraded(name, profile, args.out, seed=args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
