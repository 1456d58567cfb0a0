"""Reading results for reports and samples: calls, their metrics and their checks over a period of days."""

from __future__ import annotations

import datetime as dt
from typing import Iterable

import pandas as pd
import sqlalchemy as sa

from . import tables as t
from .db import DB, frame

CALL_COLUMNS = ("call_id", "status", "agent_id", "agent_name", "team", "direction", "queue", "started_at",
                "duration_s", "channels", "score", "flagged", "fatal", "error_kind")


def in_period(column: sa.ColumnElement, start: dt.date | None = None, end: dt.date | None = None) -> sa.ColumnElement:
    """``column`` (a local time) from the day ``start`` to the whole day ``end``, both inclusive (``None``: open)."""
    conds = []
    if start:
        conds.append(column >= dt.datetime.combine(start, dt.time()))
    if end:
        conds.append(column < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    return sa.and_(sa.true(), *conds)


def calls_frame(db: DB, *, start: dt.date | None = None, end: dt.date | None = None,
                status: str | None = "scored") -> pd.DataFrame:
    """One row per call started in the period (``status``: only those; ``None``: all), ``CALL_COLUMNS``."""
    c = t.calls.c
    q = sa.select(*(c[name] for name in CALL_COLUMNS)).where(in_period(c.started_at, start, end))
    if status:
        q = q.where(c.status == status)
    return frame(db, q)


def metrics_frame(db: DB, names: Iterable[str], *, start: dt.date | None = None,
                  end: dt.date | None = None) -> pd.DataFrame:
    """``call_id, name, speaker, value`` of the named metrics of the calls started in the period."""
    m, c = t.metrics.c, t.calls.c
    return frame(db, sa.select(m.call_id, m.name, m.speaker, m.value).join(t.calls, c.call_id == m.call_id)
                 .where(m.name.in_(tuple(names)), in_period(c.started_at, start, end)))


def checks_frame(db: DB, *, start: dt.date | None = None, end: dt.date | None = None) -> pd.DataFrame:
    """One row per (scored call, check) started in the period, with the call's agent, team and start."""
    k, c = t.checks.c, t.calls.c
    return frame(db, sa.select(k.call_id, k.check_id, k.title, k.status, k.points, k.points_possible, k.hits,
                               k.fatal, c.agent_id, c.team, c.started_at)
                 .join(t.calls, c.call_id == k.call_id).where(c.status == "scored", in_period(c.started_at, start, end)))

