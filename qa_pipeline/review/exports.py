"""Exports of reviewer decisions for spreadsheets: every event (the audit trail) with its call, and
one row per reviewed call.

Text typed by people (reasons, appeals, comments) is written so a spreadsheet cannot run it: in
.xlsx every text cell is stored as text (a reason starting with ``=`` stays text); in .csv a
text cell starting with ``= + - @`` or a tab/CR gets a leading apostrophe (OWASP's advice
against formula injection).
"""

from __future__ import annotations

import io

import pandas as pd

from ..errors import InputError
from ..store import Store, reviews

MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
EVENT_COLUMNS = ["event_id", "at", "call_id", "agent_id", "agent_name", "team", "started_at", "auto_score", "flagged",
                 "fatal", "user", "role", "kind", "target", "check_id", "auto_status", "value", "reason"]
SUMMARY_COLUMNS = ["call_id", "agent_id", "agent_name", "team", "started_at", "auto_score", "flagged", "fatal",
                   "status", "reviewer", "final_score", "score_change", "confirmed", "n_events", "updated_at"]


def reviews_frame(store: Store, *, redact: bool = False, options=None) -> pd.DataFrame:
    """One row per review event (oldest first) with its call: the columns of ``EVENT_COLUMNS``.

    ``at`` is the event time (UTC), ``started_at`` the call's start (call-center local time),
    ``auto_score`` the automatic score; ``check_id``/``auto_status`` name the check a finding/check/
    manual decision is about and its automatic status. ``redact=True`` masks every text column
    with :func:`qa_pipeline.redact.redact_data` and the entity formats ``options`` (for users
    without the ``sensitive`` right)."""
    df = reviews.events_frame(store)
    df["check_id"] = pd.Series([str(target).split("#", 1)[0] if kind in ("finding", "check", "manual") else None
                                for kind, target in zip(df["kind"], df["target"])], index=df.index, dtype=object)
    statuses = reviews.auto_statuses(store)[["call_id", "check_id", "auto_status"]]
    df = df.merge(statuses, on=["call_id", "check_id"], how="left")
    for col in ("at", "started_at"):
        df[col] = pd.to_datetime(df[col])
    if redact:
        from ..redact import redact_data

        df = redact_data(df, options)
    return df[EVENT_COLUMNS]


def review_summary_frame(store: Store) -> pd.DataFrame:
    """One row per reviewed call: its current review state next to the automatic result
    (``score_change`` = final score − automatic score, where a final score was given)."""
    df = reviews.summary_frame(store)
    df["score_change"] = (pd.to_numeric(df["final_score"], errors="coerce")
                          - pd.to_numeric(df["auto_score"], errors="coerce")).round(2)
    for col in ("started_at", "updated_at"):
        df[col] = pd.to_datetime(df[col])
    return df[SUMMARY_COLUMNS]


def _cell(v):
    if v is None or v is pd.NaT:
        return None
    if isinstance(v, float) and v != v:
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):  # numpy scalars
        return v.item()
    return v


def _sheet(wb, name: str, df: pd.DataFrame) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    ws = wb.create_sheet(name)
    ws.freeze_panes = "A2"
    for i, col in enumerate(df.columns, start=1):
        width = max([len(str(col))] + [len(str(v)) for v in df[col].head(200) if v is not None]) + 2
        ws.column_dimensions[_letter(i)].width = min(60, max(8, width))
    bold = Font(bold=True)
    header = []
    for col in df.columns:
        cell = WriteOnlyCell(ws, value=str(col))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in df.itertuples(index=False, name=None):
        cells = []
        for v in row:
            v = _cell(v)
            if isinstance(v, str):
                cell = WriteOnlyCell(ws, value=v)
                cell.data_type = "s"  # text, never a formula
                cells.append(cell)
            else:
                cells.append(v)
        ws.append(cells)


def _letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


def to_bytes(df: pd.DataFrame, fmt: str, *, calls: pd.DataFrame | None = None) -> tuple[bytes, str]:
    """``(data, media_type)`` of ``df`` as 'csv' (UTF-8 with BOM, so Excel reads the Chinese text) or
    'xlsx' (sheet 'events', plus sheet 'calls' when ``calls`` is given, e.g. review_summary_frame)."""
    if fmt == "csv":
        from ..sanitize import csv_safe

        return csv_safe(df).to_csv(index=False).encode("utf-8-sig"), MEDIA["csv"]
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        _sheet(wb, "events", df)
        if calls is not None:
            _sheet(wb, "calls", calls)
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue(), MEDIA["xlsx"]
    raise InputError(f"unknown export format '{fmt}'; one of csv, xlsx")
