"""The reviewer's sheet: a call's checklist items with the reviewer's verdicts and points → the final score.

The same arithmetic runs in the page (``static/call.js``, ``sheetTotal``) so the reviewer sees the
total change as they decide; the server recomputes it here when the review is submitted, and the
stored score is this one. An item counts as:

- the reviewer's points, when they gave some;
- else its full points when the reviewer disputed an automatic failure (the failure did not happen);
- else its automatic points (pass, partial, fail, and n/a where the scorer gave it points);
- not at all when it has no points yet (a manual item nobody scored, an item that does not apply).

A section's earned points are floored at 0 (per-hit deductions cannot take it below) and capped at
the section's points. The total follows the scorer's method (``score_detail.method``): where the
automatic score is a rescaling ("auto points earned ÷ auto points applicable × 100") it is earned ÷
possible × 100 over the counted items, so a fully scored 100-point sheet gives the sum; where the
score is the sheet's sum of points, it is that sum. A fatal item (一票否决) that failed and was not
disputed makes the total 0.
"""

from __future__ import annotations

from typing import Any

LOW_CONFIDENCE = 0.6  # an automatic verdict less sure than this needs a reviewer's decision


def needs_decision(item: dict[str, Any]) -> bool:
    """Whether a reviewer must decide ``item`` before the review is submitted: failed (or partial) items and
    low-confidence automatic verdicts on the sheet (a check that carries no points is not held against the
    reviewer when the machine could not decide it)."""
    if item.get("status") in ("fail", "partial"):
        return True
    conf = item.get("confidence")
    return (conf is not None and item.get("status") != "manual" and conf < LOW_CONFIDENCE
            and item.get("points_possible") is not None)


def undecided(report: dict[str, Any], verdicts: dict[str, str | None], points: dict[str, float]) -> list[str]:
    """Ids of the items that need a decision and have neither a verdict nor reviewer's points."""
    return [c["id"] for c in report.get("checks") or ()
            if needs_decision(c) and not verdicts.get(c["id"]) and c["id"] not in points]


def points_range(item: dict[str, Any]) -> tuple[float, float]:
    """The points a reviewer may give ``item``: 0 (or its automatic deduction, if lower) up to its points."""
    top = float(item.get("points_possible") or 0.0)
    low = min(0.0, float(item["points"])) if item.get("points") is not None else 0.0
    return low, top


def rescaled(report: dict[str, Any]) -> bool:
    """Whether the report's automatic score is a rescaling of the points it could judge (else a sum of points)."""
    method = str((report.get("score_detail") or {}).get("method") or "")
    return "÷" in method or not method


def final_score(report: dict[str, Any], verdicts: dict[str, str | None], points: dict[str, float]) -> dict[str, Any]:
    """The reviewed score of a call.

    Parameters
    ----------
    report : the stored JSON report (its ``checks``).
    verdicts : check id → ``agree`` / ``dispute`` (or None) for the items the reviewer judged.
    points : check id → the reviewer's points.

    Returns
    -------
    dict: ``total`` (0–100, or None when nothing counts), ``earned``, ``possible``, ``fatal`` (ids of
    undisputed fatal failures) and ``sections`` (``name, earned, possible, points``) in sheet order.

    Example
    -------
    >>> r = {"checks": [{"id": "a", "section": "S", "status": "fail", "points": 0, "points_possible": 4},
    ...                 {"id": "b", "section": "S", "status": "manual", "points": None, "points_possible": 6}]}
    >>> final_score(r, {"a": "dispute"}, {"b": 3})["total"]
    70.0
    """
    sections: dict[str, dict[str, Any]] = {}
    fatal = []
    for c in report.get("checks") or ():
        name = c.get("section")
        if not name or c.get("points_possible") is None:
            continue  # not on the sheet
        sec = sections.setdefault(name, {"name": name, "earned": 0.0, "possible": 0.0, "items": 0})
        cid, possible, verdict = c["id"], float(c["points_possible"]), verdicts.get(c["id"])
        if cid in points:
            got = float(points[cid])
        elif verdict == "dispute" and c.get("status") in ("fail", "partial"):
            got = possible
        elif c.get("status") != "manual" and c.get("points") is not None:
            got = float(c["points"])
        else:
            continue
        if c.get("fatal") and c.get("status") == "fail" and verdict != "dispute" and cid not in points:
            fatal.append(cid)
        sec["earned"] += got
        sec["possible"] += possible
        sec["items"] += 1
    caps = {s.get("name"): s.get("points") for s in (report.get("score_detail") or {}).get("sections") or ()}
    earned = possible = 0.0
    for sec in sections.values():
        if sec["items"]:
            sec["earned"] = max(sec["earned"], 0.0)
        if caps.get(sec["name"]) is not None:
            sec["earned"] = min(sec["earned"], float(caps[sec["name"]]))
        earned += sec["earned"]
        possible += sec["possible"]
    if rescaled(report):
        total = None if possible <= 0 else round(100.0 * max(earned, 0.0) / possible, 1)
    else:
        total = None if not sections else round(max(earned, 0.0), 1)
    if fatal:
        total = 0.0
    return {"total": total, "earned": earned, "possible": possible, "fatal": fatal,
            "sections": [{k: v for k, v in s.items() if k != "items"} for s in sections.values()]}
