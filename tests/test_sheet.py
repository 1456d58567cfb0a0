"""The whole scoring sheet: text items against hand labels, confidence, score semantics, speed.

The annotated set is ``tests/data/sheet/``: 50 JSON Lines dialogues and ``labels.yaml`` (every
text item of every dialogue as a reviewer marks it). No ASR here: the dialogues are re-scored
from their transcripts, as ``qa score dialogue.jsonl`` does.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
import yaml

from qa_pipeline.pipeline import score_transcript
from qa_pipeline.rules import load_rules

DATA = Path(__file__).parent / "data" / "sheet"
LABELS = yaml.safe_load((DATA / "labels.yaml").read_text("utf-8"))
RULES = load_rules()
MIN_F1 = 0.85


def _verdict(status: str) -> str:
    return {"pass": "pass", "fail": "fail", "partial": "fail"}.get(status, "na")


@pytest.fixture(scope="module")
def scored():
    """Every dialogue re-scored with the default rules: {dialogue: {item: CheckResult}}."""
    return {name: {c.id: c for c in score_transcript(DATA / f"{name}.jsonl", rules=RULES).checks}
            for name in LABELS}


def _pairs(scored):
    """(item, label, predicted CheckResult) for every labelled item of every dialogue."""
    return [(item, label, scored[name][item]) for name, entry in LABELS.items()
            for item, label in entry["labels"].items()]


def test_the_set_is_big_enough_and_balanced():
    assert len(LABELS) >= 40
    items = next(iter(LABELS.values()))["labels"]
    for item in items:
        counts = Counter(entry["labels"][item] for entry in LABELS.values())
        assert counts["pass"] >= 3 and counts["fail"] >= 3, f"{item}: {dict(counts)}"


def per_item_scores(scored) -> dict[str, dict[str, float]]:
    """Precision, recall and F1 of the fail verdict per item (n/a counts as not failing)."""
    out = {}
    by_item: dict[str, list] = {}
    for item, label, r in _pairs(scored):
        by_item.setdefault(item, []).append((label, _verdict(r.status)))
    for item, rows in by_item.items():
        tp = sum(1 for lab, got in rows if lab == "fail" and got == "fail")
        fp = sum(1 for lab, got in rows if lab != "fail" and got == "fail")
        fn = sum(1 for lab, got in rows if lab == "fail" and got != "fail")
        p = tp / (tp + fp) if tp + fp else 1.0
        rc = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * p * rc / (p + rc) if p + rc else 0.0
        agree = sum(1 for lab, got in rows if lab == got) / len(rows)
        out[item] = {"precision": p, "recall": rc, "f1": f1, "agreement": agree, "fails": tp + fn}
    return out


def test_text_items_f1(scored):
    scores = per_item_scores(scored)
    low = {k: round(v["f1"], 2) for k, v in scores.items() if v["f1"] < MIN_F1}
    wrong = [f"{name}:{item} label {label} got {r.status} ({r.summary[:80]})"
             for name, entry in LABELS.items() for item, label in entry["labels"].items()
             for r in [scored[name][item]] if _verdict(r.status) != label and item in low]
    assert not low, f"items below F1 {MIN_F1}: {low}; {wrong}"


def test_confident_verdicts_are_right(scored):
    """Verdicts with confidence ≥ 0.8 are right at least 90% of the time."""
    sure = [(label, r) for _, label, r in _pairs(scored) if (r.confidence or 0) >= 0.8]
    right = sum(1 for label, r in sure if _verdict(r.status) == label)
    assert len(sure) >= 200
    assert right / len(sure) >= 0.9, f"{right}/{len(sure)} confident verdicts right"


def test_items_not_assessed_are_low_confidence_and_outside_coverage():
    """s32 (no knowledge topic) without voice rules: info.* and the voice items are n/a with confidence 0,
    first in low_confidence, and their points are not in auto_coverage."""
    report = score_transcript(DATA / "s32.jsonl", rules=RULES)
    d = report.score_detail
    zero = {c.id for c in report.checks if c.confidence == 0.0 and c.points_possible is not None}  # sheet items
    assert {"info.accurate", "info.complete"} <= zero
    assert all(c.status == "n/a" for c in report.checks if c.id in zero)
    assert [x["id"] for x in d["low_confidence"][:len(zero)]] == sorted(zero)
    not_assessed = sum(c.points_possible for c in report.checks if c.id in zero)
    assert d["auto_coverage"] == pytest.approx((100 - not_assessed) / 100)


@pytest.mark.parametrize("name", ["s01", "s02", "s10", "s13"])
def test_score_is_the_sum_of_awarded_points(name):
    report = score_transcript(DATA / f"{name}.jsonl", rules=RULES)
    d = report.score_detail
    assert report.score == pytest.approx(min(100.0, sum(s["earned"] for s in d["sections"])), abs=0.05)
    for s in d["sections"]:
        items = [c for c in report.checks if c.section == s["name"]]
        assert s["earned"] == pytest.approx(min(max(sum(c.points for c in items), 0.0), s["points"]), abs=1e-6)
    for c in report.checks:
        if c.status == "n/a":
            assert c.points == c.points_possible  # n/a earns its points and says so
        assert c.source == "auto" and 0.0 <= c.confidence <= 1.0


def test_sheet_deductions_worked_example():
    """s10: 服务禁语 (several hits) and 用语随意 deduct 2 each, once; 开头语结束语 group keeps 1 of 3."""
    report = score_transcript(DATA / "s10.jsonl", rules=RULES)
    by = {c.id: c for c in report.checks}
    assert by["language.banned_phrase"].status == "fail" and by["language.banned_phrase"].points == -2
    assert by["language.casual"].points == -2
    group = [by[i] for i in ("opening.greeting", "closing.farewell", "opening.prompt")]
    assert sum(c.points for c in group) == pytest.approx(1.0)  # 3 − 2, once, however many fail


def test_rescoring_a_transcript_is_fast():
    """Re-applying the whole sheet to a stored transcript: under 20 ms of CPU per call, measured as
    bench/bench_rules.py does (the transcripts scored once, then again); CPU time, since wall time on
    a shared machine measures the neighbours."""
    reports = [score_transcript(DATA / f"{name}.jsonl", rules=RULES) for name in LABELS]
    from qa_pipeline.pipeline import apply_rules

    t0 = time.process_time()
    for r in reports:
        apply_rules(r, RULES)
    per_call_ms = (time.process_time() - t0) / len(reports) * 1000
    assert per_call_ms < 20, f"{per_call_ms:.1f} ms per call"


SAMPLES = Path(__file__).parent.parent / "sample_audio"


@pytest.mark.parametrize("truth", sorted(SAMPLES.glob("*.truth.json")), ids=lambda p: p.name.split(".")[0])
def test_every_sample_is_scored_on_the_whole_sheet(truth, tmp_path):
    """The sample calls' transcripts (their scripted truth): no manual item, every text item assessed;
    auto_coverage reaches 0.95 but for the voice items, which a transcript without audio cannot assess."""
    import json

    turns = json.loads(truth.read_text("utf-8"))["turns"]
    path = tmp_path / "call.jsonl"
    path.write_text("\n".join(json.dumps(t, ensure_ascii=False) for t in turns), "utf-8")
    report = score_transcript(path, rules=RULES)
    assert not [c.id for c in report.checks if c.status == "manual"]
    # a transcript has no audio: the voice items (optional: rules/voice.yaml) cannot be assessed
    missing = sum(i.points for s in RULES.checklist.sections for i in s.items if i.optional)
    assert report.score_detail["auto_coverage"] >= 0.95 - missing / 100
    assert 0 <= report.score <= 100


@pytest.mark.parametrize("text, says", [
    ("version: 1\nknowledge:\n  topics:\n    - id: t1\n      title: x\n      triggers: [续保]\n"
     "      key_point:\n        - {name: a, any: [b]}\n", "k.yaml:4: missing required key 'key_points'"),
    ("version: 1\nknowledge:\n  topics: []\n", "k.yaml:3: knowledge.topics: List should have at least 1 item"),
    ("version: 1\nrules:\n  - id: answer.timely\n    title: t\n    require:\n      response_gap: {max_s: -1}\n",
     "k.yaml:6: rule 'answer.timely': max_s: Input should be greater than 0"),
    ("version: 1\nchecklist:\n  name: x\n  total_points: 10\n  sections:\n    - name: s\n      points: 10\n"
     "      items:\n        - {check: opening.greeting, points: 10, partial: {points: 0}}\n", "points: Input should be greater than 0"),
], ids=["knowledge-key", "knowledge-empty", "threshold", "partial"])
def test_bad_knowledge_and_thresholds_are_config_errors(tmp_path, text, says):
    from typer.testing import CliRunner

    from qa_pipeline.cli import app

    (tmp_path / "k.yaml").write_text(text, "utf-8")
    res = CliRunner().invoke(app, ["rules", "validate", str(tmp_path)])
    assert res.exit_code == 4 and says in res.output and "Traceback" not in res.output, res.output


def test_held_out_dialogues():
    """10 dialogues labelled before they were first scored (the rules were not tuned on them):
    ≥ 90% of the verdicts agree with the labels and confident verdicts are right ≥ 90%."""
    held = DATA / "holdout"
    labels = yaml.safe_load((held / "labels.yaml").read_text("utf-8"))
    pairs = []
    for name, entry in labels.items():
        got = {c.id: c for c in score_transcript(held / f"{name}.jsonl", rules=RULES).checks}
        pairs += [(label, got[item]) for item, label in entry["labels"].items()]
    agree = sum(1 for label, r in pairs if _verdict(r.status) == label) / len(pairs)
    sure = [(label, r) for label, r in pairs if (r.confidence or 0) >= 0.8]
    assert agree >= 0.9, agree
    assert sum(1 for label, r in sure if _verdict(r.status) == label) / len(sure) >= 0.9


def test_sample_calls_text_items(tmp_path):
    """The 9 sample calls' scripts, text items labelled in samples.labels.yaml: ≥ 95% agreement."""
    import json

    labels = yaml.safe_load((DATA / "samples.labels.yaml").read_text("utf-8"))
    items = list(next(iter(LABELS.values()))["labels"])
    pairs = []
    for name, over in labels.items():
        turns = json.loads((SAMPLES / f"{name}.truth.json").read_text("utf-8"))["turns"]
        path = tmp_path / f"{name}.jsonl"
        path.write_text("\n".join(json.dumps(t, ensure_ascii=False) for t in turns), "utf-8")
        got = {c.id: c for c in score_transcript(path, rules=RULES).checks}
        pairs += [(over.get(item, "pass"), _verdict(got[item].status)) for item in items]
    agree = sum(1 for label, got in pairs if label == got) / len(pairs)
    assert agree >= 0.95, agree


def test_score_detail_carries_no_transcript_text():
    """Masked means masked everywhere: score_detail holds ids and numbers, the quotes stay in checks[]
    (which redact_report masks)."""
    import json

    from qa_pipeline.redact import redact_report

    report = redact_report(score_transcript(DATA / "s15.jsonl", rules=RULES))  # a phone number is read back
    blob = json.dumps(report.to_dict()["score_detail"], ensure_ascii=False)
    assert "13800138000" not in blob and "「" not in blob
    assert "13800138000" not in json.dumps(report.to_dict(), ensure_ascii=False)


def _triage(folder: Path, labels: dict) -> tuple[int, int, float, float]:
    """(wrong verdicts, wrong ones listed in low_confidence, assessed items listed per call, all listed per call).

    "Assessed" leaves out the items not assessed at all (confidence 0: the voice items of a
    transcript without audio, a call with no knowledge topic), which are listed on every such call."""
    wrong = caught = assessed = listed = 0
    for name, entry in labels.items():
        report = score_transcript(folder / f"{name}.jsonl", rules=RULES)
        low = {x["id"] for x in report.score_detail["low_confidence"]}
        listed += len(low)
        assessed += sum(1 for x in report.score_detail["low_confidence"] if x["confidence"] > 0)
        got = {c.id: c for c in report.checks}
        for item, label in entry["labels"].items():
            if _verdict(got[item].status) != label:
                wrong += 1
                caught += item in low
    return wrong, caught, assessed / len(labels), listed / len(labels)


@pytest.mark.parametrize("folder, min_caught", [(DATA / "holdout", 0.5), (DATA, 0.5)], ids=["holdout", "dev"])
def test_low_confidence_catches_most_errors(folder, min_caught):
    """A reviewer who checks only low_confidence fixes most errors, and the list stays short:
    at least half of the wrong verdicts are listed, with at most 4 assessed items per call
    (measured: held-out 6 of 6 errors with 0.9 assessed items per call, dev 3 of 5 with 0.6)."""
    labels = yaml.safe_load((folder / "labels.yaml").read_text("utf-8"))
    wrong, caught, assessed, listed = _triage(folder, labels)
    assert wrong and caught / wrong >= min_caught, f"{caught}/{wrong} errors in low_confidence"
    assert assessed <= 4, f"{assessed:.1f} assessed items per call in low_confidence"
    assert listed - assessed <= 11  # the not-assessed: 9 voice items without audio, info.* without a topic


@pytest.mark.parametrize("name, item, reason", [
    ("s43", "wording.polite", "borderline: one hit short of failing"),  # one 你; two fail
    ("s08", "info.complete", "borderline: one violation from a pass"),  # partial: one key point missing
    ("s43", "info.accurate", "contradicted: info.no_exaggeration is fail"),  # an absolute promise
    ("s15", "attitude.impatient", "contradicted: attitude.soothe is fail"),  # the caller complains
], ids=["one-short", "partial", "exaggeration", "complaint"])
def test_doubt_signals_say_why(name, item, reason):
    """A verdict made less sure says why in its summary, and lands in low_confidence."""
    report = score_transcript(DATA / f"{name}.jsonl", rules=RULES)
    r = {c.id: c for c in report.checks}[item]
    assert reason in r.summary and r.confidence < RULES.checklist.low_confidence_below
    assert item in {x["id"] for x in report.score_detail["low_confidence"]}


@pytest.mark.parametrize("prob, doubted", [(0.95, False), (0.3, True)], ids=["clear", "garbled"])
def test_evidence_heard_garbled_is_less_sure(tmp_path, prob, doubted):
    """s01's thanks (谢谢/感谢) with word probabilities as ASR gives them: heard clearly, wording.thanks
    keeps its prior; heard with probability 0.3, it goes to low_confidence and says why."""
    import json

    rows = [json.loads(line) for line in (DATA / "s01.jsonl").read_text("utf-8").splitlines() if line.strip()]
    for row in rows:
        p = prob if row["speaker"] == "agent" and ("谢" in row["text"]) else 0.95
        step = (row["end"] - row["start"]) / len(row["text"])
        row["words"] = [{"start": row["start"] + i * step, "end": row["start"] + (i + 1) * step,
                         "text": ch, "prob": p} for i, ch in enumerate(row["text"])]
    path = tmp_path / "s01.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    report = score_transcript(path, rules=RULES)
    thanks = {c.id: c for c in report.checks}["wording.thanks"]
    assert thanks.status == "pass"
    low = {x["id"] for x in report.score_detail["low_confidence"]}
    assert ("garbled" in thanks.summary) == doubted and ("wording.thanks" in low) == doubted, thanks.summary
    assert thanks.confidence == (pytest.approx(0.9 * 0.3 / 0.5) if doubted else 0.9)


@pytest.mark.parametrize("agent_says, doubted", [("林先生，您的保单已经续好了。", True),
                                                 ("这位先生，您的保单已经续好了。", False)], ids=["surname", "no-surname"])
def test_address_na_doubted_when_the_agent_uses_a_surname(tmp_path, agent_says, doubted):
    """wording.address is n/a when no name cue (我姓…) is heard; an agent who says 林先生 heard a name the
    cue list missed (车主叫林涛), so the n/a goes to a reviewer."""
    import json

    turns = [("agent", "您好，安心保险，请问有什么可以帮您？"), ("customer", "我想续保，车主叫林涛。"),
             ("agent", agent_says), ("customer", "好的，谢谢。"), ("agent", "不客气，感谢您的来电，再见。")]
    rows = [{"speaker": s, "text": t, "start": 5.0 * i, "end": 5.0 * i + 4} for i, (s, t) in enumerate(turns)]
    path = tmp_path / "call.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    address = {c.id: c for c in score_transcript(path, rules=RULES).checks}["wording.address"]
    assert address.status == "n/a"
    assert (address.confidence < RULES.checklist.low_confidence_below) == doubted, address.summary
