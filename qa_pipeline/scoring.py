"""The checklist: check results → points, a score, fatal items and the flag.

The score is honest about what a machine can judge: it is the points earned on the
automatic items that apply to the call, divided by the points those items are worth,
times 100. Items a human must judge (服务热情…) are listed as ``manual`` with their
points pending; items that do not apply (no hold happened) count neither way. A fatal
failure (一票否决) makes the score 0.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .rules.loader import RuleSet
from .types import CheckResult


@dataclass(frozen=True)
class Scored:
    checks: tuple[CheckResult, ...]
    score: float | None
    detail: dict[str, Any]
    flagged: bool
    flag_reasons: tuple[str, ...]


def score_checks(checks: tuple[CheckResult, ...], rules: RuleSet) -> Scored:
    """Apply the loaded checklist to a call's check results."""
    cl = rules.checklist
    if cl is None:
        return Scored(checks, None, {"method": "no checklist loaded"}, False, ())
    by_id = {c.id: c for c in checks}
    out: dict[str, CheckResult] = dict(by_id)
    sections, fatal = [], []
    earned_all = possible_all = pending_all = 0.0
    for section in cl.sections:
        earned = possible = pending = 0.0
        for item in section.items:
            if item.manual:
                out[item.manual] = CheckResult(id=item.manual, title=item.title or item.manual, status="manual",
                                               points=None, points_possible=item.points, severity="minor",
                                               summary="waiting for a reviewer", section=section.name)
                pending += item.points
                continue
            r = by_id.get(item.check)
            if r is None:
                continue
            if r.status == "fail" and (item.fatal or r.fatal):
                fatal.append(r.id)
            if r.status not in ("pass", "fail"):
                out[r.id] = replace(r, points=None, points_possible=item.points, section=section.name,
                                    fatal=item.fatal or r.fatal)
                continue
            if item.deduct_per_hit:
                got = item.points - (item.deduct_per_hit * r.hits if r.status == "fail" else 0.0)
            else:
                got = item.points if r.status == "pass" else 0.0
            out[r.id] = replace(r, points=got, points_possible=item.points, section=section.name,
                                fatal=item.fatal or r.fatal)
            earned += got
            possible += item.points
        earned = max(earned, 0.0) if possible else earned
        sections.append({"name": section.name, "points": section.points, "auto_earned": earned,
                         "auto_possible": possible, "manual_pending": pending})
        earned_all += earned
        possible_all += possible
        pending_all += pending
    score = None if possible_all <= 0 else round(100.0 * max(earned_all, 0.0) / possible_all, 1)
    if fatal:
        score = 0.0
    detail = {"method": "auto points earned ÷ auto points applicable × 100; manual items pending; fatal → 0",
              "checklist": cl.name, "auto_earned": earned_all, "auto_possible": possible_all,
              "manual_pending": pending_all, "fatal": fatal, "sections": sections}
    reasons = [f"fatal: {cid} failed (一票否决)" for cid in fatal]
    if score is not None and score < cl.flag.below_score and not fatal:
        reasons.append(f"score {score:g} is below {cl.flag.below_score:g}")
    reasons += [f"{cid} failed" for cid in cl.flag.checks if out.get(cid) and out[cid].status == "fail"
                and cid not in fatal]
    flagged = bool(reasons) if (cl.flag.on_fatal or not fatal) else bool(reasons[len(fatal):])
    return Scored(tuple(out.values()), score, detail, flagged, tuple(reasons))
