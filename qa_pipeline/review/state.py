"""Reviewer decisions: an append-only log of events (the audit trail) and each call's current state.

Nothing is overwritten: a changed mind is a new event, and the current decision on a
finding is its latest event. ``call_reviews`` is kept in step in the same transaction, so
the queue can filter by review status on 100,000 calls without replaying the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import InputError, QAError
from ..store import Store, reviews, utcnow
from ..store.calls import scored_call, stored_report

ROLES = ("agent", "reviewer", "senior", "admin")
KINDS = ("finding", "check", "manual", "score", "comment", "status", "appeal", "ruling")
LOW_CONFIDENCE = 0.6  # items less sure than this take a reviewer's points, like manual items (checklist.yaml)


class PermissionDenied(QAError):
    """The user's role may not do this (the page shows the message)."""


@dataclass(frozen=True)
class User:
    name: str
    role: str = "reviewer"
    sensitive: bool = False  # may see unmasked ID/card/phone numbers and names

    def can(self, action: str) -> bool:
        rank = ROLES.index(self.role)
        need = {"review": 1, "rule": 2, "appeal": 0}[action]
        return rank >= need


def _validate(kind: str, target: str, value: str | None, reason: str | None, report: dict) -> None:
    checks = {c["id"]: c for c in report.get("checks") or ()}
    if kind not in KINDS:
        raise InputError(f"unknown decision kind '{kind}'; one of {', '.join(KINDS)}")
    if kind in ("finding", "check"):
        cid = target.split("#", 1)[0]
        if cid not in checks:
            raise InputError(f"call has no check '{cid}'")
        if kind == "finding":
            n = int(target.split("#", 1)[1]) if "#" in target and target.split("#", 1)[1].isdigit() else -1
            if not 0 <= n < len(checks[cid].get("findings") or ()) + len(checks[cid].get("evidence") or ()):
                raise InputError(f"check '{cid}' has no finding {target}")
        if value not in ("agree", "dispute"):
            raise InputError("a decision is 'agree' or 'dispute'")
        if value == "dispute" and not (reason or "").strip():
            raise InputError("say why you dispute it (a reason is required)")
    elif kind == "manual":
        item = checks.get(target)
        unsure = item is not None and item.get("confidence") is not None and item["confidence"] < LOW_CONFIDENCE
        if item is None or (item.get("status") != "manual" and not unsure):
            raise InputError(f"'{target}' is not a manual checklist item of this call (nor a low-confidence one)")
        try:
            points = float(value or "")
        except ValueError:
            raise InputError(f"points for '{target}' must be a number") from None
        if not 0 <= points <= float(item.get("points_possible") or 0):
            raise InputError(f"points for '{target}' must be between 0 and {item.get('points_possible'):g}")
    elif kind == "score":
        try:
            score = float(value or "")
        except ValueError:
            raise InputError("the final score must be a number") from None
        if not 0 <= score <= 100:
            raise InputError("the final score must be between 0 and 100")
    elif kind == "status" and value not in ("reviewed", "in_review"):
        raise InputError("status is 'reviewed' or 'in_review'")
    elif kind == "ruling" and value not in ("upheld", "overturned"):
        raise InputError("a ruling is 'upheld' (the review stands) or 'overturned'")
    elif kind in ("comment", "appeal") and not (reason or "").strip():
        raise InputError(f"the {kind} needs some text")


def record(store: Store, call_id: str, user: User, kind: str, target: str = "", value: str | None = None,
           reason: str | None = None) -> dict[str, Any]:
    """Validate and store one decision; return the call's new review state.

    The call's events are read, the decision checked against them and stored in one transaction, so two
    reviewers deciding at once each see the other's decision."""
    with store.transaction() as tx:
        report = stored_report(tx, call_id)
        row = scored_call(tx, call_id)
        if report is None or row is None:
            raise InputError(f"no scored call '{call_id}' in the database")
        events = reviews.events(tx, call_id)
        _allowed(user, kind, row, fold(events)["status"])
        _validate(kind, target, value, reason, report)
        now = utcnow()
        event = {"call_id": call_id, "at": now, "user": user.name, "role": user.role, "kind": kind,
                 "target": target, "value": value, "reason": (reason or "").strip() or None}
        state = fold(events + [{**event, "at": now.isoformat() + "Z"}])  # what the state is once this is stored
        failing = {c["id"] for c in report.get("checks") or () if c["status"] == "fail"}
        verdicts = {c: _verdict(state["decisions"], c) for c in failing}
        confirmed = True if "agree" in verdicts.values() else (False if failing and all(
            v == "dispute" for v in verdicts.values()) else None)
        reviews.add_event(tx, event, {"status": state["status"], "reviewer": state["reviewer"],
                                      "final_score": state["final_score"], "confirmed": confirmed,
                                      "n_events": state["n_events"], "updated_at": now})
    return state


def _allowed(user: User, kind: str, row: dict, status: str) -> None:
    """Raise :class:`PermissionDenied` unless ``user`` may record a ``kind`` event on a call in ``status``."""
    if kind == "appeal":
        if not ((user.role == "agent" and user.name == row["agent_id"]) or user.role == "admin"):
            raise PermissionDenied("only the call's own agent can appeal it (or an admin on their behalf)")
        if status != "reviewed":
            raise PermissionDenied(f"only a reviewed call can be appealed (this one is {status})")
    elif kind == "ruling":
        if not user.can("rule"):
            raise PermissionDenied("only a senior reviewer gives the final ruling on an appeal")
        if status != "appealed":
            raise PermissionDenied(f"there is no open appeal on this call (it is {status})")
    else:
        if not user.can("review"):
            raise PermissionDenied(f"role '{user.role}' cannot review calls")
        if status in ("appealed", "ruled") and not user.can("rule"):
            raise PermissionDenied(f"this call is {status}; only a senior reviewer can change it now")


def history(store: Store, call_id: str) -> list[dict[str, Any]]:
    """Every event of a call, oldest first (the audit trail)."""
    return reviews.events(store, call_id)


def _verdict(decisions: dict[str, dict], check_id: str) -> str | None:
    """A reviewer's verdict on a check: the check-level decision, else agree if any of its findings was agreed."""
    if check_id in decisions:
        return decisions[check_id]["value"]
    values = [d["value"] for k, d in decisions.items() if k.split("#", 1)[0] == check_id]
    return "agree" if "agree" in values else ("dispute" if values else None)


def fold(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Replay a call's events (oldest first, as :func:`history` gives them) into its current state: the
    latest decision per finding/check/manual item, score, comment, status, appeal and ruling."""
    decisions: dict[str, dict] = {}
    manual: dict[str, float] = {}
    out: dict[str, Any] = {"status": "pending", "final_score": None, "comment": None, "appeal": None,
                           "ruling": None, "reviewer": None, "n_events": len(events)}
    for ev in events:
        kind = ev["kind"]
        if kind in ("finding", "check"):
            decisions[ev["target"]] = {"value": ev["value"], "reason": ev["reason"], "user": ev["user"], "at": ev["at"]}
        elif kind == "manual":
            manual[ev["target"]] = float(ev["value"])
        elif kind == "score":
            out["final_score"] = float(ev["value"])
        elif kind == "comment":
            out["comment"] = ev["reason"]
        elif kind == "status":
            out["status"] = ev["value"]
        elif kind == "appeal":
            out["status"], out["appeal"] = "appealed", {"by": ev["user"], "reason": ev["reason"], "at": ev["at"]}
        elif kind == "ruling":
            out["status"], out["ruling"] = "ruled", {"by": ev["user"], "value": ev["value"], "reason": ev["reason"],
                                                     "at": ev["at"]}
        if kind not in ("appeal", "ruling", "status") and out["status"] == "pending":
            out["status"] = "in_review"
        if ev["role"] != "agent":
            out["reviewer"] = ev["user"]
    out["decisions"], out["manual"] = decisions, manual
    return out
