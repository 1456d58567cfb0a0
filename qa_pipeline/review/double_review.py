"""Blind double review of a shared calibration set: each reviewer scores the same calls without seeing the
others' decisions until every one of them has submitted, then the spread between reviewers per item and on
the total, kappa between reviewers per item and each item's agreement with the machine.

The calibration set is every saved review sample whose name starts with ``calibration`` (``qa sample
--save calibration-w48``). A reviewer *submits* a call by marking it reviewed (a ``status: reviewed`` event).
Only submitted reviews count in the statistics, so a half-done review never moves the numbers.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..store import Store, reviews
from ..store.queue import calls_in_samples
from .state import User

CALIBRATION_PREFIX = "calibration"


def _submitted(events: list[dict[str, Any]]) -> set[str]:
    return {e["user"] for e in events if e["kind"] == "status" and e["value"] == "reviewed" and e["role"] != "agent"}


def visible_events(store: Store, call_id: str, user: User, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events ``user`` may see on ``call_id``: all of them, except on a calibration call, where a reviewer
    sees only their own until every reviewer who worked on it (and they themselves) has submitted. Seniors and
    admins see everything."""
    if user.can("rule") or call_id not in calls_in_samples(store, CALIBRATION_PREFIX):
        return events
    workers = {e["user"] for e in events if e["role"] != "agent"}
    if user.name in _submitted(events) and workers <= _submitted(events):
        return events
    return [e for e in events if e["user"] == user.name]


def _kappa(a: list[str], b: list[str]) -> tuple[float | None, str | None]:
    from sklearn.metrics import cohen_kappa_score

    if len(a) < 2:
        return None, f"only {len(a)} pair(s)"
    if len(set(a) | set(b)) < 2:
        return None, "every label is the same: kappa undefined (read the agreement)"
    return round(float(cohen_kappa_score(a, b)), 4), None


def double_review(store: Store, *, prefix: str = CALIBRATION_PREFIX) -> dict[str, Any]:
    """The calibration set's statistics (JSON-serializable).

    Returns
    -------
    dict
        ``calls`` (in the set), ``double_reviewed`` (submitted by ≥2 reviewers), ``items``: per check
        ``check_id, n_calls, n_pairs, reviewer_agreement, kappa_reviewers, kappa_note, machine_agreement,
        points_spread_mean, points_spread_max``; ``total``: ``n_calls, spread_mean, spread_max`` of the
        reviewers' final scores; ``per_call``: each call's final score by reviewer and the spread.
    """
    from .calibration import judgements

    calls = calls_in_samples(store, prefix)
    ev = reviews.events_frame(store)
    ev = ev[ev["call_id"].isin(calls) & (ev["role"] != "agent")] if not ev.empty else ev
    done = set()
    if not ev.empty:
        sub = ev[(ev["kind"] == "status") & (ev["value"] == "reviewed")]
        done = set(zip(sub["call_id"], sub["user"]))
    counted = ev[[(c, u) in done for c, u in zip(ev["call_id"], ev["user"])]] if not ev.empty else ev
    j = judgements(store)
    j = j.loc[pd.Series([(c, u) in done for c, u in zip(j["call_id"], j["user"])], index=j.index, dtype=bool)]
    pairs = j.merge(j, on=["call_id", "check_id"], suffixes=("_a", "_b"))
    pairs = pairs[pairs["user_a"] < pairs["user_b"]]
    points = pd.DataFrame(columns=["call_id", "user", "target", "value"])
    scores = pd.DataFrame(columns=["call_id", "user", "value"])
    if not counted.empty:
        last = counted.drop_duplicates(["call_id", "user", "kind", "target"], keep="last")
        points = last[last["kind"] == "manual"][["call_id", "user", "target", "value"]].astype({"value": float})
        scores = last[last["kind"] == "score"][["call_id", "user", "value"]].astype({"value": float})
    items = []
    for check_id in sorted(set(j["check_id"]) | set(points["target"])):
        g, p = j[j["check_id"] == check_id], pairs[pairs["check_id"] == check_id]
        kappa, note = _kappa(list(p["human_a"]), list(p["human_b"]))
        pts = points[points["target"] == check_id]
        spread = pts.groupby("call_id")["value"].agg(lambda v: v.max() - v.min())[
            pts.groupby("call_id")["user"].nunique() >= 2] if not pts.empty else pd.Series(dtype=float)
        items.append({"check_id": check_id, "n_calls": int(g["call_id"].nunique()), "n_pairs": len(p),
                      "reviewer_agreement": round(float((p["human_a"] == p["human_b"]).mean()), 4) if len(p) else None,
                      "kappa_reviewers": kappa, "kappa_note": note,
                      "machine_agreement": round(float((g["verdict"] == "agree").mean()), 4) if len(g) else None,
                      "points_spread_mean": round(float(spread.mean()), 2) if len(spread) else None,
                      "points_spread_max": round(float(spread.max()), 2) if len(spread) else None})
    per_call = []
    for call_id, g in scores.groupby("call_id"):
        by = dict(zip(g["user"], g["value"]))
        per_call.append({"call_id": call_id, "scores": by, "spread": round(max(by.values()) - min(by.values()), 2)})
    doubles = [c for c in per_call if len(c["scores"]) >= 2]
    reviewed_by = pd.Series([c for c, _ in done]).value_counts() if done else pd.Series(dtype=int)
    return {"prefix": prefix, "calls": len(calls), "double_reviewed": int((reviewed_by >= 2).sum()),
            "items": items, "per_call": per_call,
            "total": {"n_calls": len(doubles),
                      "spread_mean": round(sum(c["spread"] for c in doubles) / len(doubles), 2) if doubles else None,
                      "spread_max": max((c["spread"] for c in doubles), default=None)}}


def register(app, store: Store, user) -> None:
    """Add ``GET /api/calibration/double`` (reviewers and up) to ``app``."""
    from fastapi import Depends

    from .state import PermissionDenied

    @app.get("/api/calibration/double")
    def double(u: User = Depends(user)):
        if not u.can("review"):
            raise PermissionDenied("only reviewers see calibration data")
        return double_review(store)
