"""Reading stored calls: one call's row and JSON report (the review page, review decisions)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from . import tables as t
from .db import DB, using


def stored_report(db: DB, call_id: str) -> dict | None:
    """The stored JSON report of one call, or ``None``."""
    with using(db) as conn:
        return conn.execute(sa.select(t.reports.c.report).where(t.reports.c.call_id == call_id)).scalar()


def scored_call(db: DB, call_id: str) -> dict[str, Any] | None:
    """The ``calls`` row of a scored call, or ``None`` (failed or unknown)."""
    c = t.calls.c
    with using(db) as conn:
        row = conn.execute(sa.select(t.calls).where(c.call_id == call_id, c.status == "scored")).mappings().first()
        return dict(row) if row else None
