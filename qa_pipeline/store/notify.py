"""In-app notifications, read where the facts already are (no second source of truth):

==========  ==============================================  =====================================
kind        from                                            to
==========  ==============================================  =====================================
review      ``review_events`` status → reviewed             the call's agent
appeal      ``review_events`` appeal                        seniors/admins; the call's reviewer
ruling      ``review_events`` ruling                        the call's agent and reviewer
assignment  ``call_assignments`` given by someone else      the reviewer
coaching    ``coaching_tasks``                              the agent
==========  ==============================================  =====================================

"The call's reviewer" is whoever last submitted its review before the event. Nobody is told of their own
acts. Only each user's "seen up to" marks are stored (``notification_seen``): the newest review event,
coaching task and assignment time they have seen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa

from ..errors import InputError
from . import tables as t
from .db import DB, using, utcnow

_e, _c, _r = t.review_events.c, t.calls.c, t.call_reviews.c
_a, _k, _s = t.call_assignments.c, t.coaching_tasks.c, t.notification_seen.c
KINDS = ("review", "appeal", "ruling", "assignment", "coaching")


@dataclass(frozen=True)
class Reader:
    """Who asks. ``agent``: an agent, told only about their own calls and coaching tasks; ``lead``: a senior
    or admin, told of every appeal."""

    name: str
    agent: bool = False
    lead: bool = False


@dataclass(frozen=True)
class Notification:
    """One thing that happened: ``kind`` (one of :data:`KINDS`) on ``call_id`` by ``who`` at ``at`` (UTC).
    ``value``: the ruling (upheld/overturned), how a call was assigned (assign/auto), the coaching task's
    check; ``score``: a review's final score; ``ref``: the review event's or coaching task's id; ``unread``:
    newer than the reader's "seen up to" marks."""

    kind: str
    call_id: str | None
    who: str
    at: dt.datetime
    value: str | None = None
    score: float | None = None
    ref: int | None = None
    unread: bool = False


@dataclass(frozen=True)
class Inbox:
    """``unread``: how many are newer than the reader's marks; ``items``: the newest, newest first;
    ``cursor``: the marks as of this read (give it to :func:`mark_seen` to mark exactly these seen)."""

    unread: int
    items: tuple[Notification, ...]
    cursor: str


@dataclass(frozen=True)
class _Marks:
    event_id: int = 0
    task_id: int = 0
    assigned_at: dt.datetime | None = None

    def text(self) -> str:
        stamp = int(self.assigned_at.replace(tzinfo=dt.timezone.utc).timestamp()) if self.assigned_at else 0
        return f"{self.event_id}.{self.task_id}.{stamp}"

    @classmethod
    def parse(cls, text: str) -> "_Marks":
        try:
            e, k, a = (int(x) for x in text.split("."))
            if min(e, k, a) < 0:
                raise ValueError
            when = dt.datetime.fromtimestamp(a, dt.timezone.utc).replace(tzinfo=None) if a else None
        except (ValueError, OverflowError, OSError):
            raise InputError(f"not a notification cursor: '{text[:40]}' (use the one GET /api/notifications gave)") \
                from None
        return cls(e, k, when)


def _seen(conn: sa.Connection, name: str) -> _Marks:
    row = conn.execute(sa.select(_s.event_id, _s.task_id, _s.assigned_at).where(_s.user == name)).first()
    return _Marks(*row) if row else _Marks()


def _event_condition(reader: Reader):
    prior = t.review_events.alias("prior")
    reviewer = (sa.select(prior.c.user).where(prior.c.call_id == _e.call_id, prior.c.kind == "status",
                                              prior.c.value == "reviewed", prior.c.event_id < _e.event_id)
                .order_by(prior.c.event_id.desc()).limit(1).scalar_subquery())
    if reader.agent:
        cond = sa.and_(_c.agent_id == reader.name,
                       sa.or_(sa.and_(_e.kind == "status", _e.value == "reviewed"), _e.kind == "ruling"))
    else:
        parts = [sa.and_(_e.kind.in_(("appeal", "ruling")), reviewer == reader.name)]
        if reader.lead:
            parts.append(_e.kind == "appeal")
        cond = sa.or_(*parts)
    return sa.and_(cond, _e.user != reader.name)


def _events(conn: sa.Connection, reader: Reader, after: int, limit: int) -> tuple[int, list[Notification]]:
    cond = _event_condition(reader)
    base = t.review_events.join(t.calls, _c.call_id == _e.call_id)
    n = conn.execute(sa.select(sa.func.count()).select_from(base).where(cond, _e.event_id > after)).scalar_one()
    kind = sa.case((_e.kind == "status", "review"), else_=_e.kind)
    rows = conn.execute(sa.select(_e.event_id, kind, _e.call_id, _e.user, _e.at, _e.value, _r.final_score)
                        .select_from(base.outerjoin(t.call_reviews, _r.call_id == _e.call_id))
                        .where(cond).order_by(_e.event_id.desc()).limit(limit)).all()
    return n, [Notification(k, cid, who, at, None if k == "review" else value, score if k == "review" else None, ref)
               for ref, k, cid, who, at, value, score in rows]


def _assignments(conn: sa.Connection, reader: Reader, after: dt.datetime | None,
                 limit: int) -> tuple[int, list[Notification]]:
    if reader.agent:
        return 0, []
    cond = sa.and_(_a.reviewer == reader.name, _a.assigned_by != reader.name)
    newer = cond if after is None else sa.and_(cond, _a.assigned_at > after)
    n = conn.execute(sa.select(sa.func.count()).where(newer)).scalar_one()
    rows = conn.execute(sa.select(_a.call_id, _a.assigned_by, _a.assigned_at, _a.how).where(cond)
                        .order_by(_a.assigned_at.desc(), _a.call_id).limit(limit)).all()
    return n, [Notification("assignment", cid, by, at, how) for cid, by, at, how in rows]


def _coaching(conn: sa.Connection, reader: Reader, after: int, limit: int) -> tuple[int, list[Notification]]:
    cc = t.coaching_calls.c
    cond = sa.and_(_k.agent_id == reader.name, _k.assigned_by != reader.name)
    n = conn.execute(sa.select(sa.func.count()).where(cond, _k.task_id > after)).scalar_one()
    first_call = sa.select(sa.func.min(cc.call_id)).where(cc.task_id == _k.task_id).scalar_subquery()
    rows = conn.execute(sa.select(_k.task_id, first_call, _k.assigned_by, _k.assigned_at, _k.check_id).where(cond)
                        .order_by(_k.task_id.desc()).limit(limit)).all()
    return n, [Notification("coaching", cid, by, at, check, ref=tid) for tid, cid, by, at, check in rows]


def _now_marks(conn: sa.Connection, name: str) -> _Marks:
    return _Marks(conn.execute(sa.select(sa.func.max(_e.event_id))).scalar() or 0,
                  conn.execute(sa.select(sa.func.max(_k.task_id))).scalar() or 0,
                  conn.execute(sa.select(sa.func.max(_a.assigned_at)).where(_a.reviewer == name)).scalar())


def _newer(x: Notification, seen: _Marks) -> bool:
    if x.kind == "assignment":
        return seen.assigned_at is None or x.at > seen.assigned_at
    return (x.ref or 0) > (seen.task_id if x.kind == "coaching" else seen.event_id)


def inbox(db: DB, reader: Reader, *, limit: int = 20) -> Inbox:
    """The reader's notifications: how many are unseen and the ``limit`` newest.

    Example
    -------
    >>> inbox(store, Reader("A001", agent=True)).unread  # doctest: +SKIP
    2
    """
    with using(db) as conn:
        seen = _seen(conn, reader.name)
        cursor = _now_marks(conn, reader.name).text()  # before the reads: nothing read is newer than it
        parts = [_events(conn, reader, seen.event_id, limit), _assignments(conn, reader, seen.assigned_at, limit),
                 _coaching(conn, reader, seen.task_id, limit)]
    items = sorted((replace(x, unread=_newer(x, seen)) for _, found in parts for x in found),
                   key=lambda x: (x.at, x.ref or 0), reverse=True)
    return Inbox(sum(n for n, _ in parts), tuple(items[:limit]), cursor)


def mark_seen(db: DB, reader: Reader, cursor: str | None = None) -> None:
    """Mark the reader's notifications seen up to ``cursor`` (an :class:`Inbox`'s; None: everything now).
    Marks never move back.

    Raises
    ------
    InputError
        ``cursor`` is not one :func:`inbox` gave.
    """
    with using(db, write=True) as conn:
        want = _Marks.parse(cursor) if cursor else _now_marks(conn, reader.name)
        old = _seen(conn, reader.name)
        row: dict[str, Any] = {
            "event_id": max(old.event_id, want.event_id), "task_id": max(old.task_id, want.task_id),
            "assigned_at": max((x for x in (old.assigned_at, want.assigned_at) if x is not None), default=None),
            "seen_at": utcnow()}
        if not conn.execute(sa.update(t.notification_seen).where(_s.user == reader.name).values(row)).rowcount:
            conn.execute(sa.insert(t.notification_seen).values(user=reader.name, **row))
