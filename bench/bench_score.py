"""Benchmark: audio-seconds per wall-second, ASR share, peak memory, decoding variants.

Not a test. Run after any change on the speed path and put the figures in your note::

    python bench/bench_score.py                 # default settings, all sample calls
    python bench/bench_score.py --variants      # + beam 5 vs greedy, batched vs sequential,
                                                #   vocabulary hotwords vs none (CER, keyword recall)

Each configuration runs in a fresh process so peak RSS is per configuration.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_audio"

CHILD = r'''
import json, sys, time, resource
from dataclasses import replace
sys.path.insert(0, sys.argv[1])
from qa_pipeline.pipeline import PipelineOptions, score_call
from qa_pipeline.transcribe import TranscribeOptions, load_model
from qa_pipeline.text import normalize, strip_punct
from tests.conftest import cer
kw = json.loads(sys.argv[2]); files = sys.argv[3:]
asr = TranscribeOptions(**{k: v for k, v in kw.items() if k != "vocabulary_off"})
if kw.get("vocabulary_off"):
    asr = replace(asr, vocabulary=("",), vocabulary_as="off")
t0 = time.perf_counter(); load_model(asr); load_s = time.perf_counter() - t0
rows = []
for f in files:
    truth = json.loads(open(f.rsplit(".", 1)[0] + ".truth.json").read())
    t = time.perf_counter(); r = score_call(f, PipelineOptions(asr=asr)); wall = time.perf_counter() - t
    refs, hyps = "", ""
    # mono calls are diarized into agent/customer now; "unknown" only where they were not separated
    for spk in ({u.speaker for u in r.transcript} | ({"agent", "customer"} if r.audio.channels == 2 else set())) or {"unknown"}:
        refs += strip_punct(normalize("".join(x["text"] for x in truth["turns"] if spk == "unknown" or x["speaker"] == spk)))
        hyps += strip_punct("".join(u.text for u in r.transcript if u.speaker == spk))
    terms = ["保单号", "投保人", "工号", "身份证", "理赔", "报案号", "车牌", "保费", "客服中心", "安心保险"]
    want = sum(refs.count(x) for x in terms); got = sum(min(hyps.count(x), refs.count(x)) for x in terms)
    rows.append({"file": r.file.rsplit("/", 1)[-1], "channels": r.audio.channels, "audio_s": r.duration_s,
                 "wall_s": wall, "asr_s": r.timings_s["asr_s"], "cer": cer(refs, hyps), "terms": [got, want],
                 "retried": sum(r.diagnostics["retried_spans"].values())})
print(json.dumps({"load_s": load_s, "rows": rows, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''


def run(label: str, kw: dict, files: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), json.dumps(kw), *files],
                         capture_output=True, text=True, check=True)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    rows = res["rows"]
    for kind, ch in (("stereo", 2), ("mono", 1)):
        sel = [r for r in rows if r["channels"] == ch]
        if not sel:
            continue
        audio, wall, asr = (sum(r[k] for r in sel) for k in ("audio_s", "wall_s", "asr_s"))
        cerv = sum(r["cer"] for r in sel) / len(sel)
        got, want = (sum(r["terms"][i] for r in sel) for i in (0, 1))
        print(f"{label:<28} {kind:<6} {audio:7.1f} s audio  {wall:6.1f} s wall  {audio / wall:5.1f}x real time  "
              f"ASR {asr / wall:5.1%}  CER {cerv:.3f}  terms {got}/{want}  retried {sum(r['retried'] for r in sel)}")
    print(f"{'':<28} model load {res['load_s']:.1f} s, peak RSS {res['peak_rss_mb']:.0f} MB")
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--variants", action="store_true")
    args = ap.parse_args()
    files = [str(p) for p in sorted(SAMPLES.iterdir()) if p.suffix in {".wav", ".flac", ".mp3", ".ogg"}]
    import os

    print(f"{os.cpu_count()} cores; {len(files)} sample calls")
    run("default (greedy, batched)", {}, files)
    if args.variants:
        run("beam 5", {"beam_size": 5}, files)
        run("sequential (batch 1)", {"batch_size": 1}, files)
        run("no vocabulary hotwords", {"vocabulary_off": True}, files)
        run("vocabulary in prompt", {"vocabulary_as": "prompt"}, files)


if __name__ == "__main__":
    main()
