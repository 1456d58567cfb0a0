"""Reviewer decisions: an append-only log of events (the audit trail) and each call's current state.

Nothing is overwritten: a changed mind is a new event, and the current decision on a
finding is its latest event. ``call_reviews`` is kept in step in the same transaction, so
the queue can filter by review status on 100,000 calls without replaying the log.

The review's life: ``pending`` → ``in_review`` (any decision) → ``reviewed`` (the whole sheet submitted
with every failed or low-confidence item decided, :func:`submit`) → ``appealed`` (the call's agent,
within the appeal window, once) → ``ruled`` (a senior upholds or overturns; final). An overturn writes
the senior's dispute of each appealed item and the new score as events of its own. Only an admin's
``reopen`` (logged) moves a ruled call back to ``in_review``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..errors import InputError, QAError
from ..store import Store, assign, reviews, utcnow
from ..store.calls import scored_call, stored_report
from . import sheet

ROLES = ("agent", "reviewer", "senior", "admin")
KINDS = ("finding", "check", "manual", "points", "score", "comment", "status", "appeal", "ruling", "reopen", "claim",
         "release", "ack")
DECIDING = ("finding", "check", "manual", "points", "score")  # events that judge the call
LOW_CONFIDENCE = sheet.LOW_CONFIDENCE


class PermissionDenied(QAError):
    """The user's role may not do this (the page shows the message)."""


@dataclass(frozen=True)
class User:
    name: str
    role: str = "reviewer"
    sensitive: bool = False  # may see unmasked ID/card/phone numbers and names

    def can(self, action: str) -> bool:
        rank = ROLES.index(self.role)
        need = {"review": 1, "rule": 2, "appeal": 0, "reopen": 3}[action]
        return rank >= need


def _number(value: str | None, what: str) -> float:
    try:
        return float(value or "")
    except ValueError:
        raise InputError(f"{what} must be a number") from None


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
            raise InputError(f"say why you dispute '{cid}' (a reason is required)")
    elif kind in ("manual", "points"):
        item = checks.get(target)
        unsure = item is not None and item.get("confidence") is not None and item["confidence"] < LOW_CONFIDENCE
        if kind == "manual" and (item is None or (item.get("status") != "manual" and not unsure)):
            raise InputError(f"'{target}' is not a manual checklist item of this call (nor a low-confidence one)")
        if item is None or item.get("points_possible") is None:
            raise InputError(f"'{target}' is not an item of this call's scoring sheet")
        points = _number(value, f"points for '{target}'")
        low, top = sheet.points_range(item)
        if not low <= points <= top:
            raise InputError(f"points for '{target}' must be between {low:g} and {top:g}")
    elif kind == "score":
        score = _number(value, "the final score")
        if not 0 <= score <= 100:
            raise InputError("the final score must be between 0 and 100")
    elif kind == "status" and value not in ("reviewed", "in_review"):
        raise InputError("status is 'reviewed' or 'in_review'")
    elif kind == "ruling" and value not in ("upheld", "overturned"):
        raise InputError("a ruling is 'upheld' (the review stands) or 'overturned'")
    elif kind == "appeal":
        unknown = [t for t in _targets(target) if t not in checks]
        if unknown:
            raise InputError(f"the appeal names items this call does not have: {', '.join(unknown)}")
    if kind in ("comment", "appeal", "reopen") and not (reason or "").strip():
        raise InputError(f"the {kind} needs some text")


def _targets(target: str) -> list[str]:
    return [t.strip() for t in (target or "").split(",") if t.strip()]


def _verdicts(report: dict, state: dict) -> dict[str, str | None]:
    return {c["id"]: _verdict(state["decisions"], c["id"]) for c in report.get("checks") or ()}


def _touched(state: dict) -> None:
    """Raise unless something was decided on the call (an untouched call is not marked reviewed)."""
    if not any(ev_kind in DECIDING for ev_kind in state["kinds"]):
        raise InputError("nothing has been reviewed on this call yet: decide its items first")


def _complete(report: dict, state: dict) -> None:
    """Raise unless the sheet can be submitted: something decided, no failed/low-confidence item open."""
    _touched(state)
    open_ = sheet.undecided(report, _verdicts(report, state), state["points"])
    if open_:
        titles = {c["id"]: c.get("title") or c["id"] for c in report.get("checks") or ()}
        raise InputError(f"{len(open_)} failed or low-confidence item(s) still need a decision: "
                         + "、".join(titles[i] for i in open_))


def _appeal_window(state: dict, now: dt.datetime, appeal_days: float | None) -> None:
    if appeal_days is None or not state.get("reviewed_at"):
        return
    reviewed = dt.datetime.fromisoformat(state["reviewed_at"].rstrip("Z"))
    if now - reviewed >= dt.timedelta(days=appeal_days):
        raise PermissionDenied(f"the appeal window of {appeal_days:g} day(s) after the review has closed")


def record(store: Store, call_id: str, user: User, kind: str, target: str = "", value: str | None = None,
           reason: str | None = None, *, appeal_days: float | None = None) -> dict[str, Any]:
    """Validate and store one decision; return the call's new review state.

    The call's events are read, the decision checked against them and stored in one transaction, so two
    reviewers deciding at once each see the other's decision. ``appeal_days``: how long after the review
    its agent may appeal (None: no limit)."""
    return submit(store, call_id, user, [(kind, target, value, reason)], appeal_days=appeal_days, whole=False)


def submit(store: Store, call_id: str, user: User, decisions: list[tuple[str, str, str | None, str | None]],
           comment: str | None = None, *, appeal_days: float | None = None, whole: bool = True) -> dict[str, Any]:
    """Store a list of ``(kind, target, value, reason)`` decisions in one transaction: all, or none.

    ``whole``: this is the reviewer's submitted sheet (提交复核): after the decisions the reviewed score
    (:func:`sheet.final_score`) and ``comment`` are stored and the call is marked reviewed, which is
    refused while a failed or low-confidence item is undecided."""
    with store.transaction() as tx:
        report = stored_report(tx, call_id)
        row = scored_call(tx, call_id)
        if report is None or row is None:
            raise InputError(f"no scored call '{call_id}' in the database")
        events = reviews.events(tx, call_id)
        held = assign.assignee(tx, call_id)  # who works the call: call_assignments, the one claim store
        now = utcnow()
        stamp = now.isoformat() + "Z"
        todo = list(decisions)
        if whole:
            if not user.can("review"):
                raise PermissionDenied(f"role '{user.role}' cannot review calls")
            if (comment or "").strip():
                todo.append(("comment", "", None, comment))
        new: list[dict[str, Any]] = []
        state = fold(events, held)

        def add(kind: str, target: str, value: str | None, reason: str | None) -> dict[str, Any]:
            nonlocal state
            ev = {"call_id": call_id, "at": now, "user": user.name, "role": user.role, "kind": kind,
                  "target": target or "", "value": value, "reason": (reason or "").strip() or None}
            new.append(ev)
            state = fold(events + [{**e, "at": stamp} for e in new], held)
            return state

        for kind, target, value, reason in todo:
            _allowed(user, kind, row, state, target=target, appeal_days=appeal_days, now=now)
            _validate(kind, target, value, reason, report)
            if kind == "status" and value == "reviewed":
                _touched(state)  # the submitted sheet (whole) also needs every failed/low-confidence item decided
            if kind == "appeal" and state.get("ruling"):
                raise PermissionDenied("this call's appeal was already ruled on; it cannot be appealed again")
            if kind == "claim":  # the event is the audit trail; the claim itself is kept by store/assign.py
                who = (target or "").strip() or user.name
                held = assign.assign(tx, call_id, who, by=user.name, how="claim" if who == user.name else "assign",
                                     steal=user.can("rule"))
                target = who
            elif kind == "release":
                assign.release(tx, call_id)
                held = None
            add(kind, target, value, reason)
            if kind == "ruling" and value == "overturned":
                state = _overturn(report, state, add, reason)
        if whole:
            if state["status"] in ("appealed", "ruled"):
                raise PermissionDenied(f"this call is {state['status']}; the review cannot be resubmitted")
            total = sheet.final_score(report, _verdicts(report, state), state["points"])["total"]
            if total is not None:
                add("score", "", f"{total:g}", None)
            _complete(report, state)
            add("status", "", "reviewed", None)
        if not new:
            raise InputError("nothing to store: the submitted review is empty")
        failing = {c["id"] for c in report.get("checks") or () if c["status"] == "fail"}
        verdicts = {c: _verdict(state["decisions"], c) for c in failing}
        confirmed = True if "agree" in verdicts.values() else (False if failing and all(
            v == "dispute" for v in verdicts.values()) else None)
        for ev in new[:-1]:
            reviews.add_event(tx, ev, None)
        reviews.add_event(tx, new[-1], {"status": state["status"], "reviewer": state["reviewer"],
                                        "final_score": state["final_score"], "confirmed": confirmed,
                                        "n_events": state["n_events"], "updated_at": now})
    return state


def _overturn(report: dict, state: dict, add, reason: str | None) -> dict[str, Any]:  # noqa: ANN001
    """An overturned review: each appealed item (all the failures the reviewer upheld, when the appeal
    named none) is disputed by the senior and gets its full points; the score is recomputed."""
    named = _targets((state.get("appeal") or {}).get("target") or "")
    verdicts = _verdicts(report, state)
    items = {c["id"]: c for c in report.get("checks") or ()}
    chosen = named or [i for i, c in items.items() if c.get("status") in ("fail", "partial") and verdicts.get(i) != "dispute"]
    why = (reason or "").strip() or "申诉成立"
    for cid in chosen:
        state = add("check", cid, "dispute", why)
        if items[cid].get("points_possible") is not None and items[cid].get("section"):
            state = add("points", cid, f"{float(items[cid]['points_possible']):g}", why)
    total = sheet.final_score(report, _verdicts(report, state), state["points"])["total"]
    if total is not None:
        state = add("score", "", f"{total:g}", why)
    return state


def _allowed(user: User, kind: str, row: dict, state: dict, *, target: str = "", appeal_days: float | None = None,
             now: dt.datetime | None = None) -> None:
    """Raise :class:`PermissionDenied` unless ``user`` may record a ``kind`` event on a call in ``state``."""
    status = state["status"]
    if kind == "ack":
        if not (user.role == "agent" and user.name == row["agent_id"]):
            raise PermissionDenied("only the call's own agent acknowledges its review")
        if status not in ("reviewed", "ruled"):
            raise PermissionDenied(f"there is no finished review to acknowledge (this call is {status})")
    elif kind == "claim":
        if not user.can("review"):
            raise PermissionDenied(f"role '{user.role}' cannot review calls")
        who = state.get("assignee")
        if (target or user.name) != user.name and not user.can("rule"):
            raise PermissionDenied("only a senior reviewer assigns calls to others")
        if who and who != user.name and not user.can("rule"):
            raise PermissionDenied(f"{who} has already claimed this call")
        if status in ("reviewed", "appealed", "ruled"):
            raise PermissionDenied(f"this call is {status}; there is nothing left to claim")
    elif kind == "release":
        who = state.get("assignee")
        if not user.can("review"):
            raise PermissionDenied(f"role '{user.role}' cannot review calls")
        if not who:
            raise PermissionDenied("nobody has claimed this call")
        if who != user.name and not user.can("rule"):
            raise PermissionDenied(f"this call is {who}'s; only they or a senior reviewer can release it")
    elif kind == "reopen":
        if not user.can("reopen"):
            raise PermissionDenied("only an admin can reopen a ruled call")
        if status != "ruled":
            raise PermissionDenied(f"only a ruled call is reopened (this one is {status})")
    elif kind == "appeal":
        if not ((user.role == "agent" and user.name == row["agent_id"]) or user.role == "admin"):
            raise PermissionDenied("only the call's own agent can appeal it (or an admin on their behalf)")
        if state.get("ruling") or status == "ruled":
            raise PermissionDenied("this call's appeal was already ruled on; it cannot be appealed again")
        if status != "reviewed":
            raise PermissionDenied(f"only a reviewed call can be appealed (this one is {status})")
        _appeal_window(state, now or utcnow(), appeal_days)
    elif kind == "ruling":
        if not user.can("rule"):
            raise PermissionDenied("only a senior reviewer gives the final ruling on an appeal")
        if status != "appealed":
            raise PermissionDenied(f"there is no open appeal on this call (it is {status})")
    else:
        if not user.can("review"):
            raise PermissionDenied(f"role '{user.role}' cannot review calls")
        if status == "ruled" and kind != "comment":
            raise PermissionDenied("this call was ruled on after an appeal; the ruling is final "
                                   "(an admin can reopen it)")
        if status == "appealed" and not user.can("rule"):
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


def current(store: Store, call_id: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    """The call's review state: its ``events`` folded (:func:`fold`) with who works it now (``assignee``)."""
    return fold(events, assign.assignee(store, call_id))


def fold(events: list[dict[str, Any]], held: dict[str, Any] | None = None) -> dict[str, Any]:
    """Replay a call's events (oldest first, as :func:`history` gives them) into its current state: the
    latest decision per finding/check, points per item, score, comment, status, appeal and ruling.

    ``held``: the call's assignment (``store.assign.assignee``), the one record of who works it; its
    ``assignee`` and ``claimed_at`` (ISO text in UTC) come from there, not from the claim events."""
    decisions: dict[str, dict] = {}
    points: dict[str, float] = {}
    out: dict[str, Any] = {"status": "pending", "final_score": None, "comment": None, "appeal": None,
                           "ruling": None, "reviewer": None, "reviewed_at": None, "assignee": None,
                           "claimed_at": None, "acknowledged": None, "n_events": len(events)}
    if held:
        out["assignee"], out["claimed_at"] = held["reviewer"], held["assigned_at"].isoformat() + "Z"
    kinds = set()
    for ev in events:
        kind = ev["kind"]
        kinds.add(kind)
        if kind in ("finding", "check"):
            decisions[ev["target"]] = {"value": ev["value"], "reason": ev["reason"], "user": ev["user"], "at": ev["at"]}
        elif kind in ("manual", "points"):
            points[ev["target"]] = float(ev["value"])
        elif kind == "score":
            out["final_score"] = float(ev["value"])
        elif kind == "comment":
            out["comment"] = ev["reason"]
        elif kind == "status":
            out["status"] = ev["value"]
            if ev["value"] == "reviewed":
                out["reviewed_at"] = ev["at"]
        elif kind == "appeal":
            out["status"], out["appeal"] = "appealed", {"by": ev["user"], "reason": ev["reason"], "at": ev["at"],
                                                        "target": ev.get("target") or ""}
        elif kind == "ruling":
            out["status"], out["ruling"] = "ruled", {"by": ev["user"], "value": ev["value"], "reason": ev["reason"],
                                                     "at": ev["at"]}
        elif kind == "ack":
            out["acknowledged"] = {"by": ev["user"], "at": ev["at"]}
        elif kind == "reopen":
            out["status"], out["ruling"], out["appeal"] = "in_review", None, None
            out["reopened"] = {"by": ev["user"], "reason": ev["reason"], "at": ev["at"]}
        if kind in DECIDING and out["status"] == "pending":
            out["status"] = "in_review"
        if ev["role"] != "agent" and kind in DECIDING + ("status",):
            out["reviewer"] = ev["user"]
    out["decisions"], out["points"], out["kinds"] = decisions, points, sorted(kinds)
    out["manual"] = points  # the name older pages used
    return out
