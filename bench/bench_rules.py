"""How fast the rules re-score stored calls (no ASR): calls per second, ms per call.

    python bench/bench_rules.py [--repeat 20]

Scores each sample call once with the full pipeline (to get a stored report), then
re-applies the default rules to the stored reports ``--repeat`` times.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa_pipeline import apply_rules, load_rules, score_call  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    files = sorted(p for p in (ROOT / "sample_audio").iterdir()
                   if p.suffix in (".wav", ".mp3", ".flac", ".ogg"))
    rules = load_rules()
    reports = [score_call(f, rules=rules) for f in files]
    t0 = time.perf_counter()
    load_rules()
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(args.repeat):
        for r in reports:
            apply_rules(r, rules)
    n = args.repeat * len(reports)
    wall = time.perf_counter() - t0
    minutes = sum(r.duration_s for r in reports) * args.repeat / 60
    print(f"rules load: {load_s * 1000:.0f} ms")
    print(f"re-scored {n} calls ({minutes:.0f} min of audio) in {wall:.2f} s: {n / wall:.0f} calls/s, "
          f"{wall / n * 1000:.1f} ms per call")


if __name__ == "__main__":
    main()
