"""What the stereo stages cost and what they buy: echo removal and ``--agent-channel auto``.

    python bench/bench_stereo.py                 # cost on every stereo sample (one ASR run each)
    python bench/bench_stereo.py --degraded      # plus degraded copies, with echo removal on and off

Cost: the echo stage (noisy-channel cleaning, frame levels, echo paths, gating, span trimming) and the channel decision
(role cues on both transcripts) are timed on their own and set against the call's whole
``qa score`` time. With ``--degraded``, each call's ``real`` copy (caller noise + echo both ways +
Opus 8 kbit/s, ``tools/degrade.py``) and its swapped twin are scored with the defaults, and the
``real`` copy once more with echo removal off: interruptions found / invented, checks right, CER.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa_pipeline.audio import load_audio  # noqa: E402
from qa_pipeline.bleed import BleedOptions, remove_bleed  # noqa: E402
from qa_pipeline.channels import decide_agent_channel  # noqa: E402
from qa_pipeline.denoise import denoise  # noqa: E402
from qa_pipeline.pipeline import PipelineOptions, score_call  # noqa: E402
from qa_pipeline.rules import load_rules  # noqa: E402
from qa_pipeline.text import normalize, strip_punct  # noqa: E402
from qa_pipeline.transcribe import TranscribeOptions, detect_speech  # noqa: E402
from tests.conftest import cer as _cer  # noqa: E402  (the one CER the tests use, as bench_score does)

SAMPLES = ROOT / "sample_audio"
DEGRADED = ("call03_interrupt_mp3", "call08_taboo_pcm", "call02_hold_alaw")


def stage_cost(path: Path, report, rules) -> tuple[float, float]:
    """Seconds of the echo stage (noisy-channel check and cleaning, echo paths, gating, span trimming)
    and of the channel decision.

    The VAD and ASR run with or without these stages, so they are not counted.
    """
    rec = load_audio(path)
    t0 = time.perf_counter()
    res = remove_bleed(*(denoise(c)[0] for c in rec.channels))
    t1 = time.perf_counter()
    speech = tuple(detect_speech(t, TranscribeOptions()) for t in res.tracks)
    t2 = time.perf_counter()
    res.trim(speech)
    t3 = time.perf_counter()
    by = [[u for u in report.transcript if u.speaker == s] for s in ("agent", "customer")]
    if report.audio.agent_channel == "right":
        by.reverse()
    t4 = time.perf_counter()
    decide_agent_channel(*by, rules=rules, tolerance=rules.tolerance)
    t5 = time.perf_counter()
    return (t1 - t0) + (t3 - t2), t5 - t4


def quality(t: dict, report) -> dict:
    labels = _labels(t.get("degraded", {}).get("from", t["file"]).rsplit(".", 1)[0])
    wrong = [c.id for c in report.checks if c.id in labels and c.status != labels[c.id]]
    want = [o for o in t["overtalk"] if o["kind"] == "interruption"]
    got = [o for o in report.metrics.overtalk.spans if o.kind == "interruption"]
    found = sum(any(g.interrupter == w["interrupter"] and g.start < w["end"] and w["start"] < g.end for g in got)
                for w in want)
    invented = sum(not any(g.interrupter == w["interrupter"] and g.start < w["end"] and w["start"] < g.end
                           for w in want) for g in got)
    cer = {}
    for spk in ("agent", "customer"):
        ref = strip_punct(normalize("".join(x["text"] for x in t["turns"] if x["speaker"] == spk)))
        cer[spk] = round(_cer(ref, strip_punct("".join(u.text for u in report.transcript if u.speaker == spk))), 3)
    d = report.diagnostics
    added = sum((d.get(k) or {}).get("seconds_s", 0.0) for k in ("bleed", "denoise"))
    return {"interruptions": f"{found}/{len(want)}", "invented": invented, "checks_wrong": wrong, "cer": cer,
            "added": added / report.timings_s["total_s"],
            "agent_channel": report.audio.agent_channel, "channel_level": report.speakers.role_level,
            "score": report.score, "flags": list(report.flag_reasons)}


def _labels(call: str) -> dict:
    import yaml

    data = yaml.safe_load((SAMPLES / "checks.truth.yaml").read_text("utf-8"))
    return {**data["defaults"], **(data["calls"].get(call) or {})}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--degraded", action="store_true", help="also score degraded copies (echo on and off)")
    ap.add_argument("--calls", nargs="*", help="sample names (default: every stereo sample)")
    args = ap.parse_args()
    rules = load_rules()
    truths = {p.name.removesuffix(".truth.json"): json.loads(p.read_text("utf-8"))
              for p in sorted(SAMPLES.glob("*.truth.json"))}
    names = args.calls or [n for n, t in truths.items() if t["audio"]["channels"] == 2]
    print("| call | audio s | qa score s | echo stage s | channel decision s | added | agent channel |")
    print("|---|---|---|---|---|---|---|")
    tot_score = tot_added = 0.0
    for name in names:
        path = SAMPLES / truths[name]["file"]
        t0 = time.perf_counter()
        report = score_call(path, rules=rules)
        wall = time.perf_counter() - t0
        bleed_s, decide_s = stage_cost(path, report, rules)
        tot_score, tot_added = tot_score + wall, tot_added + bleed_s + decide_s
        print(f"| {name} | {report.duration_s:.0f} | {wall:.2f} | {bleed_s:.3f} | {decide_s:.3f} | "
              f"{(bleed_s + decide_s) / wall:.1%} | {report.audio.agent_channel} ({report.speakers.role_level}) |")
    print(f"\nall: the two stages add {tot_added:.2f} s to {tot_score:.1f} s of qa score ({tot_added / tot_score:.1%})")
    if not args.degraded:
        return
    spec = importlib.util.spec_from_file_location("degrade", ROOT / "tools" / "degrade.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = Path(tempfile.mkdtemp(prefix="qa-degraded-"))
    off = PipelineOptions(bleed=BleedOptions(enabled=False))
    print("\n| call | copy | echo removal | interruptions found | invented | checks wrong | CER agent / customer "
          "| agent channel | score | echo + noise stages |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in [n for n in DEGRADED if n in names]:
        for profile, opts in (("real", None), ("real", off), ("real_swap", None)):
            audio = tool.write_degraded(name, profile, out)
            t = json.loads(audio.with_name(f"{name}__{profile}.truth.json").read_text("utf-8"))
            q = quality(t, score_call(audio, opts, rules=rules))
            print(f"| {name} | {profile} | {'off' if opts else 'on'} | {q['interruptions']} | {q['invented']} | "
                  f"{', '.join(q['checks_wrong']) or 'none'} | {q['cer']['agent']:.3f} / {q['cer']['customer']:.3f} | "
                  f"{q['agent_channel']} ({q['channel_level']}) | {q['score']} | {q['added']:.1%} |")


if __name__ == "__main__":
    main()
