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

from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..store import Store, assign, reviews, utcnow
from ..store.calls import scored_call, stored_report
from . import annotations as ann
from . import sheet
from .permissions import ROLES, PermissionDenied, User, allowed as _allowed

__all__ = ["ROLES", "KINDS", "PermissionDenied", "User", "fold", "history", "live_score", "record", "submit"]

if TYPE_CHECKING:
    from ..rules import RuleSet

KINDS = ("finding", "check", "manual", "points", "score", "comment", "status", "appeal", "ruling", "reopen", "claim", "release", "ack",
         *ann.KINDS)
DECIDING = ("finding", "check", "manual", "points", "score", "violation")  # events that judge the call
WORKING = DECIDING + ann.KINDS  # events that put a pending call in review
LOW_CONFIDENCE = sheet.LOW_CONFIDENCE


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
    """Each item's verdict; an item failed by a reviewer's marked violation counts as agreed unless decided."""
    return {c["id"]: _verdict(state["decisions"], c["id"]) or ("agree" if ann.reviewer_marked(c) else None)
            for c in report.get("checks") or ()}


def live_score(report: dict, state: dict) -> dict[str, Any]:
    """The sheet's total now (:func:`sheet.final_score`) from the stored decisions on ``report`` (annotated)."""
    return sheet.final_score(report, _verdicts(report, state), state["points"])


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


def record(store: Store, call_id: str, user: User, kind: str, target: str = "", value: str | None = None,
           reason: str | None = None, *, appeal_days: float | None = None, rules: "RuleSet | None" = None
           ) -> dict[str, Any]:
    """Validate and store one decision; return the call's new review state.

    The call's events are read, the decision checked against them and stored in one transaction, so two
    reviewers deciding at once each see the other's decision. ``appeal_days``: how long after the review
    its agent may appeal (None: no limit). ``rules``: what annotations re-score with (the default rules when None)."""
    return submit(store, call_id, user, [(kind, target, value, reason)], appeal_days=appeal_days, whole=False,
                  rules=rules)


def submit(store: Store, call_id: str, user: User, decisions: list[tuple[str, str, str | None, str | None]],
           comment: str | None = None, *, appeal_days: float | None = None, whole: bool = True,
           rules: "RuleSet | None" = None) -> dict[str, Any]:
    """Store a list of ``(kind, target, value, reason)`` decisions in one transaction: all, or none.

    ``whole``: this is the reviewer's submitted sheet (提交复核): after the decisions the reviewed score
    (:func:`sheet.final_score`) and ``comment`` are stored and the call is marked reviewed, which is
    refused while a failed or low-confidence item is undecided. Each annotation (:mod:`.annotations`) is
    followed by a ``rescore`` event: the automatic score of the annotated call and what changed."""
    with store.transaction() as tx:
        machine = stored_report(tx, call_id)
        row = scored_call(tx, call_id)
        if machine is None or row is None:
            raise InputError(f"no scored call '{call_id}' in the database")
        events = reviews.events(tx, call_id)
        report = ann.annotated(machine, events, rules)
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

        def so_far() -> list[dict[str, Any]]:  # the stored events and this request's, as the log will hold them
            return events + [{**e, "at": stamp} for e in new]

        def add(kind: str, target: str, value: str | None, reason: str | None) -> dict[str, Any]:
            nonlocal state
            ev = {"call_id": call_id, "at": now, "user": user.name, "role": user.role, "kind": kind,
                  "target": target or "", "value": value, "reason": (reason or "").strip() or None}
            new.append(ev)
            state = fold(so_far(), held)
            return state

        for kind, target, value, reason in todo:
            _allowed(user, kind, row, state, target=target, appeal_days=appeal_days, now=now)
            _validate(kind, target, value, reason, report)
            if kind in ann.KINDS:
                ann.validate(kind, target, value, reason, machine, so_far(),
                             channels=row.get("channels"), rules=rules)
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
            if kind in ann.KINDS:
                after = ann.annotated(machine, so_far(), rules)
                add("rescore", "", None if after.get("score") is None else f"{after['score']:g}",
                    ann.rescore_note(report, after))
                report = after
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
                           "claimed_at": None, "acknowledged": None, "n_events": len(events), "auto_score": None}
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
        elif kind == "rescore":
            out["auto_score"] = float(ev["value"]) if ev["value"] not in (None, "") else None
        if kind in WORKING and out["status"] == "pending":
            out["status"] = "in_review"
        if ev["role"] != "agent" and kind in WORKING + ("status",):
            out["reviewer"] = ev["user"]
    out["decisions"], out["points"], out["kinds"] = decisions, points, sorted(kinds)
    out["manual"] = points  # the name older pages used
    return out
