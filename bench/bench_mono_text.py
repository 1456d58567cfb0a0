"""Benchmark: the transcript correction pass and roles by content on look-alike mono calls.

Not a test. Two parts, each on the real model::

    python bench/bench_mono_text.py              # both
    python bench/bench_mono_text.py --correct    # CER before/after correction on the 9 samples
    python bench/bench_mono_text.py --lookalike  # look-alike mono copies of the 7 stereo samples

``--correct``: every sample scored as usual; CER of each speaker's text against the script
(tools/dialogues.py via the samples' truth) with the correction pass (``text``) and without
it (the same utterances' ``raw_text`` normalized), and the pass's share of the call's time.

``--lookalike``: each stereo sample made into a look-alike mono call (tools/lookalike.py:
both parties in one TTS voice) and scored: which path it took, role confidence, agent and
customer CER with the roles as assigned, speech time given the wrong speaker, checks
against ``sample_audio/checks.truth.yaml`` (micro-averaged precision/recall/F1 of
failures), and the share of time spent by the role classifier.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))
SAMPLES = ROOT / "sample_audio"


class Timer:
    """Wraps a function and adds up the seconds spent in it."""

    def __init__(self, module, name: str) -> None:
        self.module, self.name, self.seconds = module, name, 0.0
        fn = getattr(module, name)

        def wrapped(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                self.seconds += time.perf_counter() - t

        setattr(module, name, wrapped)


def role_text(report, truth: dict, role: str, *, corrected: bool = True) -> tuple[str, str]:
    from qa_pipeline.text import normalize, strip_punct

    ref = strip_punct(normalize("".join(t["text"] for t in truth["turns"] if role in ("unknown", t["speaker"]))))
    hyp = strip_punct("".join((u.text if corrected else normalize(u.raw_text)) for u in report.transcript
                              if u.speaker == role))
    return ref, hyp


def bench_correct() -> None:
    import qa_pipeline.pipeline as pipeline
    from tests.conftest import cer

    timer = Timer(pipeline, "correct_channels")
    files = [p for p in sorted(SAMPLES.iterdir()) if p.suffix in {".wav", ".flac", ".mp3", ".ogg"}]
    pipeline.score_call(files[0])  # load the models
    timer.seconds = 0.0
    print(f"{'call':24s} {'role':9s} {'CER raw':>8s} {'CER corrected':>14s} {'changes':>8s}")
    tot = {"before": [], "after": [], "wall": 0.0, "corr": 0.0}
    for f in files:
        truth = json.loads((SAMPLES / (f.stem + ".truth.json")).read_text("utf-8"))
        before = timer.seconds
        t = time.perf_counter()
        r = pipeline.score_call(f)
        tot["wall"] += time.perf_counter() - t
        tot["corr"] += timer.seconds - before
        for role in sorted({u.speaker for u in r.transcript}):
            ref, after = role_text(r, truth, role)
            _, raw = role_text(r, truth, role, corrected=False)
            n = sum(len(u.corrections) for u in r.transcript if u.speaker == role)
            tot["before"].append(cer(ref, raw))
            tot["after"].append(cer(ref, after))
            print(f"{f.stem:24s} {role:9s} {cer(ref, raw):8.3f} {cer(ref, after):14.3f} {n:8d}")
        for u in r.transcript:
            for c in u.corrections:
                print(f"    {c.heard} → {c.term} ({c.how})")
    mean = lambda xs: sum(xs) / len(xs)
    print(f"mean CER over {len(tot['before'])} speaker transcripts: {mean(tot['before']):.4f} raw → "
          f"{mean(tot['after']):.4f} corrected; correction pass {tot['corr']:.2f} s of {tot['wall']:.1f} s "
          f"({tot['corr'] / tot['wall']:.2%})")


def bench_lookalike() -> None:
    import soundfile as sf
    import yaml

    import qa_pipeline.mono as mono
    import qa_pipeline.pipeline as pipeline
    from lookalike import lookalike
    from qa_pipeline.diarize import speaker_error
    from qa_pipeline.types import Interval
    from tests.conftest import cer

    labels = yaml.safe_load((SAMPLES / "checks.truth.yaml").read_text("utf-8"))
    timer = Timer(pipeline, "roles_by_content")
    stereo = [p.name.removesuffix(".truth.json") for p in sorted(SAMPLES.glob("*.truth.json"))
              if json.loads(p.read_text("utf-8"))["audio"]["channels"] == 2]
    counts = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    rows, wall_all, roles_all = [], 0.0, 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for name in stereo:
            audio, rate, truth = lookalike(name)
            path = Path(tmp) / truth["file"]
            sf.write(path, audio, rate, subtype="PCM_16")
            before = timer.seconds
            t = time.perf_counter()
            r = pipeline.score_call(path)
            wall = time.perf_counter() - t
            wall_all += wall
            roles_all += timer.seconds - before
            cers = {role: cer(*role_text(r, truth, role)) for role in ("agent", "customer")}
            spans = {k: [Interval(x["start"], x["end"]) for x in truth["turns"] if x["speaker"] == k]
                     for k in ("agent", "customer")}
            hyp: dict = {}
            for u in r.transcript:
                hyp.setdefault(u.speaker, []).append(u.span)
            err = speaker_error(spans, hyp)["error"]
            want = {**labels["defaults"], **(labels["calls"].get(name) or {})}
            got = {c.id: c.status for c in r.checks}
            wrong = []
            for cid, lab in want.items():
                pos_l, pos_g = lab == "fail", got[cid] == "fail"
                counts["tp" if pos_l and pos_g else "fn" if pos_l else "fp" if pos_g else "tn"] += 1
                if lab != got[cid]:
                    wrong.append(f"{cid} {lab}→{got[cid]}")
            sp = r.speakers
            print(f"{name:22s} {sp.method:24s} sim {sp.voice_similarity} conf {sp.role_confidence} {sp.role_level:6s} "
                  f"CER agent {cers['agent']:.3f} customer {cers['customer']:.3f}  wrong speaker {err:.1%}  "
                  f"score {r.score} flagged {r.flagged}  {r.duration_s / wall:.1f}x  checks wrong: {wrong}", flush=True)
            rows.append(cers["agent"])
    p = counts["tp"] / max(counts["tp"] + counts["fp"], 1)
    rc = counts["tp"] / max(counts["tp"] + counts["fn"], 1)
    print(f"checks: precision {p:.2f} recall {rc:.2f} F1 {2 * p * rc / max(p + rc, 1e-9):.2f} ({counts}); "
          f"max agent CER {max(rows):.3f}; roles by content {roles_all:.2f} s of {wall_all:.1f} s "
          f"({roles_all / wall_all:.2%}; the first call includes fitting the classifier)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--correct", action="store_true")
    ap.add_argument("--lookalike", action="store_true")
    args = ap.parse_args()
    from qa_pipeline.transcribe import one_blas_thread

    one_blas_thread()
    if args.correct or not args.lookalike:
        bench_correct()
    if args.lookalike or not args.correct:
        bench_lookalike()


if __name__ == "__main__":
    main()
