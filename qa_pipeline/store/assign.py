"""Who works which call: a reviewer claims a call (on the queue or the call page), a lead assigns one, or the
automatic rules deal the day's unassigned calls round-robin per team within each reviewer's daily quota.

``call_assignments`` is the one place a claim is kept (migration 0007 folded the call page's old
``call_reviews.assignee`` into it). Every function takes a :class:`Store` or a connection inside the caller's
transaction (the call page stores its claim event and the assignment together)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ..errors import InputError
from . import tables as t
from .db import DB, utcnow, using

_a, _c, _r = t.call_assignments.c, t.calls.c, t.call_reviews.c


@dataclass(frozen=True)
class AssignmentRules:
    """``teams``: team → its reviewers, in dealing order (``"*"``: calls of any other team);
    ``daily_quota``: the most calls one reviewer is given per UTC day (claims count too)."""

    teams: dict[str, tuple[str, ...]] = field(default_factory=dict)
    daily_quota: int = 40


def assignee(db: DB, call_id: str) -> dict[str, Any] | None:
    """The call's assignment (``reviewer``, ``assigned_at``, ``assigned_by``, ``how``) or None."""
    with using(db) as conn:
        row = conn.execute(sa.select(t.call_assignments).where(_a.call_id == call_id)).mappings().first()
    return dict(row) if row else None


def assign(db: DB, call_id: str, reviewer: str, *, by: str, how: str = "claim", steal: bool = False) -> dict[str, Any]:
    """Give ``call_id`` to ``reviewer``. A claim (``steal=False``) of a call another reviewer holds is refused.

    Raises
    ------
    InputError
        No scored call of that id, or it is someone else's and ``steal`` is False.

    Returns
    -------
    dict
        The call's assignment now, as :func:`assignee` gives it.
    """
    with using(db, write=True) as conn:
        if conn.execute(sa.select(_c.call_id).where(_c.call_id == call_id, _c.status == "scored")).first() is None:
            raise InputError(f"no scored call '{call_id}' in this database")
        held = conn.execute(sa.select(_a.reviewer).where(_a.call_id == call_id)).scalar()
        if held is not None and held != reviewer and not steal:
            raise InputError(f"call '{call_id}' is already {held}'s; a lead can reassign it")
        row = {"call_id": call_id, "reviewer": reviewer, "assigned_at": utcnow(), "assigned_by": by, "how": how}
        if held is None:
            conn.execute(sa.insert(t.call_assignments).values(row))
        elif held != reviewer:
            conn.execute(sa.update(t.call_assignments).where(_a.call_id == call_id).values(row))
        return assignee(conn, call_id)


def release(db: DB, call_id: str, reviewer: str | None = None) -> bool:
    """Give a call back to the pool (only ``reviewer``'s, when given). True if something was released."""
    with using(db, write=True) as conn:
        q = sa.delete(t.call_assignments).where(_a.call_id == call_id)
        if reviewer is not None:
            q = q.where(_a.reviewer == reviewer)
        return conn.execute(q).rowcount > 0


def load_today(conn: sa.Connection, day: dt.date) -> dict[str, int]:
    """Calls given to each reviewer on ``day`` (UTC)."""
    start = dt.datetime.combine(day, dt.time())
    rows = conn.execute(sa.select(_a.reviewer, sa.func.count()).where(
        _a.assigned_at >= start, _a.assigned_at < start + dt.timedelta(days=1)).group_by(_a.reviewer))
    return {r: n for r, n in rows}


def auto_assign(db: DB, rules: AssignmentRules, *, by: str = "auto", limit: int = 10_000) -> dict[str, list[str]]:
    """Deal unassigned, unreviewed scored calls to the rules' reviewers: per team, round-robin, the most
    urgent first (fatal, flagged, lowest score), skipping a reviewer whose day is full.

    Returns
    -------
    dict
        reviewer → the call ids they were given now.
    """
    given: dict[str, list[str]] = {}
    now = utcnow()
    with using(db, write=True) as conn:
        load = load_today(conn, now.date())
        named = [team for team in rules.teams if team != "*"]
        for team, reviewers in rules.teams.items():
            if not reviewers:
                continue
            cond = [_c.status == "scored", _a.call_id.is_(None), sa.func.coalesce(_r.status, "pending") == "pending"]
            cond.append(sa.or_(_c.team.is_(None), _c.team.notin_(named)) if team == "*" else _c.team == team)
            room = sum(max(0, rules.daily_quota - load.get(r, 0)) for r in reviewers)
            if room <= 0:
                continue
            ids = conn.execute(
                sa.select(_c.call_id).select_from(
                    t.calls.outerjoin(t.call_assignments, _a.call_id == _c.call_id)
                    .outerjoin(t.call_reviews, _r.call_id == _c.call_id))
                .where(*cond).order_by(_c.fatal.desc(), _c.flagged.desc(), _c.score.asc(), _c.call_id)
                .limit(min(room, limit))).scalars().all()
            turn = 0
            for call_id in ids:
                for _ in range(len(reviewers)):  # the next reviewer with room left
                    r = reviewers[turn % len(reviewers)]
                    turn += 1
                    if load.get(r, 0) < rules.daily_quota:
                        break
                else:
                    break
                conn.execute(sa.insert(t.call_assignments).values(
                    call_id=call_id, reviewer=r, assigned_at=now, assigned_by=by, how="auto"))
                load[r] = load.get(r, 0) + 1
                given.setdefault(r, []).append(call_id)
    return given
