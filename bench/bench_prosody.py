"""What the voice items cost: the prosody stage's share of ``qa score`` time, and pitch trackers compared.

    python bench/bench_prosody.py [--trackers]

Scores every sample call with the full pipeline and reports, per call and in all, the
prosody stage (``timings_s.prosody_s``: pitch, levels, syllables, pauses) against the whole
``qa score`` time, plus what sentiment and the voice rules add when the rules are applied (fastest of 20).
Both are measured in the same process on the same call, so the share holds on a busy
machine. ``--trackers`` times Praat's autocorrelation tracker (what prosody.py uses),
librosa's ``yin`` and ``pyin`` on the agent channel of the longest sample.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa_pipeline import load_rules, score_call  # noqa: E402
from qa_pipeline.rules import run_rule  # noqa: E402
from qa_pipeline.rules.engine import Context  # noqa: E402
from qa_pipeline.sentiment import call_sentiment  # noqa: E402

REPEAT = 20  # the voice rules and sentiment are re-run this often per call; the fastest counts
VOICE_RULES = ("voice.", "wording.mandarin", "attitude.warm", "attitude.smile", "customer.ended_angrier")


def stage_share(files: list[Path]) -> None:
    rules = load_rules()
    score_call(files[0], rules=rules)           # warm-up: model load, parselmouth import
    voice = [rule for rule in rules.rules.values() if rule.id.startswith(VOICE_RULES)]
    print(f"{'call':30} {'audio s':>8} {'score s':>8} {'prosody s':>9} {'share':>6} {'rules+sent ms':>13}")
    tot_audio = tot_score = tot_pros = tot_rules = 0.0
    for f in files:
        r = score_call(f, rules=rules)
        runs = []
        for _ in range(REPEAT):
            t0 = time.perf_counter()
            ctx = Context(r.transcript, r.metrics, rules)
            for rule in voice:
                run_rule(rule, ctx)
            call_sentiment(r.transcript, r.metrics.prosody)
            runs.append(time.perf_counter() - t0)
        extra = min(runs)
        p, t = r.timings_s["prosody_s"], r.timings_s["total_s"]
        tot_audio += r.duration_s
        tot_score += t
        tot_pros += p
        tot_rules += extra
        print(f"{f.name:30} {r.duration_s:8.1f} {t:8.2f} {p:9.3f} {p / t:6.1%} {extra * 1000:13.1f}")
    print(f"{'all':30} {tot_audio:8.1f} {tot_score:8.2f} {tot_pros:9.3f} {tot_pros / tot_score:6.1%} "
          f"{tot_rules * 1000:13.1f}")
    print(f"voice stage + voice rules + sentiment: {(tot_pros + tot_rules) / tot_score:.1%} of qa score time")


def trackers(path: Path) -> None:
    import librosa
    import numpy as np
    import parselmouth

    from qa_pipeline.audio import load_audio
    from qa_pipeline.prosody import speaker_prosody
    from qa_pipeline.transcribe import TranscribeOptions, detect_speech

    rec = load_audio(path)
    x = rec.channels[0]  # the agent's channel of the sample
    speech = detect_speech(x, TranscribeOptions())
    sr = rec.rate
    print(f"\npitch trackers on the agent channel of {path.name} ({x.size / sr:.0f} s, "
          f"{sum(s.duration for s in speech):.0f} s of speech):")

    def timed(label, fn, scale=1.0):
        t0 = time.perf_counter()
        fn()
        print(f"  {label:58} {(time.perf_counter() - t0) * scale:7.2f} s")

    timed("prosody.speaker_prosody (Praat ac, speech only, 8 kHz, 20 ms)",
          lambda: speaker_prosody("agent", x, speech, []))
    timed("Praat ac, whole track, 16 kHz, 10 ms",
          lambda: parselmouth.Sound(x.astype(np.float64), sr).to_pitch_ac(time_step=0.01, pitch_floor=75,
                                                                          pitch_ceiling=500))
    x8 = librosa.resample(x, orig_sr=sr, target_sr=8000, res_type="soxr_hq")
    librosa.yin(x8[:8000], fmin=75, fmax=500, sr=8000)      # numba warm-up
    timed("librosa.yin, whole track, 8 kHz (no voicing decision)",
          lambda: librosa.yin(x8, fmin=75, fmax=500, sr=8000, frame_length=512, hop_length=80))
    n = 20 * 8000
    timed("librosa.pyin, whole track, 8 kHz (from 20 s, scaled)",
          lambda: librosa.pyin(x8[:n], fmin=75, fmax=500, sr=8000, frame_length=512, hop_length=80),
          scale=x8.size / n)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trackers", action="store_true", help="also compare pitch trackers")
    args = ap.parse_args()
    files = sorted(p for p in (ROOT / "sample_audio").iterdir() if p.suffix in (".wav", ".mp3", ".flac", ".ogg"))
    stage_share(files)
    if args.trackers:
        trackers(max(files, key=lambda p: p.stat().st_size if p.suffix == ".flac" else 0))


if __name__ == "__main__":
    main()
