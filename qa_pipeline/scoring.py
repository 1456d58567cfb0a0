"""The checklist: check results → points on the 100-point sheet, confidence, fatal items, the flag.

The score is the sheet a QA reviewer fills in (seed 002, 评分细则), not a rescaling: it is
the sum over all items of the points awarded.

- ``pass`` earns the item's points; ``n/a`` (no hold happened) earns them too, as a human
  reviewer would, and says so; ``fail`` earns 0, or ``points − deduct`` for items that
  deduct a fixed amount once (服务禁语 −2), or ``points − deduct_per_hit × hits``;
  ``partial`` is a failure with few violations that earns the item's ``partial.points``.
- Items of one ``group`` share one deduction (开头语/结束语: "任意一项不符合规定, 扣2分"):
  the group keeps its points minus the largest deduction of a failing member, never below 0.
- A section never goes below 0 nor above its points. A fatal failure (一票否决) makes the
  score 0.

Every item carries ``confidence`` (0–1): the item's measured accuracy for that verdict
(``confidence:`` in the checklist, from the annotated set in ``tests/data/sheet``), times
the quality of the evidence (the pinyin similarity of fuzzy phrase matches; for a "must
not say" that passed, how close the nearest miss came), times the doubt signals of
:mod:`qa_pipeline.doubt` (borderline measurements, items of the call that contradict the verdict,
evidence heard with low ASR word probability). An item that cannot be judged
(no rule loaded, speaker roles unknown, no knowledge topic matches) is ``n/a`` with
confidence 0: its points are given provisionally, it is left out of ``auto_coverage`` and
listed first in ``low_confidence``. ``auto_coverage`` is the share of the sheet's points
assessed automatically with confidence > 0.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .doubt import doubt
from .messages import Text, join, msg, summary_of, who
from .rules.loader import RuleSet
from .sheet_calibration import SheetCalibration, calibrated_verdict
from .types import CheckResult, Utterance

NEAR_MISS_FROM = 0.85  # a nearest miss at least this similar makes a verdict less sure
# An n/a is "not assessed" (confidence 0) when the check could not be decided — a measurement
# missing, roles unknown, no rule, no knowledge topic — unless the reason is that the call is too
# short for it (then it simply does not apply)
NOT_ASSESSED = ("speaker roles are unknown", "is loaded", "switched off", "no knowledge topic",
                "overtalk is not available", "cannot be measured")
TOO_LITTLE = ("are needed to compare",)


@dataclass(frozen=True)
class Scored:
    checks: tuple[CheckResult, ...]
    score: float | None
    detail: dict[str, Any]
    flagged: bool
    flag_reasons: tuple[str, ...]


def _near_miss(similarity: float) -> float:
    return 1.0 - 2.0 * max(0.0, similarity - NEAR_MISS_FROM)


def evidence_quality(r: CheckResult) -> float:
    """How much the evidence behind a verdict can be trusted, 0–1 (1 = exact matches or measurements).

    A phrase heard fuzzily counts its similarity; a phrase *not* heard whose nearest match came
    close (≥ 0.85) costs up to 0.3 (the phrase may have been said and misrecognized).
    """
    lines = r.findings if r.status in ("fail", "partial") else r.evidence if r.status == "pass" else ()
    q = 1.0
    for f in lines:
        if f.similarity is None:
            continue
        nearest = "nearest" in f.why or r.summary == "no violation found"
        q = min(q, _near_miss(f.similarity) if nearest else f.similarity)
    return q


def _readable(r: CheckResult) -> Text:
    """A reviewer's summary for pattern checks (the pattern itself stays in the findings)."""
    s = r.summary
    if r.status == "pass" and (s.startswith("nothing matches /") or s.startswith("matches /")):
        return msg("rule.no_violation")
    if s.startswith("nothing matches /"):
        return msg("sheet.not_heard", title=r.title)
    if s.startswith("matches /") and r.findings:
        f = r.findings[0]
        speaker = who(f.speaker) if f.speaker in ("agent", "customer") else msg("who.someone")
        said = msg("sheet.said", who=speaker, heard=f.heard)
        return said + msg("sheet.more", n=len(r.findings) - 1) if len(r.findings) > 1 else said
    return summary_of(r)


def _summary(r: CheckResult, text: Text, **changes) -> CheckResult:
    """``r`` with the summary ``text`` (English in ``summary``, Chinese in ``summary_zh``)."""
    return replace(r, summary=text.en, summary_zh=text.zh, **changes)


LOW_SCORE = "score "  # how the low-score flag reason begins (:func:`low_score_reason`)


def low_score_reason(score: float, below: float) -> str:
    """The flag reason of a call scored under the checklist's ``flag.below_score``."""
    return f"{LOW_SCORE}{score:g} is below {below:g}"


def _undecided(r: CheckResult) -> bool:
    if r.status != "n/a":
        return False
    if r.summary.startswith("cannot be decided"):
        return not any(k in r.summary for k in TOO_LITTLE)
    return any(k in r.summary for k in NOT_ASSESSED)


def _missing(item, section: str, disabled: bool) -> CheckResult:
    why = msg("sheet.switched_off") if disabled else msg("sheet.no_rule", check=item.check)
    summary = msg("sheet.missing", why=why)
    return CheckResult(id=item.check, title=item.title or item.check, status="n/a", points=None,
                       points_possible=item.points, severity="minor", section=section, confidence=0.0,
                       summary=summary.en, summary_zh=summary.zh)


def score_checks(checks: tuple[CheckResult, ...], rules: RuleSet, calibration: SheetCalibration | None = None,
                 *, transcript: tuple[Utterance, ...] = ()) -> Scored:
    """Apply the loaded checklist to a call's check results (see the module docstring).

    With ``calibration`` (``qa calibrate``), an item it holds a model for takes the model's verdict
    and confidence (what reviewers would say); the automatic ones are kept in
    ``score_detail.calibration.original``. ``transcript`` (the call's utterances) feeds the
    doubt signals' cross-checks and word probabilities (:mod:`qa_pipeline.doubt`).
    """
    cl = rules.checklist
    if cl is None:
        return Scored(checks, None, {"method": "no checklist loaded"}, False, ())
    by_id = {c.id: c for c in checks}
    agent_text = "".join(u.text for u in transcript if u.speaker == "agent")  # for the doubt signals
    out: dict[str, CheckResult] = dict(by_id)
    sections, fatal, low = [], [], []
    original: dict[str, dict[str, Any]] = {}
    total = auto_points = pending_all = 0.0
    for section in cl.sections:
        awarded: dict[str, float] = {}
        results: dict[str, CheckResult] = {}
        pending = 0.0
        for item in section.items:
            if item.manual:
                waiting = msg("sheet.waiting")
                out[item.manual] = CheckResult(id=item.manual, title=item.title or item.manual, status="manual",
                                               points=None, points_possible=item.points, severity="minor",
                                               summary=waiting.en, summary_zh=waiting.zh, section=section.name,
                                               source="reviewer")
                pending += item.points
                continue
            r = by_id.get(item.check)
            if r is None:
                r = _missing(item, section.name, item.check in rules.disabled)
            base = dict(points_possible=item.points, section=section.name, fatal=item.fatal or r.fatal)
            if r.status == "fail" and (item.fatal or r.fatal):
                fatal.append(r.id)
            if r.status == "n/a":
                conf = 0.0 if _undecided(r) else item.confidence.na
                got = item.points
                r = _summary(r, summary_of(r) + (msg("sheet.points_given", points=item.points) if item.points else ""),
                             **base)
            elif r.status == "pass":
                conf = item.confidence.pass_ * evidence_quality(r)
                got = item.points
                r = replace(r, **base)
            else:
                conf = item.confidence.fail * evidence_quality(r)
                status = "fail"
                if item.deduct_per_hit:
                    got = item.points - item.deduct_per_hit * r.hits
                elif item.deduct:
                    got = item.points - item.deduct
                elif item.partial and r.hits <= item.partial.hits_at_most:
                    got, status = item.partial.points, "partial"
                else:
                    got = 0.0
                r = replace(r, status=status, **base)
            r = _summary(r, _readable(r))
            if conf > 0:
                factor, reasons = doubt(r, by_id, rule=rules.rules.get(item.check), agent_text=agent_text,
                                        transcript=transcript)
                if reasons:
                    conf *= factor
                    r = _summary(r, summary_of(r) + msg("sheet.less_sure", reasons=join(reasons)))
            if (calibration is not None and item.check in calibration.items and r.status != "n/a"
                    and not r.fatal):  # 一票否决 stays the rule's call
                r, conf, got = _calibrated(r, item, calibration.items[item.check], conf, got, original)
            awarded[r.id] = got
            results[r.id] = replace(r, confidence=round(conf, 3))
        _apply_groups(section, results, awarded)
        earned = min(max(sum(awarded.values()), 0.0), section.points)
        assessed = sum(results[i].points_possible or 0.0 for i in results if (results[i].confidence or 0) > 0)
        for rid, r in results.items():
            out[rid] = replace(r, points=round(awarded[rid], 3))
            if r.confidence is not None and r.confidence < cl.low_confidence_below:
                # ids and numbers only: the item's summary (quotes) lives in checks[], where it is masked
                low.append({"id": rid, "confidence": r.confidence, "status": r.status, "section": section.name})
        sections.append({"name": section.name, "points": section.points, "earned": round(earned, 3),
                         "auto_points": assessed, "manual_pending": pending,
                         "items": [i.check or i.manual for i in section.items]})
        total += earned
        auto_points += assessed
        pending_all += pending
    score = 0.0 if fatal else round(total, 1)
    low.sort(key=lambda x: (x["confidence"], x["id"]))
    detail = {"method": "points on the 100-point sheet: the sum of the points awarded per item (n/a items get theirs; "
                        "deductions floored at 0 per section); fatal → 0",
              "checklist": cl.name, "total_points": cl.total_points, "earned": round(total, 3),
              "auto_coverage": round(auto_points / cl.total_points, 3) if cl.total_points else 0.0,
              "manual_pending": pending_all, "low_confidence": low, "fatal": fatal, "sections": sections}
    if calibration is not None:
        detail["calibration"] = {"version": calibration.version, "items": len(calibration.items),
                                 "original": original}
    for rid, r in out.items():  # checks outside the checklist (no points): how far their evidence can be trusted
        if r.confidence is None:
            out[rid] = replace(r, confidence=round(0.0 if _undecided(r) else evidence_quality(r), 3))
    reasons = [f"fatal: {cid} failed (一票否决)" for cid in fatal]
    if score is not None and score < cl.flag.below_score and not fatal:
        reasons.append(low_score_reason(score, cl.flag.below_score))
    reasons += [cl.flag.reasons.get(cid, f"{cid} failed") for cid in cl.flag.checks
                if out.get(cid) and out[cid].status in ("fail", "partial") and cid not in fatal]
    flagged = bool(reasons) if (cl.flag.on_fatal or not fatal) else bool(reasons[len(fatal):])
    return Scored(tuple(out.values()), score, detail, flagged, tuple(reasons))


def _calibrated(r: CheckResult, item, model, conf: float, got: float, original: dict):
    """The item's verdict and confidence as the reviewers' model has it (the automatic ones kept)."""
    auto_fail = r.status in ("fail", "partial")
    p = model.p_fail(auto_fail=auto_fail, confidence=conf, hits=r.hits)
    original[r.id] = {"status": r.status, "confidence": round(conf, 3), "hits": r.hits}
    fail, conf = calibrated_verdict(auto_fail, p)
    note = summary_of(r) + msg("sheet.calibrated", p=p)
    if fail == auto_fail:
        return _summary(r, note), conf, got
    if fail:  # the reviewers' model fails what the rule passed
        if item.deduct_per_hit:
            got = item.points - item.deduct_per_hit * max(r.hits, 1)
        else:
            got = item.points - item.deduct if item.deduct else 0.0
        return _summary(r, note, status="fail"), p, got
    return _summary(r, note, status="pass"), 1 - p, item.points


def _apply_groups(section, results: dict[str, CheckResult], awarded: dict[str, float]) -> None:
    """Items of one group share one deduction: the group keeps its points minus the largest
    deduction of a failing member (never below 0); failing members share what is left after
    the passing members' points."""
    groups: dict[str, list] = {}
    for item in section.items:
        if item.group and item.check in results:
            groups.setdefault(item.group, []).append(item)
    for members in groups.values():
        failing = [i for i in members if results[i.check].status in ("fail", "partial")]
        if not failing:
            continue
        possible = sum(i.points for i in members)
        deduction = max((i.deduct if i.deduct else i.points) for i in failing)
        kept = max(possible - deduction, 0.0)
        passing = sum(awarded[i.check] for i in members if i not in failing)
        share = (kept - passing) / len(failing)
        for i in failing:
            awarded[i.check] = share
            r = results[i.check]
            results[i.check] = _summary(r, summary_of(r) + msg("sheet.group", group=i.group, deduction=deduction,
                                                                 possible=possible))
