"""How fast the whole scoring sheet re-scores stored transcripts (no ASR), cold and warm.

    python bench/bench_sheet.py [--rules DIR] [--repeat 5]

Cold: every transcript seen for the first time (the pinyin and match caches emptied), as in a
batch of new calls. Warm: the same transcripts again, as bench/bench_rules.py measures. CPU time
per call, so that neighbours on a shared machine do not count.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa_pipeline import apply_rules, load_rules  # noqa: E402
from qa_pipeline.pipeline import score_transcript  # noqa: E402
from qa_pipeline.rules import match  # noqa: E402
from qa_pipeline import text  # noqa: E402


def _clear() -> None:
    for fn in (match._pinyin_hits, match._nearest, match._plain, match._row, match.syllable_cost, text.pinyin):
        fn.cache_clear()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rules", default=None)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rules = load_rules(args.rules)
    files = sorted((ROOT / "tests" / "data" / "sheet").glob("*.jsonl"))
    reports = [score_transcript(f, rules=rules) for f in files]
    _clear()
    t0 = time.process_time()
    for r in reports:
        apply_rules(r, rules)
    cold = (time.process_time() - t0) / len(reports) * 1000
    t0 = time.process_time()
    for _ in range(args.repeat):
        for r in reports:
            apply_rules(r, rules)
    warm = (time.process_time() - t0) / len(reports) / args.repeat * 1000
    turns = sum(len(r.transcript) for r in reports) / len(reports)
    print(f"{len(rules.rules)} rules, {len(reports)} transcripts ({turns:.1f} turns each): "
          f"cold {cold:.1f} ms/call CPU, warm {warm:.1f} ms/call CPU")


if __name__ == "__main__":
    main()
