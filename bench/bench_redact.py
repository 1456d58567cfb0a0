"""What masking costs: ``redact_report`` (the one redaction path) and entity detection per call.

Builds each sample call's report from its ground-truth turns (``sample_audio/*.truth.json``, no
ASR), with a planted ID, card, phone and address in one customer turn so the masking has work to do,
then times ``redact_report`` (cold: an empty text cache, as in a fresh worker) and
``find_entities`` over every utterance, and relates both to the call's ASR time at the README's
~19x real time.

    python bench/bench_redact.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa_pipeline.entities import find_entities  # noqa: E402
from qa_pipeline.pipeline import score_transcript  # noqa: E402
from qa_pipeline.redact import _redact, redact_report  # noqa: E402

PLANTED = "我的身份证号码是440106198808083016，卡号6217003764128593045，手机幺三九五七二四六八幺洞，住在广州市天河区体育西路191号B座20楼。"
X_REALTIME = 19.0


def reports():
    for truth in sorted((ROOT / "sample_audio").glob("*.truth.json")):
        data = json.loads(truth.read_text("utf-8"))
        rows = [{"speaker": t["speaker"], "start": t["start"], "end": t["end"], "text": t["text"]}
                for t in data["turns"]]
        rows[1] = {**rows[1], "text": rows[1]["text"] + PLANTED}
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
            f.write("\n".join(json.dumps(r, ensure_ascii=False) for r in rows))
        yield truth.name.removesuffix(".truth.json"), data["duration_s"], score_transcript(f.name)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print(f"{'call':24} {'utts':>5} {'redact ms':>10} {'entities ms':>12} {'ASR s (est.)':>13} {'share':>7}")
    shares = []
    for name, duration, report in reports():
        red, ent = [], []
        for _ in range(args.repeat):
            _redact.cache_clear()
            t = time.perf_counter()
            masked = redact_report(report)
            red.append(time.perf_counter() - t)
            t = time.perf_counter()
            for u in report.transcript:
                find_entities(u.text)
            ent.append(time.perf_counter() - t)
        assert "6217003764128593045" not in json.dumps(masked.to_dict(), ensure_ascii=False)
        r, e = statistics.median(red), statistics.median(ent)
        asr = duration / X_REALTIME
        shares.append((r + e) / asr)
        print(f"{name:24} {len(report.transcript):5d} {r * 1000:10.1f} {e * 1000:12.1f} {asr:13.1f} "
              f"{(r + e) / asr:7.2%}")
    print(f"masking + entity detection: {statistics.mean(shares):.2%} of a call's processing time on average")


if __name__ == "__main__":
    main()
