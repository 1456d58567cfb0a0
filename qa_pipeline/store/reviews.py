"""Reviewer decisions in SQL: the append-only ``review_events`` log, each call's ``call_reviews`` state, the
exports' frames and the rows calibration learns from. The rules about decisions live in ``review/``."""

from __future__ import annotations

from typing import Any, Iterable

import pandas as pd
import sqlalchemy as sa

from . import tables as t
from .db import DB, frame, using

DECISION_KINDS = ("finding", "check")  # events that judge an automatic result


def events(db: DB, call_id: str) -> list[dict[str, Any]]:
    """Every event of a call, oldest first (the audit trail); ``at`` as ISO text in UTC (``…Z``)."""
    e = t.review_events.c
    with using(db) as conn:
        rows = conn.execute(sa.select(t.review_events).where(e.call_id == call_id).order_by(e.event_id)).mappings()
        return [{**dict(r), "at": r["at"].isoformat() + "Z"} for r in rows]


def events_of_kinds(db: DB, kinds: Iterable[str]) -> list[dict[str, Any]]:
    """Every event of the given kinds over all calls, by call then oldest first (``at`` as :func:`events` gives it)."""
    e = t.review_events.c
    with using(db) as conn:
        rows = conn.execute(sa.select(t.review_events).where(e.kind.in_(tuple(kinds)))
                            .order_by(e.call_id, e.event_id)).mappings()
        return [{**dict(r), "at": r["at"].isoformat() + "Z"} for r in rows]


def add_event(db: DB, event: dict[str, Any], state: dict[str, Any] | None) -> None:
    """Append one event and set its call's current review ``state`` (status, reviewer, final_score, confirmed,
    n_events, updated_at) in one transaction: both, or neither (``state`` None: the event only, when more
    events of the same transaction follow)."""
    call_id = event["call_id"]
    with using(db, write=True) as conn:
        conn.execute(sa.insert(t.review_events).values(event))
        if state is None:
            return
        r = t.call_reviews
        if not conn.execute(sa.update(r).where(r.c.call_id == call_id).values(state)).rowcount:
            conn.execute(sa.insert(r).values(call_id=call_id, **state))


def events_frame(db: DB) -> pd.DataFrame:
    """Every review event (oldest first) with its call's agent, team, start, automatic and final score (the
    submitted review's, else the automatic one) and flags."""
    e, c = t.review_events.c, t.calls.c
    r = t.call_reviews.c
    final = sa.case((r.status.in_(REVIEWED) & r.final_score.is_not(None), r.final_score), else_=c.score)
    return frame(db, sa.select(e.event_id, e.at, e.call_id, c.agent_id, c.agent_name, c.team, c.started_at,
                               c.score.label("auto_score"), final.label("final_score"), c.flagged, c.fatal, e.user,
                               e.role, e.kind, e.target, e.value, e.reason)
                 .select_from(t.review_events.outerjoin(t.calls, c.call_id == e.call_id)
                              .outerjoin(t.call_reviews, r.call_id == e.call_id)).order_by(e.event_id))


def auto_statuses(db: DB, statuses: Iterable[str] | None = None, *, judged_only: bool = False) -> pd.DataFrame:
    """``call_id, check_id, auto_status, title`` of the checks of reviewed calls (``judged_only``: calls with a
    finding/check decision), optionally only those whose automatic status is one of ``statuses``."""
    e, k = t.review_events.c, t.checks.c
    reviewed = sa.select(e.call_id)
    if judged_only:
        reviewed = reviewed.where(e.kind.in_(DECISION_KINDS))
    q = sa.select(k.call_id, k.check_id, k.status.label("auto_status"), k.title).where(
        k.call_id.in_(reviewed.distinct()))
    if statuses is not None:
        q = q.where(k.status.in_(tuple(statuses)))
    return frame(db, q)


def decisions_frame(db: DB) -> pd.DataFrame:
    """The finding/check decisions, oldest first: ``event_id, call_id, user, kind, target, value``."""
    e = t.review_events.c
    return frame(db, sa.select(e.event_id, e.call_id, e.user, e.kind, e.target, e.value)
                 .where(e.kind.in_(DECISION_KINDS)).order_by(e.event_id))


def summary_frame(db: DB) -> pd.DataFrame:
    """One row per reviewed call: its review state next to the automatic result."""
    r, c = t.call_reviews.c, t.calls.c
    return frame(db, sa.select(r.call_id, c.agent_id, c.agent_name, c.team, c.started_at,
                               c.score.label("auto_score"), c.flagged, c.fatal, r.status, r.reviewer, r.final_score,
                               r.confirmed, r.n_events, r.updated_at)
                 .select_from(t.call_reviews.outerjoin(t.calls, c.call_id == r.call_id)).order_by(r.call_id))


def ranker_frames(db: DB, *, labelled: bool, include_reviewed: bool = False,
                  done: tuple[str, ...] = ()) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The rows the queue ranker learns from (``labelled``: scored calls whose review says whether their
    automatic failures were confirmed) or ranks (scored flagged/fatal calls; unless ``include_reviewed``,
    only those with no review or one still open, not in ``done``, without a verdict yet).

    Returns ``(calls, fails, similarity)``: ``call_id, score, fatal, flagged, duration_s, confirmed`` per
    call; ``call_id, check_id, hits`` per failed check; ``call_id, max_similarity`` of their findings."""
    c, r, k, f = t.calls.c, t.call_reviews.c, t.checks.c, t.findings.c
    if labelled:
        where = sa.and_(c.status == "scored", r.confirmed.is_not(None))
    else:
        where = sa.and_(c.status == "scored", sa.or_(c.flagged == sa.true(), c.fatal == sa.true()))
        if not include_reviewed:
            where = sa.and_(where, sa.or_(r.call_id.is_(None), sa.and_(r.status.not_in(done), r.confirmed.is_(None))))
    base = t.calls.outerjoin(t.call_reviews, r.call_id == c.call_id)
    ids = sa.select(c.call_id).select_from(base).where(where)
    with using(db) as conn:
        calls = frame(conn, sa.select(c.call_id, c.score, c.fatal, c.flagged, c.duration_s, r.confirmed)
                      .select_from(base).where(where).order_by(c.call_id))
        fails = frame(conn, sa.select(k.call_id, k.check_id, k.hits).where(k.status == "fail", k.call_id.in_(ids)))
        sim = frame(conn, sa.select(f.call_id, sa.func.max(f.similarity).label("max_similarity"))
                    .where(f.kind == "finding", f.call_id.in_(ids)).group_by(f.call_id))
    return calls, fails, sim



REVIEWED = ("reviewed", "appealed", "ruled")  # a reviewer's score stands (an appeal is pending or ruled)


def final_scores(db: DB) -> pd.DataFrame:
    """``call_id, review_status, reviewed_score`` of every call whose review was submitted (the score a
    reviewer — or a senior's ruling — gave; reports take it as the call's final score, else the automatic one)."""
    r = t.call_reviews.c
    return frame(db, sa.select(r.call_id, r.status.label("review_status"), r.final_score.label("reviewed_score"))
                 .where(r.status.in_(REVIEWED), r.final_score.is_not(None)))
