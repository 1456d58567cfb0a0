"""Benchmark: mono calls against their stereo originals (issue 6's measurements).

Not a test. Every stereo sample is mixed down to one channel (as a mono call center
stores it) and scored; the mono samples are scored as they are. For each call it prints:

- speaker error: share of single-speaker speech time given the wrong speaker (roles
  compared by name, so a swap counts), from the scripted turns;
- roles: right or wrong, with the role confidence;
- check agreement: automatic checks with the same status on the mono and stereo versions;
- interruptions: scripted (≥ 0.8 s) vs found on mono, and overlaps invented;
- speed: audio-seconds per wall-second for the mono and stereo versions, diarization time.

    python bench/bench_diarize.py            # all samples, threads = all cores
    python bench/bench_diarize.py --threads 1

Peak RSS is the process's, with both models loaded.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_audio"
sys.path.insert(0, str(ROOT))

from qa_pipeline.diarize import DiarizeOptions, speaker_error  # noqa: E402
from qa_pipeline.pipeline import PipelineOptions, score_call, speech_spans  # noqa: E402
from qa_pipeline.transcribe import TranscribeOptions  # noqa: E402
from qa_pipeline.types import Interval  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    opts = PipelineOptions(asr=TranscribeOptions(threads=args.threads))
    min_ov = DiarizeOptions().overlap_min_s
    rows, agree_n, agree_d, mono_s, mono_wall, st_s, st_wall = [], 0, 0, 0.0, 0.0, 0.0, 0.0
    tmp = Path(tempfile.mkdtemp())
    for tf in sorted(SAMPLES.glob("*.truth.json")):
        t = json.loads(tf.read_text("utf-8"))
        src = SAMPLES / t["file"]
        stereo = t["audio"]["channels"] == 2
        if stereo:
            data, rate = sf.read(src, dtype="float32", always_2d=True)
            path = tmp / f"{src.stem}_mono.wav"
            sf.write(path, np.clip(data.sum(axis=1), -0.99, 0.99), rate, subtype="PCM_16")
        else:
            path = src
        w0 = time.perf_counter()
        mono = score_call(path, opts)
        wall = time.perf_counter() - w0
        mono_s += mono.duration_s
        mono_wall += wall
        truth = {k: [Interval(x["start"], x["end"]) for x in t["turns"] if x["speaker"] == k]
                 for k in ("agent", "customer")}
        spans = speech_spans(mono)
        err = speaker_error(truth, spans)
        swapped = speaker_error(truth, {"agent": spans.get("customer", []), "customer": spans.get("agent", [])})
        roles_ok = err["error"] < swapped["error"]
        agree = "—"
        if stereo:
            w0 = time.perf_counter()
            st = score_call(src, opts)
            st_wall += time.perf_counter() - w0
            st_s += st.duration_s
            a = {c.id: c.status for c in st.checks if c.status != "manual"}
            b = {c.id: c.status for c in mono.checks}
            same = sum(b[k] == v for k, v in a.items())
            agree_n += same
            agree_d += len(a)
            agree = f"{same}/{len(a)}" + ("" if same == len(a) else
                                          " (" + ", ".join(f"{k} {v}→{b[k]}" for k, v in a.items() if b[k] != v) + ")")
        ot = mono.metrics.overtalk
        want = [g for g in t["overtalk"] if g["end"] - g["start"] >= min_ov]
        found = sum(any(g["start"] < p.end and p.start < g["end"] for p in ot.spans) for g in want)
        invented = sum(not any(g["start"] < p.end and p.start < g["end"] for g in t["overtalk"]) for p in ot.spans)
        sp = mono.speakers
        rows.append(f"{src.name:26s} {err['error']:6.1%}  {'right' if roles_ok else 'WRONG':5s} "
                    f"{sp.role_confidence or 0:.2f} {sp.role_level or '—':6s} sim {sp.voice_similarity or 0:.2f}  "
                    f"overlaps {found}/{len(want)} +{invented}  {mono.duration_s / wall:5.1f}×  "
                    f"diarize {mono.timings_s.get('vad_diarize_s', 0):.1f}s  checks {agree}")
        print(rows[-1], flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\ncheck agreement mono vs stereo: {agree_n}/{agree_d} = {agree_n / max(agree_d, 1):.1%}")
    print(f"speed: mono {mono_s / mono_wall:.1f}× real time, stereo {st_s / max(st_wall, 1e-9):.1f}×; "
          f"peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
