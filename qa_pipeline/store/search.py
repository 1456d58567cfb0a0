"""Transcript search for the review queue: SQLite FTS5 with the trigram tokenizer (Chinese has no spaces,
so words are not split; any 3 characters are indexed), PostgreSQL ``ILIKE`` (served by a pg_trgm GIN index
on ``utterances.text`` where the extension could be installed).

Queries shorter than three characters (``投诉``) cannot use trigrams; they scan the index's text with
``LIKE`` instead, which is still one table, one row per call. The query is normalized as transcripts are
(:func:`query_forms`).
"""

from __future__ import annotations

import sqlalchemy as sa

from . import tables as t

FTS_DDL = f"CREATE VIRTUAL TABLE IF NOT EXISTS {t.SEARCH_INDEX} USING fts5(call_id UNINDEXED, text, tokenize='trigram')"


def has_index(conn: sa.Connection) -> bool:
    """True on SQLite (where the migration made the FTS5 table)."""
    return conn.dialect.name == "sqlite"


def query_forms(text: str) -> tuple[str, ...]:
    """The search text as transcripts are stored (:func:`qa_pipeline.text.normalize`: Traditional → Simplified,
    full-width → half-width with Chinese punctuation kept, spoken numbers → digits, spaces tidied), so 來電
    finds 来电 and ＡＢ１２３ finds AB123. When the numbers step changed it (工号一二三四 → 工号1234) the text
    without that step is searched too, for transcripts stored as written (imported unnormalized, as the
    synthetic stores of the tests and bench are). Empty when there is nothing to search.

    >>> query_forms(" 來電 ")
    ('来电',)
    """
    from ..text import normalize, to_halfwidth, to_simplified

    raw = text or ""
    written = " ".join(to_halfwidth(to_simplified(raw)).split())
    return tuple(dict.fromkeys(x for x in (normalize(raw), written) if x))


def index_call(conn: sa.Connection, call_id: str, texts: list[str]) -> None:
    """Replace one call's row in the search index (SQLite; nothing to do on PostgreSQL, which searches
    ``utterances`` directly). The index row's rowid is the ``calls`` row's, so replacing and searching
    go by rowid (``call_id`` is not indexed in FTS5)."""
    if not has_index(conn):
        return
    rowid = conn.exec_driver_sql("SELECT rowid FROM calls WHERE call_id = ?", (call_id,)).scalar()
    if rowid is None:
        return
    conn.exec_driver_sql(f"DELETE FROM {t.SEARCH_INDEX} WHERE rowid = ?", (rowid,))
    if texts:
        conn.exec_driver_sql(f"INSERT INTO {t.SEARCH_INDEX} (rowid, call_id, text) VALUES (?, ?, ?)",
                             (rowid, call_id, "\n".join(x for x in texts if x)))


def rebuild(conn: sa.Connection) -> int:
    """Fill the index from every stored transcript (the migration does this for existing rows)."""
    if not has_index(conn):
        return 0
    conn.exec_driver_sql(f"DELETE FROM {t.SEARCH_INDEX}")
    return conn.exec_driver_sql(
        f"INSERT INTO {t.SEARCH_INDEX} (rowid, call_id, text) SELECT c.rowid, u.call_id, u.text FROM calls c JOIN "
        "(SELECT call_id, group_concat(text, char(10)) AS text FROM "
        "(SELECT call_id, text FROM utterances ORDER BY call_id, idx) GROUP BY call_id) u ON u.call_id = c.call_id"
        ).rowcount


def transcript_condition(conn: sa.Connection, text: str):
    """A WHERE condition on ``calls``: the call's transcript contains ``text``.

    On SQLite the FTS5 index is searched here, once, and the condition names the matching rows (a JSON list
    read by ``json_each``): a queue page counts and pages the same hits without searching again (a two-
    character search scans the index's text, ~200 ms on 100,000 calls, so searching once per request
    halves it). On PostgreSQL it is ``ILIKE`` on the utterances (a pg_trgm index serves it)."""
    import json

    forms = query_forms(text)
    c = t.calls.c

    def like(q: str) -> str:
        return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

    if conn.dialect.name != "sqlite":
        u = t.utterances.c
        return sa.exists().where(u.call_id == c.call_id, sa.or_(*(u.text.ilike(like(q), escape="\\") for q in forms)))
    fts = sa.table(t.SEARCH_INDEX, sa.column("rowid"), sa.column("text"))
    hits: set[int] = set()
    for q in forms:
        if len(q) >= 3:  # trigram index: the whole text as one phrase
            match = sa.text(f"{t.SEARCH_INDEX} MATCH :q").bindparams(q='"' + q.replace('"', '""') + '"')
        else:
            match = fts.c.text.like(like(q), escape="\\")
        hits.update(conn.execute(sa.select(fts.c.rowid).where(match)).scalars())
    found = sa.select(sa.column("value")).select_from(sa.func.json_each(sa.literal(json.dumps(sorted(hits)), sa.Text)))
    return sa.literal_column("calls.rowid").in_(found.scalar_subquery())
