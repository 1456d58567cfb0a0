"""The results store's tables (SQLAlchemy Core), as of the newest migration.

One row per call in ``calls`` (scored or failed); its checks, findings, metrics and
transcript hang off it and are replaced together when the call is re-scored. ``reports``
keeps the whole JSON report (schema 1.1) for the review page. Migrations under
``migrations/versions`` build exactly these tables; ``tests/test_batch.py`` checks both agree.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

batch_runs = sa.Table(
    "batch_runs", metadata,
    sa.Column("run_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("started_at", sa.DateTime, nullable=False),  # UTC
    sa.Column("finished_at", sa.DateTime),
    sa.Column("status", sa.String(16), nullable=False),  # running | finished | interrupted | killed | failed
    sa.Column("source", sa.Text),
    sa.Column("host", sa.String(255)),
    sa.Column("qa_version", sa.String(32)),
    sa.Column("rules_version", sa.String(64)),
    sa.Column("model_key", sa.String(255)),
    sa.Column("workers", sa.Integer),
    sa.Column("scheduler", sa.String(255)),
    sa.Column("options", sa.JSON),  # pid, rescore, store_sensitive, threads; "error" when the run failed
    sa.Column("n_found", sa.Integer, nullable=False, default=0),
    sa.Column("n_scored", sa.Integer, nullable=False, default=0),
    sa.Column("n_skipped", sa.Integer, nullable=False, default=0),
    sa.Column("n_failed", sa.Integer, nullable=False, default=0),
    sa.Column("n_flagged", sa.Integer, nullable=False, default=0),
    sa.Column("audio_s", sa.Float, nullable=False, default=0.0),
    sa.Column("wall_s", sa.Float),
)

calls = sa.Table(
    "calls", metadata,
    sa.Column("call_id", sa.String(255), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),  # scored | failed
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("file_size", sa.BigInteger),
    sa.Column("content_sha256", sa.String(64)),
    sa.Column("rules_version", sa.String(64)),
    sa.Column("model_key", sa.String(255)),
    sa.Column("qa_version", sa.String(32)),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("batch_runs.run_id")),
    sa.Column("scored_at", sa.DateTime, nullable=False),  # UTC
    sa.Column("error_kind", sa.String(64)),
    sa.Column("error", sa.Text),
    # metadata from the phone system (manifest or file name)
    sa.Column("agent_id", sa.String(64)),
    sa.Column("agent_name", sa.String(255)),
    sa.Column("team", sa.String(255)),
    sa.Column("direction", sa.String(16)),
    sa.Column("queue", sa.String(255)),
    sa.Column("started_at", sa.DateTime),  # call-center local time
    sa.Column("meta", sa.JSON),
    # audio facts
    sa.Column("duration_s", sa.Float),
    sa.Column("sample_rate", sa.Integer),
    sa.Column("channels", sa.Integer),
    sa.Column("format", sa.String(32)),
    sa.Column("codec", sa.String(32)),
    # result
    sa.Column("score", sa.Float),
    sa.Column("flagged", sa.Boolean),
    sa.Column("fatal", sa.Boolean),
    sa.Column("flag_reasons", sa.JSON),
    sa.Column("redacted", sa.Boolean),
    sa.Column("n_utterances", sa.Integer),
    sa.Column("processing_s", sa.Float),
    sa.Index("ix_calls_started_at", "started_at"),
    sa.Index("ix_calls_agent", "agent_id", "started_at"),
    sa.Index("ix_calls_team", "team"),
    sa.Index("ix_calls_flagged", "flagged", "score"),
    sa.Index("ix_calls_status", "status"),
    sa.Index("ix_calls_queue", "queue", "direction"),  # the review queue's filters (migration 0006)
)
# the review queue's default order, flagged first, and its oldest/newest first (migration 0009): deep pages
# walk an index instead of sorting every scored call
sa.Index("ix_calls_priority", calls.c.status, calls.c.fatal.desc(), calls.c.flagged.desc(), calls.c.score,
         calls.c.started_at.desc(), calls.c.call_id)
sa.Index("ix_calls_newest", calls.c.status, calls.c.started_at, calls.c.call_id)

checks = sa.Table(
    "checks", metadata,
    sa.Column("call_id", sa.String(255), sa.ForeignKey("calls.call_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("check_id", sa.String(128), primary_key=True),
    sa.Column("title", sa.Text),
    sa.Column("section", sa.String(128)),
    sa.Column("status", sa.String(8), nullable=False),  # pass | fail | n/a | manual
    sa.Column("points", sa.Float),
    sa.Column("points_possible", sa.Float),
    sa.Column("severity", sa.String(16)),
    sa.Column("fatal", sa.Boolean, nullable=False, default=False),
    sa.Column("hits", sa.Integer, nullable=False, default=0),
    sa.Column("summary", sa.Text),
    sa.Index("ix_checks_check", "check_id", "status"),
)

findings = sa.Table(
    "findings", metadata,
    sa.Column("finding_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("call_id", sa.String(255), sa.ForeignKey("calls.call_id", ondelete="CASCADE"), nullable=False),
    sa.Column("check_id", sa.String(128), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),  # finding (explains a fail/n-a) | evidence (a pass)
    sa.Column("start_s", sa.Float),
    sa.Column("end_s", sa.Float),
    sa.Column("speaker", sa.String(16)),
    sa.Column("quote", sa.Text),
    sa.Column("why", sa.Text),
    sa.Column("heard", sa.Text),
    sa.Column("matched", sa.Text),
    sa.Column("similarity", sa.Float),
    sa.Index("ix_findings_call", "call_id", "check_id"),
)

metrics = sa.Table(
    "metrics", metadata,
    sa.Column("call_id", sa.String(255), sa.ForeignKey("calls.call_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("speaker", sa.String(16), primary_key=True),  # "" for call-level metrics
    sa.Column("value", sa.Float),
)

utterances = sa.Table(
    "utterances", metadata,
    sa.Column("call_id", sa.String(255), sa.ForeignKey("calls.call_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("speaker", sa.String(16), nullable=False),
    sa.Column("start_s", sa.Float, nullable=False),
    sa.Column("end_s", sa.Float, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
)

reports = sa.Table(
    "reports", metadata,
    sa.Column("call_id", sa.String(255), sa.ForeignKey("calls.call_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("schema_version", sa.String(8), nullable=False),
    sa.Column("report", sa.JSON, nullable=False),
)

review_samples = sa.Table(
    "review_samples", metadata,
    sa.Column("sample_id", sa.String(64), primary_key=True),
    sa.Column("call_id", sa.String(255), sa.ForeignKey("calls.call_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("reason", sa.String(32), nullable=False),  # flagged | fatal | sampled | agent-minimum
    sa.Column("stratum", sa.String(255)),
    sa.Column("created_at", sa.DateTime, nullable=False),  # UTC
)

CHILD_TABLES = (checks, findings, metrics, utterances, reports)

# Every reviewer action, append-only (the audit trail): kind is finding | check | manual | score |
# comment | status | appeal | ruling; target names the finding ("check_id#n"), check or manual item.
review_events = sa.Table(
    "review_events", metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("call_id", sa.String(255), sa.ForeignKey("calls.call_id"), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),  # UTC
    sa.Column("user", sa.String(128), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("target", sa.String(255), nullable=False),
    sa.Column("value", sa.String(64)),
    sa.Column("reason", sa.Text),
    sa.Index("ix_review_events_call", "call_id", "event_id"),
    sa.Index("ix_review_events_kind", "kind", "target"),
)

# Each reviewed call's current state, kept in step with its events (for the queue's filters).
call_reviews = sa.Table(
    "call_reviews", metadata,
    sa.Column("call_id", sa.String(255), sa.ForeignKey("calls.call_id"), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),  # in_review | reviewed | appealed | ruled
    sa.Column("reviewer", sa.String(128)),
    sa.Column("final_score", sa.Float),
    sa.Column("confirmed", sa.Boolean),  # the reviewer agreed with at least one automatic failure
    sa.Column("n_events", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    # who works the call is kept in call_assignments only (0005's assignee/claimed_at moved there in 0007)
    sa.Index("ix_call_reviews_status", "status"),
)

# The queue ranker's estimate that a flagged call's findings will be confirmed (``qa calibrate``).
call_ranks = sa.Table(
    "call_ranks", metadata,
    sa.Column("call_id", sa.String(255), sa.ForeignKey("calls.call_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("p_confirmed", sa.Float, nullable=False),
    sa.Column("model", sa.String(64), nullable=False),
    sa.Column("ranked_at", sa.DateTime, nullable=False),  # UTC
)

# -- the reviewer's day (migration 0006): who works which call; the transcript search index --

# Which reviewer works a call: claimed by themselves (queue or call page) or assigned (by a lead, or by the
# automatic rules). The one store of claims (migration 0007).
call_assignments = sa.Table(
    "call_assignments", metadata,
    sa.Column("call_id", sa.String(255), sa.ForeignKey("calls.call_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("reviewer", sa.String(128), nullable=False),
    sa.Column("assigned_at", sa.DateTime, nullable=False),  # UTC
    sa.Column("assigned_by", sa.String(128), nullable=False),
    sa.Column("how", sa.String(16), nullable=False),  # claim | assign | auto
    sa.Index("ix_call_assignments_reviewer", "reviewer", "assigned_at"),
)

# SQLite only: an FTS5 table (trigram tokenizer, which works for Chinese) of each call's transcript, one
# row per call, kept by ``Store.save_call`` (store/search.py). It and FTS5's shadow tables are no
# SQLAlchemy tables; :func:`is_search_index` names them for schema comparisons.
SEARCH_INDEX = "transcript_fts"


def is_search_index(name: str) -> bool:
    """True for the transcript search index and FTS5's shadow tables (``transcript_fts_data`` …)."""
    return name == SEARCH_INDEX or name.startswith(SEARCH_INDEX + "_")


# -- the QA manager's month (migration 0004): ACD call records, agent states, exams, coaching, cases --

# One row per call the ACD offered (``qa import-calls``); recordings join on call_id. The caller's
# number is never stored: ``caller_hash`` is an HMAC of its digits with the store's salt.
call_records = sa.Table(
    "call_records", metadata,
    sa.Column("call_id", sa.String(255), primary_key=True),
    sa.Column("caller_hash", sa.String(64)),
    sa.Column("agent_id", sa.String(64)),
    sa.Column("agent_name", sa.String(255)),
    sa.Column("team", sa.String(255)),
    sa.Column("queue", sa.String(255)),
    sa.Column("direction", sa.String(16)),  # inbound | outbound
    sa.Column("offered_at", sa.DateTime, nullable=False),  # call-center local time
    sa.Column("answered_at", sa.DateTime),  # NULL: abandoned (or missed by the agent)
    sa.Column("ended_at", sa.DateTime),
    sa.Column("hold_s", sa.Float),
    sa.Column("acw_s", sa.Float),
    sa.Column("transferred", sa.Boolean),
    sa.Column("survey_score", sa.Integer),  # 1-5, NULL: no survey
    sa.Column("meta", sa.JSON),
    sa.Column("row_sha", sa.String(64), nullable=False),  # what was imported (re-import is a no-op)
    sa.Column("imported_at", sa.DateTime, nullable=False),  # UTC
    sa.Index("ix_call_records_offered", "offered_at"),
    sa.Index("ix_call_records_agent", "agent_id", "offered_at"),
    sa.Index("ix_call_records_caller", "caller_hash", "offered_at"),
)

# Agent state log intervals: signed_in (签入), busy (示忙), break (小休), or the ACD's own name.
agent_states = sa.Table(
    "agent_states", metadata,
    sa.Column("agent_id", sa.String(64), primary_key=True),
    sa.Column("state", sa.String(32), primary_key=True),
    sa.Column("start_at", sa.DateTime, primary_key=True),
    sa.Column("end_at", sa.DateTime, nullable=False),
    sa.Column("imported_at", sa.DateTime, nullable=False),
)

# Training exam results (培训考试), for the appraisal.
agent_exams = sa.Table(
    "agent_exams", metadata,
    sa.Column("agent_id", sa.String(64), primary_key=True),
    sa.Column("taken_on", sa.Date, primary_key=True),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("exam", sa.String(255)),
    sa.Column("imported_at", sa.DateTime, nullable=False),
)

# Store-wide settings of the KPI features (the caller-hash salt).
kpi_settings = sa.Table(
    "kpi_settings", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# A coaching task: a reviewer asks an agent to work on one check, with example calls attached.
coaching_tasks = sa.Table(
    "coaching_tasks", metadata,
    sa.Column("task_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("agent_id", sa.String(64), nullable=False),
    sa.Column("check_id", sa.String(128)),
    sa.Column("note", sa.Text),
    sa.Column("assigned_by", sa.String(128), nullable=False),
    sa.Column("assigned_at", sa.DateTime, nullable=False),  # UTC
    sa.Column("status", sa.String(16), nullable=False),  # open | acknowledged | closed
    sa.Column("acknowledged_at", sa.DateTime),
    sa.Column("acknowledged_by", sa.String(128)),
    sa.Column("ack_comment", sa.Text),
    sa.Index("ix_coaching_tasks_agent", "agent_id", "status"),
)

coaching_calls = sa.Table(
    "coaching_calls", metadata,
    sa.Column("task_id", sa.Integer, sa.ForeignKey("coaching_tasks.task_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("call_id", sa.String(255), sa.ForeignKey("calls.call_id"), primary_key=True),
)

# The case library: recordings tagged excellent (优秀) or poor (不合格) with a comment.
case_library = sa.Table(
    "case_library", metadata,
    sa.Column("case_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("call_id", sa.String(255), sa.ForeignKey("calls.call_id"), nullable=False),
    sa.Column("tag", sa.String(16), nullable=False),  # excellent | poor
    sa.Column("check_id", sa.String(128)),
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("added_by", sa.String(128), nullable=False),
    sa.Column("added_at", sa.DateTime, nullable=False),  # UTC
    sa.Index("ix_case_library_tag", "tag", "added_at"),
)

# -- notifications (migration 0008): what each user has seen. The notifications are read from the review
# log, the assignments and the coaching tasks (store/notify.py); only the "seen up to" marks are stored.
notification_seen = sa.Table(
    "notification_seen", metadata,
    sa.Column("user", sa.String(128), primary_key=True),
    sa.Column("event_id", sa.Integer, nullable=False),  # review_events up to this id were seen
    sa.Column("task_id", sa.Integer, nullable=False),  # coaching_tasks up to this id
    sa.Column("assigned_at", sa.DateTime),  # call_assignments given up to this time (UTC)
    sa.Column("seen_at", sa.DateTime, nullable=False),  # UTC
)
