"""The review page's queue in SQL: scored calls filtered, counted by review status, sorted and paged."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from . import tables as t
from .db import DB, using
from .results import in_period
from .search import query_forms, transcript_condition

_c, _r, _k, _a = t.calls.c, t.call_reviews.c, t.checks.c, t.call_assignments.c
_REVIEW_STATUS = sa.func.coalesce(_r.status, "pending")
SORTS: dict[str, tuple] = {
    "priority": (_c.fatal.desc(), _c.flagged.desc(), _c.score.asc(), _c.started_at.desc(), _c.call_id),
    "score": (_c.score.asc(), _c.call_id),
    "-score": (_c.score.desc(), _c.call_id),
    "started_at": (_c.started_at.asc(), _c.call_id),  # ix_calls_newest
    "-started_at": (_c.started_at.desc(), _c.call_id.desc()),  # ix_calls_newest read backwards
    "agent": (_c.agent_id.asc(), _c.started_at.desc()),
    "likely": (t.call_ranks.c.p_confirmed.desc().nulls_last(), _c.fatal.desc(), _c.score.asc()),
}


@dataclass(frozen=True)
class QueueFilter:
    """Which scored calls the queue shows (``None``: any). ``own_agent``: only this agent's calls (an agent's view).
    ``review_status`` narrows the items, not the counts by status."""

    start: dt.date | None = None
    end: dt.date | None = None
    own_agent: str | None = None
    agent: str | None = None
    team: str | None = None
    failed_check: str | None = None
    fatal: bool | None = None
    flagged: bool | None = None
    min_score: float | None = None
    max_score: float | None = None
    review_status: str | None = None
    assignee: str | None = None   # "my queue": calls assigned to this reviewer
    unassigned: bool | None = None
    sample: str | None = None     # a saved review sample (``qa sample --save``)
    queue: str | None = None      # the phone system's queue
    direction: str | None = None  # inbound | outbound
    call_id: str | None = None    # part of a call id
    text: str | None = None       # words in the transcript (store/search.py)


def queue_options(db: DB) -> dict[str, list]:
    """The queue's filter choices: ``agents`` [{id, name}], ``teams``, ``checks`` (automatic ones)."""
    with using(db) as conn:
        agents = conn.execute(sa.select(_c.agent_id, sa.func.max(_c.agent_name)).where(_c.status == "scored")
                              .group_by(_c.agent_id).order_by(_c.agent_id)).all()
        teams = conn.execute(sa.select(_c.team).where(_c.status == "scored").distinct().order_by(_c.team)).scalars()
        checks = conn.execute(sa.select(_k.check_id).where(_k.status != "manual").distinct().order_by(_k.check_id)
                              ).scalars()
        queues = conn.execute(sa.select(_c.queue).where(_c.status == "scored").distinct().order_by(_c.queue)).scalars()
        samples = conn.execute(sa.select(t.review_samples.c.sample_id).distinct()
                               .order_by(t.review_samples.c.sample_id)).scalars()
        return {"agents": [{"id": a, "name": n} for a, n in agents if a], "teams": [x for x in teams if x],
                "checks": list(checks), "queues": [x for x in queues if x], "samples": list(samples)}


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _conditions(f: QueueFilter, conn: sa.Connection) -> list:
    conds = [_c.status == "scored", in_period(_c.started_at, f.start, f.end)]
    for column, value in ((_c.agent_id, f.own_agent), (_c.agent_id, f.agent), (_c.team, f.team),
                          (_c.fatal, f.fatal), (_c.flagged, f.flagged), (_c.queue, f.queue),
                          (_c.direction, f.direction)):
        if value is not None and value != "":
            conds.append(column == value)
    if f.assignee:  # claimed (queue or call page), assigned by a lead or dealt by the rules: call_assignments
        conds.append(_a.reviewer == f.assignee)
    if f.unassigned:
        conds.append(_a.reviewer.is_(None))
    if f.sample:
        _s = t.review_samples.c
        conds.append(sa.exists().where(_s.call_id == _c.call_id, _s.sample_id == f.sample))
    if f.call_id and f.call_id.strip():
        conds.append(_c.call_id.like(_like(f.call_id.strip()), escape="\\"))
    if f.text and query_forms(f.text):
        conds.append(transcript_condition(conn, f.text))  # SQLite: the index searched once, here
    if f.failed_check:
        conds.append(sa.exists().where(_k.call_id == _c.call_id, _k.check_id == f.failed_check, _k.status == "fail"))
    if f.min_score is not None:
        conds.append(_c.score >= f.min_score)
    if f.max_score is not None:
        conds.append(_c.score <= f.max_score)
    return conds


def _source(*, reviews: bool, assignments: bool, ranks: bool):
    """``calls`` with only the tables a query needs (each outer join on a primary key: no row added)."""
    base = t.calls
    if reviews:
        base = base.outerjoin(t.call_reviews, _r.call_id == _c.call_id)
    if assignments:
        base = base.outerjoin(t.call_assignments, _a.call_id == _c.call_id)
    if ranks:
        base = base.outerjoin(t.call_ranks, t.call_ranks.c.call_id == _c.call_id)
    return base


def queue_page(db: DB, f: QueueFilter, *, sort: str = "priority", page: int = 1, size: int = 50) -> dict[str, Any]:
    """One page of the queue: ``total`` (matching ``f``), ``items`` (call fields, ``review_status``,
    ``final_score``, ``reviewer``, ``p_confirmed``, ``assignee``) and ``counts`` over ``f`` without its review
    status (``all``, ``flagged``, ``fatal``, ``by_status``). ``sort`` is one of :data:`SORTS`.

    A deep page costs little more than the first: the page's call ids are found on ``calls`` alone (the
    ``ix_calls_priority`` index gives the default order), and only those rows are joined to their review,
    assignment and rank."""
    with using(db) as conn:
        conds = _conditions(f, conn)
    assigned = bool(f.assignee or f.unassigned)
    facet_q = (sa.select(_REVIEW_STATUS.label("s"), sa.func.count(), sa.func.sum(sa.cast(_c.flagged, sa.Integer)),
                         sa.func.sum(sa.cast(_c.fatal, sa.Integer)))
               .select_from(_source(reviews=True, assignments=assigned, ranks=False)).where(sa.and_(*conds))
               .group_by("s"))
    if f.review_status:
        conds.append(_REVIEW_STATUS == f.review_status)
    source = _source(reviews=bool(f.review_status), assignments=assigned, ranks=sort == "likely")
    ids_q = (sa.select(_c.call_id).select_from(source).where(sa.and_(*conds)).order_by(*SORTS[sort])
             .limit(size).offset((page - 1) * size))
    with using(db) as conn:
        facets = conn.execute(facet_q).all()
        total = (sum(n for _, n, _, _ in facets) if not f.review_status else  # the facets counted it already
                 conn.execute(sa.select(sa.func.count()).select_from(source).where(sa.and_(*conds))).scalar_one())
        ids = list(conn.execute(ids_q).scalars())
        found = {x["call_id"]: dict(x) for x in conn.execute(
            sa.select(_c.call_id, _c.agent_id, _c.agent_name, _c.team, _c.started_at, _c.duration_s, _c.score,
                      _c.flagged, _c.fatal, _c.flag_reasons, _REVIEW_STATUS.label("review_status"), _r.final_score,
                      _r.reviewer, t.call_ranks.c.p_confirmed, _a.reviewer.label("assignee"), _c.queue, _c.direction)
            .select_from(_source(reviews=True, assignments=True, ranks=True)).where(_c.call_id.in_(ids))).mappings()
        } if ids else {}
    rows = [found[i] for i in ids if i in found]
    for x in rows:
        x["started_at"] = x["started_at"].isoformat(sep=" ") if x["started_at"] else None
    by_status = {s: n for s, n, _, _ in facets}
    return {"total": total, "page": page, "size": size, "items": rows,
            "counts": {"all": sum(by_status.values()), "flagged": sum(x or 0 for _, _, x, _ in facets),
                       "fatal": sum(x or 0 for _, _, _, x in facets), "by_status": by_status}}


def calls_in_samples(db: DB, prefix: str) -> set[str]:
    """Call ids in any saved review sample whose name starts with ``prefix`` (the calibration sets)."""
    _s = t.review_samples.c
    like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with using(db) as conn:
        return set(conn.execute(sa.select(_s.call_id).where(_s.sample_id.like(like, escape="\\")).distinct()).scalars())
