"""The results store: one SQLite file by default, any SQLAlchemy URL (PostgreSQL) when a team outgrows it.

Concurrency: SQLite runs in WAL mode, so the review page reads while a batch writes; every
write is one ``BEGIN IMMEDIATE`` transaction (a call with all its rows, or nothing), so
concurrent writers queue on ``busy_timeout`` instead of failing, and a process killed at any
moment leaves either the whole call or none of it.
"""

from __future__ import annotations

import datetime as dt
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Union

import sqlalchemy as sa
from sqlalchemy import event

from ..errors import StoreError
from . import search
from . import tables as t

if TYPE_CHECKING:
    import pandas as pd

MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 60_000


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


def database_url(target: str | Path) -> str:
    """A path becomes ``sqlite:///…``; anything with ``://`` is taken as a SQLAlchemy URL."""
    text = str(target)
    if "://" in text:
        return text
    path = Path(text).expanduser().resolve()
    if not path.parent.is_dir():
        raise StoreError(f"{target}: folder {path.parent} does not exist; create it or choose another --db")
    if path.is_dir():
        raise StoreError(f"{target}: is a folder; give a file name such as {path / 'qa.db'}")
    return f"sqlite:///{path}"


def _wal(cur) -> None:  # noqa: ANN001
    """Switch a SQLite file to WAL once. Two processes creating the same new file at once can get
    "database is locked" here without SQLite's busy handler being asked, so this waits and retries."""
    import sqlite3

    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if cur.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_setup(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):  # noqa: ANN001
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _begin)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        _wal(cur)
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):  # noqa: ANN001
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("qa_write") else "BEGIN")


class Store:
    """Open (and migrate) a results database.

    >>> store = Store("results.db")  # doctest: +SKIP
    >>> store.count_calls()  # doctest: +SKIP
    """

    def __init__(self, target: str | Path, *, migrate: bool = True, create: bool = True) -> None:
        self.url = database_url(target)
        self.label = str(target)
        if not create and self.url.startswith("sqlite:///") and not Path(self.url[len("sqlite:///"):]).exists():
            raise StoreError(f"{target}: no results database here; score calls into it first with "
                             f"`qa batch DIR --db {target}`, or give --db the right file")
        try:
            self.engine = sa.create_engine(self.url, future=True)
        except (sa.exc.ArgumentError, ImportError) as exc:
            raise StoreError(f"{self.label}: not a usable database URL ({exc}); give a file path or e.g. "
                             "postgresql+psycopg://user@host/qa") from None
        if self.engine.dialect.name == "sqlite":
            _sqlite_setup(self.engine)
        if migrate:
            for attempt in range(5):  # two processes creating one new SQLite file at once: let one finish
                try:
                    self.upgrade()
                    break
                except StoreError as exc:
                    if "locked" not in str(exc) or attempt == 4:
                        raise
                    time.sleep(0.2 * (attempt + 1))

    # -- schema ------------------------------------------------------------------------------
    def _alembic(self):
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        return cfg

    def head(self) -> str:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self._alembic()).get_current_head()

    def revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def upgrade(self, target: str = "head") -> None:
        """Bring the schema to ``target`` (default: newest); stored rows are kept."""
        from alembic import command
        from alembic.script import ScriptDirectory

        cfg = self._alembic()
        known = {s.revision for s in ScriptDirectory.from_config(cfg).walk_revisions()}
        current = self.revision()
        if current is not None and current not in known:
            raise StoreError(f"{self.label}: database schema '{current}' is newer than this qa-pipeline knows "
                             f"(newest {self.head()}); upgrade qa-pipeline before using this database")
        if current == (self.head() if target == "head" else target):
            return
        with self.transaction() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target)

    def refresh_stats(self) -> bool:
        """SQLite: gather the query planner's statistics (``ANALYZE``) when it has none for ``calls`` or the
        number of calls has changed more than twofold since. Without them SQLite guesses which index serves a
        filtered queue page, and on 100,000 calls a wrong guess costs tenfold. PostgreSQL's autovacuum does
        this itself. Returns True if statistics were gathered; False also when the database cannot be written
        now (a read-only file, a writer holding it past the busy timeout): queries still work, slower."""
        if self.engine.dialect.name != "sqlite":
            return False
        with self.connect() as conn:
            n = conn.exec_driver_sql("SELECT count(*) FROM calls").scalar() or 0
            stat = None
            if conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first():
                stat = conn.exec_driver_sql("SELECT stat FROM sqlite_stat1 WHERE tbl = 'calls' LIMIT 1").scalar()
        known = int(stat.split()[0]) if stat else 0
        if n == 0 or (known and known / 2 <= n <= known * 2):
            return False
        try:
            with self.transaction() as conn:
                conn.exec_driver_sql("ANALYZE")
        except StoreError:
            return False
        return True

    # -- connections -------------------------------------------------------------------------
    @contextmanager
    def connect(self) -> Iterator[sa.Connection]:
        """A connection for reading (each statement sees committed data; SQLite: no lock held between them).

        >>> with store.connect() as conn:  # doctest: +SKIP
        ...     report = calls.stored_report(conn, "c01")
        """
        try:
            with self.engine.connect() as conn:
                yield conn
        except sa.exc.DatabaseError as exc:
            # OperationalError (cannot open, locked, unreachable) or a plain DatabaseError ("file is not a
            # database": --db pointed at some other file); integrity/programming errors are bugs, not the store's
            if not isinstance(exc, sa.exc.OperationalError) and type(exc) is not sa.exc.DatabaseError:
                raise
            msg = str(exc.orig).splitlines()[0] if str(exc.orig) else type(exc.orig).__name__
            if "full" in msg or "disk I/O" in msg or "No space" in msg:
                raise StoreError(f"{self.label}: cannot write ({msg}); free space on its disk and run again "
                                 "(what was stored is kept)") from None
            raise StoreError(f"{self.label}: {msg}; check the path/URL and that the database is reachable") from None

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        """One write transaction: every statement inside commits together, or none does (an exception rolls
        back). On SQLite it starts with ``BEGIN IMMEDIATE``, so concurrent writers queue instead of failing and
        what is read inside cannot change before the write. The store's functions take the connection it yields.

        >>> with store.transaction() as tx:  # doctest: +SKIP
        ...     reviews.add_event(tx, event, state)
        """
        with self.connect() as conn:
            conn.execution_options(qa_write=True)
            with conn.begin():
                yield conn

    def read_sql(self, query: Any, params: dict | None = None):
        """Run a SELECT into a pandas DataFrame."""
        import pandas as pd

        with self.connect() as conn:
            return pd.read_sql(query, conn, params=params)

    # -- batch runs --------------------------------------------------------------------------
    def start_run(self, **fields: Any) -> int:
        row = {"started_at": utcnow(), "status": "running", "n_found": 0, "n_scored": 0, "n_skipped": 0,
               "n_failed": 0, "n_flagged": 0, "audio_s": 0.0, **fields}
        with self.transaction() as conn:
            return int(conn.execute(sa.insert(t.batch_runs).values(row)).inserted_primary_key[0])

    def update_run(self, run_id: int, **fields: Any) -> None:
        with self.transaction() as conn:
            conn.execute(sa.update(t.batch_runs).where(t.batch_runs.c.run_id == run_id).values(fields))

    def running_runs(self, host: str) -> dict[int, dict]:
        """``run_id → options`` of the runs on ``host`` still marked ``running``."""
        r = t.batch_runs.c
        with self.connect() as conn:
            rows = conn.execute(sa.select(r.run_id, r.options).where(r.status == "running", r.host == host))
            return {int(run_id): (opts if isinstance(opts, dict) else {}) for run_id, opts in rows}

    # -- calls -------------------------------------------------------------------------------
    def call_states(self) -> dict[str, tuple]:
        """``call_id → (status, content_sha256, rules_version, model_key)`` for every stored call."""
        c = t.calls.c
        with self.connect() as conn:
            rows = conn.execute(sa.select(c.call_id, c.status, c.content_sha256, c.rules_version, c.model_key))
            return {r[0]: tuple(r[1:]) for r in rows}

    def count_calls(self, status: str | None = None) -> int:
        q = sa.select(sa.func.count()).select_from(t.calls)
        if status:
            q = q.where(t.calls.c.status == status)
        with self.connect() as conn:
            return int(conn.execute(q).scalar_one())

    def save_call(self, row: dict[str, Any], children: dict[str, list[dict]] | None = None) -> None:
        """Store one call and its rows (checks, findings, metrics, utterances, report) atomically,
        replacing whatever was stored for the same ``call_id``."""
        children = children or {}
        for attempt in (1, 2):
            try:
                with self.transaction() as conn:
                    _write_call(conn, row, children)
                return
            except sa.exc.IntegrityError:
                # PostgreSQL: another writer inserted the same call between our UPDATE and INSERT; the
                # second attempt updates its row (SQLite's BEGIN IMMEDIATE serializes writers already)
                if attempt == 2:
                    raise

    def save_calls(self, items: Iterable[tuple[dict[str, Any], dict[str, list[dict]]]]) -> int:
        """Store many calls in one transaction (a generated store, an import); as :meth:`save_call` each."""
        n = 0
        with self.transaction() as conn:
            for row, children in items:
                _write_call(conn, row, children or {})
                n += 1
        return n

    def report(self, call_id: str) -> dict | None:
        """The stored JSON report of one call (``None`` if there is none)."""
        with using(self) as conn:
            return conn.execute(sa.select(t.reports.c.report).where(t.reports.c.call_id == call_id)).scalar()

    def save_sample(self, sample_id: str, rows: list[dict]) -> None:
        now = utcnow()
        with self.transaction() as conn:
            conn.execute(sa.delete(t.review_samples).where(t.review_samples.c.sample_id == sample_id))
            if rows:
                conn.execute(sa.insert(t.review_samples),
                             [{"sample_id": sample_id, "created_at": now, **r} for r in rows])

    def save_ranks(self, ranks: dict[str, float], model: str) -> None:
        """Replace the queue ranker's estimates (``call_id → probability the flag is confirmed``)."""
        now = utcnow()
        with self.transaction() as conn:
            conn.execute(sa.delete(t.call_ranks))
            if ranks:
                conn.execute(sa.insert(t.call_ranks), [{"call_id": k, "p_confirmed": v, "model": model, "ranked_at": now}
                                                       for k, v in ranks.items()])

    def close(self) -> None:
        self.engine.dispose()


# -- for the store's modules: a query runs on a Store (its own connection) or inside a caller's transaction --
DB = Union[Store, sa.Connection]


def _write_call(conn: sa.Connection, row: dict[str, Any], children: dict[str, list[dict]]) -> None:
    """Replace one call's row, child rows and search-index entry (inside the caller's transaction)."""
    call_id = row["call_id"]
    for table in t.CHILD_TABLES:
        conn.execute(sa.delete(table).where(table.c.call_id == call_id))
    done = conn.execute(sa.update(t.calls).where(t.calls.c.call_id == call_id).values(row)).rowcount
    if not done:
        conn.execute(sa.insert(t.calls).values(row))
    for table in t.CHILD_TABLES:
        rows = children.get(table.name)
        if rows:
            conn.execute(sa.insert(table), [{**r, "call_id": call_id} for r in rows])
    search.index_call(conn, call_id, [u.get("text") or "" for u in children.get("utterances") or ()])


@contextmanager
def using(db: DB, *, write: bool = False) -> Iterator[sa.Connection]:
    """``db``'s connection. A connection (from ``transaction()``) is used as it is, so a query joins the caller's
    transaction; a :class:`Store` opens one, for reading or (``write``) in a transaction of its own."""
    if isinstance(db, sa.Connection):
        yield db
    else:
        with (db.transaction() if write else db.connect()) as conn:
            yield conn


def frame(db: DB, query: Any) -> "pd.DataFrame":
    """Run a SELECT into a pandas DataFrame."""
    import pandas as pd

    with using(db) as conn:
        return pd.read_sql(query, conn)
