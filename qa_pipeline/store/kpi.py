"""The store's side of the QA manager's month: ACD call records, agent states, exams, coaching, cases.

Everything here is SQL on the tables of migration 0004; the callers (``kpi``, ``appraisal``,
``coaching``, ``monthly``, the CLI and the review page) get plain dicts and DataFrames.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from typing import Any, Iterable

import sqlalchemy as sa

from ..errors import InputError
from . import tables as t
from .db import Store, utcnow

SALT_ENV = "QA_CALLER_SALT"
CHUNK = 500


@dataclass(frozen=True)
class ImportCounts:
    """What an import changed: rows new, rows replaced by a different version, rows already stored as they are."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0


# -- caller hashing ----------------------------------------------------------------------------

def caller_salt(store: Store) -> bytes:
    """The salt of caller hashes: ``$QA_CALLER_SALT`` if set, else a random one made once per database."""
    env = os.environ.get(SALT_ENV)
    if env:
        return env.encode("utf-8")
    with store.transaction() as conn:
        value = conn.execute(sa.select(t.kpi_settings.c.value).where(t.kpi_settings.c.key == "caller_salt")).scalar()
        if value is None:
            value = secrets.token_hex(16)
            conn.execute(sa.insert(t.kpi_settings).values(key="caller_salt", value=value))
    return value.encode("utf-8")


def hash_caller(digits: str | None, salt: bytes) -> str | None:
    """HMAC-SHA256 of a caller's digits (hex, 32 characters); ``None`` for an unknown caller."""
    if not digits:
        return None
    return hmac.new(salt, digits.encode("ascii"), hashlib.sha256).hexdigest()[:32]


# -- imports -----------------------------------------------------------------------------------

def _sha(row: dict[str, Any]) -> str:
    """A fingerprint of what was imported (values in key order; datetimes by their repr)."""
    return hashlib.sha256(repr(sorted(row.items())).encode("utf-8")).hexdigest()


def _chunks(items: list, n: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def save_call_records(store: Store, rows: list[dict[str, Any]]) -> ImportCounts:
    """Store parsed call records (``callrecords.read_records``), keyed by ``call_id``.

    The caller's number is replaced by its salted hash here; a row stored exactly as it is already
    is left alone, a changed one (a survey that came in later) replaces the stored one.
    """
    salt = caller_salt(store)
    now = utcnow()
    prepared = []
    for r in rows:
        row = {k: v for k, v in r.items() if k != "caller"}
        row["caller_hash"] = hash_caller(r.get("caller"), salt)
        row["row_sha"] = _sha(row)
        prepared.append(row)
    c = t.call_records.c
    new, changed, unchanged = [], [], 0
    with store.transaction() as conn:
        for part in _chunks(prepared):
            stored = dict(conn.execute(sa.select(c.call_id, c.row_sha).where(c.call_id.in_([r["call_id"] for r in part]))
                                       ).all())
            for r in part:
                old = stored.get(r["call_id"])
                if old is None:
                    new.append(r)
                elif old != r["row_sha"]:
                    changed.append(r)
                else:
                    unchanged += 1
        for part in _chunks([r["call_id"] for r in changed]):
            conn.execute(sa.delete(t.call_records).where(c.call_id.in_(part)))
        todo = [{**r, "imported_at": now} for r in new + changed]
        if todo:
            _bulk_insert(conn, t.call_records, todo)
    return ImportCounts(len(new), len(changed), unchanged)


def _sqlite_when(v: dt.datetime) -> str:
    """SQLAlchemy's SQLite DateTime text (so that stored and compared values agree)."""
    return v.isoformat(" ", "microseconds")


def _bulk_insert(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """``executemany`` at the driver, skipping SQLAlchemy's per-value processing (10× faster on 100,000 rows)."""
    cols = [c.name for c in table.columns]
    compiled = sa.insert(table).compile(dialect=conn.dialect, column_keys=cols)
    order = list(compiled.positiontup) if compiled.positional else None
    sqlite = conn.dialect.name == "sqlite"
    json_cols = {c.name for c in table.columns if isinstance(c.type, sa.JSON)}
    params = []
    for r in rows:
        p = {}
        for c in cols:
            v = r.get(c)
            if v is None:
                p[c] = None
            elif c in json_cols:
                p[c] = json.dumps(v, ensure_ascii=False)
            elif sqlite and isinstance(v, dt.datetime):
                p[c] = _sqlite_when(v)
            else:
                p[c] = v
        params.append(tuple(p[k] for k in order) if order else p)
    conn.exec_driver_sql(str(compiled), params)


def _save_keyed(store: Store, table: sa.Table, rows: list[dict[str, Any]], keys: tuple[str, ...],
                values: tuple[str, ...]) -> ImportCounts:
    now = utcnow()
    cols = [table.c[k] for k in keys]
    updated = unchanged = 0
    fresh = []
    with store.transaction() as conn:
        stored = {tuple(r[:len(keys)]): tuple(r[len(keys):]) for r in
                  conn.execute(sa.select(*cols, *[table.c[v] for v in values]))}
        for r in rows:
            key = tuple(r[k] for k in keys)
            old = stored.get(key)
            val = tuple(r.get(v) for v in values)
            if old is None:
                fresh.append({**r, "imported_at": now})
            elif tuple(old) != val:
                conn.execute(sa.update(table).where(*[c == k for c, k in zip(cols, key)]).values(**r, imported_at=now))
                updated += 1
            else:
                unchanged += 1
        if fresh:
            conn.execute(sa.insert(table), fresh)
    return ImportCounts(len(fresh), updated, unchanged)


def save_agent_states(store: Store, rows: list[dict[str, Any]]) -> ImportCounts:
    """Store agent state intervals, keyed by (agent, state, start)."""
    return _save_keyed(store, t.agent_states, rows, ("agent_id", "state", "start_at"), ("end_at",))


def save_exams(store: Store, rows: list[dict[str, Any]]) -> ImportCounts:
    """Store exam results, keyed by (agent, day)."""
    return _save_keyed(store, t.agent_exams, rows, ("agent_id", "taken_on"), ("score", "exam"))


# -- reads for the KPIs ------------------------------------------------------------------------

def _between(column, start: dt.datetime | None, end: dt.datetime | None):
    conds = []
    if start is not None:
        conds.append(column >= start)
    if end is not None:
        conds.append(column < end)
    return sa.and_(sa.true(), *conds)


def _frame(store: Store, query):
    """A SELECT into a DataFrame straight from the DBAPI cursor: SQLAlchemy binds the parameters, but its
    per-row result objects are skipped (a third of the time on 100,000 rows). Columns get no type
    processing: datetimes arrive as the driver gives them (text on SQLite)."""
    import pandas as pd

    with store.connect() as conn:
        result = conn.execute(query)
        names = list(result.keys())
        rows = result.cursor.fetchall()
        result.close()
    return pd.DataFrame.from_records(rows, columns=names, coerce_float=True)


def load_call_records(store: Store, start: dt.datetime | None = None, end: dt.datetime | None = None, *,
                      inbound_only: bool = False):
    """Call records offered in ``[start, end)``, with ``scored`` (a recording was scored), ``reviewed``
    (a human finished its review), ``caller_known`` and ``next_offered_at``: when the same caller's next
    record in the same selection (by offer time, then call id) was offered. Datetimes come back as
    pandas timestamps; ``inbound_only`` keeps inbound records and those without a direction."""
    import pandas as pd

    r, c, v = t.call_records.c, t.calls.c, t.call_reviews.c
    raw = sa.type_coerce  # datetimes come back as the driver gives them; pandas parses them at once
    nxt = sa.func.lead(r.offered_at).over(partition_by=r.caller_hash, order_by=[r.offered_at, r.call_id])
    q = (sa.select(r.agent_id, r.team, r.queue, r.direction,
                   raw(r.offered_at, sa.String).label("offered_at"), raw(r.answered_at, sa.String).label("answered_at"),
                   raw(r.ended_at, sa.String).label("ended_at"), r.hold_s, r.acw_s, r.transferred, r.survey_score,
                   sa.case((r.caller_hash.is_(None), 0), else_=1).label("caller_known"),
                   sa.case((r.caller_hash.is_(None), None), else_=raw(nxt, sa.String)).label("next_offered_at"),
                   sa.case((c.status == "scored", 1), else_=0).label("scored"),
                   sa.case((v.status.in_(["reviewed", "appealed", "ruled"]), 1), else_=0).label("reviewed"))
         .select_from(t.call_records.outerjoin(t.calls, c.call_id == r.call_id)
                      .outerjoin(t.call_reviews, v.call_id == r.call_id))
         .where(_between(r.offered_at, start, end)))
    if inbound_only:
        q = q.where(sa.or_(r.direction.is_(None), r.direction == "inbound"))
    df = _frame(store, q)
    for col in ("offered_at", "answered_at", "ended_at", "next_offered_at"):
        df[col] = pd.to_datetime(df[col], format="ISO8601")
    df["transferred"] = df["transferred"].astype("boolean")
    return df


def load_agent_states(store: Store, start: dt.datetime | None = None, end: dt.datetime | None = None):
    import pandas as pd

    s = t.agent_states.c
    df = store.read_sql(sa.select(s.agent_id, s.state, sa.type_coerce(s.start_at, sa.String).label("start_at"),
                                  sa.type_coerce(s.end_at, sa.String).label("end_at"))
                        .where(_between(s.start_at, start, end)))
    for col in ("start_at", "end_at"):
        df[col] = pd.to_datetime(df[col], format="ISO8601")
    return df


def load_exams(store: Store, start: dt.date | None = None, end: dt.date | None = None):
    e = t.agent_exams.c
    conds = []
    if start is not None:
        conds.append(e.taken_on >= start)
    if end is not None:
        conds.append(e.taken_on < end)
    return store.read_sql(sa.select(e.agent_id, e.taken_on, e.score, e.exam).where(sa.and_(sa.true(), *conds)))


def agent_directory(store: Store):
    """``agent_id, agent_name, team`` as the recordings' metadata and the call records last gave them."""
    import pandas as pd

    c, r = t.calls.c, t.call_records.c
    raw = sa.type_coerce
    a = store.read_sql(sa.select(c.agent_id, c.agent_name, c.team, raw(sa.func.max(c.started_at), sa.String).label("at"))
                       .where(c.agent_id.is_not(None)).group_by(c.agent_id, c.agent_name, c.team))
    b = store.read_sql(sa.select(r.agent_id, r.agent_name, r.team, raw(sa.func.max(r.offered_at), sa.String).label("at"))
                       .where(r.agent_id.is_not(None), sa.or_(r.team.is_not(None), r.agent_name.is_not(None)))
                       .group_by(r.agent_id, r.agent_name, r.team))
    both = pd.concat([a, b], ignore_index=True)
    if both.empty:
        return pd.DataFrame(columns=["agent_id", "agent_name", "team"])
    both["at"] = pd.to_datetime(both["at"], format="ISO8601")
    both = both.sort_values("at")
    out = both.groupby("agent_id").agg(agent_name=("agent_name", "last"), team=("team", "last"))
    return out.reset_index()


def qa_scores(store: Store, start: dt.datetime | None = None, end: dt.datetime | None = None):
    """Scored calls started in ``[start, end)``: automatic ``score``, the reviewer's ``final_score`` when
    reviewed, and ``qa_score`` (the final score where there is one, else the automatic one)."""
    c, v = t.calls.c, t.call_reviews.c
    q = (sa.select(c.call_id, c.agent_id, c.team, c.started_at, c.score, v.final_score, v.status.label("review_status"))
         .select_from(t.calls.outerjoin(t.call_reviews, v.call_id == c.call_id))
         .where(c.status == "scored", _between(c.started_at, start, end)))
    df = store.read_sql(q)
    df["qa_score"] = df["final_score"].where(df["final_score"].notna(), df["score"])
    return df


def check_results(store: Store, start: dt.datetime | None = None, end: dt.datetime | None = None):
    """One row per (scored call, applicable check) started in ``[start, end)``: ``fail`` 1/0, score, agent, team."""
    import pandas as pd

    k, c = t.checks.c, t.calls.c
    q = (sa.select(k.call_id, k.check_id, k.title, k.status, c.agent_id, c.team, c.started_at, c.score)
         .join(t.calls, c.call_id == k.call_id)
         .where(c.status == "scored", k.status.in_(["pass", "fail"]), _between(c.started_at, start, end)))
    df = store.read_sql(q)
    df["started_at"] = pd.to_datetime(df["started_at"])
    df["fail"] = (df["status"] == "fail").astype(int)
    return df


def last_activity_day(store: Store) -> dt.date | None:
    """The day of the newest call record, else of the newest call; ``None`` on an empty store."""
    with store.connect() as conn:
        when = conn.execute(sa.select(sa.func.max(t.call_records.c.offered_at))).scalar() or \
            conn.execute(sa.select(sa.func.max(t.calls.c.started_at))).scalar()
    if when is None:
        return None
    return (when if isinstance(when, dt.datetime) else dt.datetime.fromisoformat(str(when))).date()


# -- coaching ----------------------------------------------------------------------------------

def _known_calls(conn, call_ids: list[str]) -> None:
    if not call_ids:
        return
    found = set(conn.execute(sa.select(t.calls.c.call_id).where(t.calls.c.call_id.in_(call_ids))).scalars())
    missing = [c for c in call_ids if c not in found]
    if missing:
        raise InputError(f"no call {', '.join(missing)} in the results database; attach scored calls")


def create_task(store: Store, *, agent_id: str, check_id: str | None, note: str | None, assigned_by: str,
                call_ids: list[str], at: dt.datetime | None = None) -> int:
    """A new coaching task (status ``open``) with its calls; returns its id."""
    with store.transaction() as conn:
        _known_calls(conn, call_ids)
        task_id = int(conn.execute(sa.insert(t.coaching_tasks).values(
            agent_id=agent_id, check_id=check_id, note=note, assigned_by=assigned_by, assigned_at=at or utcnow(),
            status="open")).inserted_primary_key[0])
        if call_ids:
            conn.execute(sa.insert(t.coaching_calls), [{"task_id": task_id, "call_id": c} for c in dict.fromkeys(call_ids)])
    return task_id


def get_task(store: Store, task_id: int) -> dict[str, Any] | None:
    with store.connect() as conn:
        row = conn.execute(sa.select(t.coaching_tasks).where(t.coaching_tasks.c.task_id == task_id)).mappings().first()
        if row is None:
            return None
        calls = list(conn.execute(sa.select(t.coaching_calls.c.call_id)
                                  .where(t.coaching_calls.c.task_id == task_id)).scalars())
    return {**dict(row), "calls": calls}


def list_tasks(store: Store, *, agent_id: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
    ct = t.coaching_tasks.c
    q = sa.select(t.coaching_tasks).order_by(ct.task_id)
    if agent_id:
        q = q.where(ct.agent_id == agent_id)
    if status:
        q = q.where(ct.status == status)
    with store.connect() as conn:
        rows = [dict(r) for r in conn.execute(q).mappings()]
        links = conn.execute(sa.select(t.coaching_calls.c.task_id, t.coaching_calls.c.call_id)).all()
    by_task: dict[int, list[str]] = {}
    for tid, cid in links:
        by_task.setdefault(tid, []).append(cid)
    return [{**r, "calls": by_task.get(r["task_id"], [])} for r in rows]


def acknowledge_task(store: Store, task_id: int, *, user: str, comment: str | None = None,
                     at: dt.datetime | None = None) -> dict[str, Any]:
    """The agent has read the task and its calls: status ``acknowledged`` (once; again is a no-op)."""
    ct = t.coaching_tasks.c
    with store.transaction() as conn:
        row = conn.execute(sa.select(t.coaching_tasks).where(ct.task_id == task_id)).mappings().first()
        if row is None:
            raise InputError(f"no coaching task {task_id}; `qa coach list` shows them")
        if row["status"] == "open":
            conn.execute(sa.update(t.coaching_tasks).where(ct.task_id == task_id).values(
                status="acknowledged", acknowledged_at=at or utcnow(), acknowledged_by=user, ack_comment=comment))
    return get_task(store, task_id)  # type: ignore[return-value]


def close_task(store: Store, task_id: int) -> None:
    ct = t.coaching_tasks.c
    with store.transaction() as conn:
        if not conn.execute(sa.update(t.coaching_tasks).where(ct.task_id == task_id).values(status="closed")).rowcount:
            raise InputError(f"no coaching task {task_id}; `qa coach list` shows them")


# -- case library ------------------------------------------------------------------------------

def add_case(store: Store, *, call_id: str, tag: str, comment: str, added_by: str, check_id: str | None = None) -> int:
    with store.transaction() as conn:
        _known_calls(conn, [call_id])
        return int(conn.execute(sa.insert(t.case_library).values(
            call_id=call_id, tag=tag, comment=comment, added_by=added_by, check_id=check_id,
            added_at=utcnow())).inserted_primary_key[0])


def list_cases(store: Store, *, tag: str | None = None, agent_id: str | None = None, team: str | None = None,
               check_id: str | None = None, start: dt.datetime | None = None, end: dt.datetime | None = None):
    """The case library joined with each call's agent, team, time and score, newest first."""
    cl, c = t.case_library.c, t.calls.c
    q = (sa.select(cl.case_id, cl.call_id, cl.tag, cl.check_id, cl.comment, cl.added_by, cl.added_at, c.agent_id,
                   c.agent_name, c.team, c.started_at, c.score)
         .join(t.calls, c.call_id == cl.call_id).order_by(cl.case_id.desc()))
    for col, value in ((cl.tag, tag), (c.agent_id, agent_id), (c.team, team), (cl.check_id, check_id)):
        if value:
            q = q.where(col == value)
    q = q.where(_between(c.started_at, start, end))
    return store.read_sql(q)


def transcripts(store: Store, call_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The stored utterances of each call (as stored: mask them before they leave)."""
    u = t.utterances.c
    out: dict[str, list[dict[str, Any]]] = {c: [] for c in call_ids}
    with store.connect() as conn:
        for part in _chunks(list(call_ids)):
            for r in conn.execute(sa.select(u.call_id, u.idx, u.speaker, u.start_s, u.end_s, u.text)
                                  .where(u.call_id.in_(part)).order_by(u.call_id, u.idx)).mappings():
                out[r["call_id"]].append({k: r[k] for k in ("speaker", "start_s", "end_s", "text")})
    return out
