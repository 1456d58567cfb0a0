"""Every default check against hand labels on every sample call: precision and recall.

Positive = the check fails (a violation). A wrong n/a (the check did not apply but the
label says it should have) counts as a miss or a false alarm accordingly. Speaker checks
on a mono call whose voices could not be told apart are n/a ("speaker roles are unknown");
they are reported as coverage (the mono-n/a column), not as wrong answers.
"""

from __future__ import annotations

import yaml

from .conftest import SAMPLES, TRUTHS, scored

LABELS = yaml.safe_load((SAMPLES / "checks.truth.yaml").read_text("utf-8"))
MIN_F1 = 0.9
UNKNOWN_ROLES = "speaker roles are unknown"


def _labels(name: str) -> dict[str, str]:
    return {**LABELS["defaults"], **(LABELS["calls"].get(name) or {})}


def test_every_sample_is_labelled():
    names = {p.name.removesuffix(".truth.json") for p in TRUTHS}
    assert names <= set(LABELS["calls"]), f"label these calls in checks.truth.yaml: {names - set(LABELS['calls'])}"


def test_check_precision_recall(capsys):
    stats: dict[str, dict[str, int]] = {}
    wrong: list[str] = []
    for p in TRUTHS:
        name = p.name.removesuffix(".truth.json")
        report = scored(name)
        got = {c.id: c for c in report.checks}
        for cid, label in _labels(name).items():
            s = stats.setdefault(cid, {"tp": 0, "fp": 0, "fn": 0, "tn": 0, "na_ok": 0, "mono_na": 0})
            c = got[cid]
            if c.status == "n/a" and UNKNOWN_ROLES in c.summary:
                s["mono_na"] += 1
                continue
            if label == "n/a" or c.status == "n/a":
                if label == c.status:
                    s["na_ok"] += 1
                else:
                    s["fn" if label == "fail" else "fp" if c.status == "fail" else "tn"] += 1
                    wrong.append(f"{name} {cid}: label {label}, got {c.status} ({c.summary})")
                continue
            key = {("fail", "fail"): "tp", ("pass", "fail"): "fp", ("fail", "pass"): "fn", ("pass", "pass"): "tn"}
            s[key[(label, c.status)]] += 1
            if label != c.status:
                wrong.append(f"{name} {cid}: label {label}, got {c.status} ({c.summary})")
    lines = [f"{'check':32s} {'P':>5s} {'R':>5s} {'F1':>5s}  tp fp fn tn n/a-ok mono-n/a"]
    low = []
    for cid, s in sorted(stats.items()):
        p = s["tp"] / (s["tp"] + s["fp"]) if s["tp"] + s["fp"] else 1.0
        r = s["tp"] / (s["tp"] + s["fn"]) if s["tp"] + s["fn"] else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        lines.append(f"{cid:32s} {p:5.2f} {r:5.2f} {f1:5.2f}  {s['tp']:2d} {s['fp']:2d} {s['fn']:2d} {s['tn']:2d} "
                     f"{s['na_ok']:6d} {s['mono_na']:8d}")
        if f1 < MIN_F1:
            low.append(cid)
    with capsys.disabled():
        print("\n" + "\n".join(lines + [f"  wrong: {w}" for w in wrong]))
    assert not low, f"F1 below {MIN_F1} for {low}; wrong: {wrong}"
