"""Calls, checks, findings, metrics, transcripts, reports and batch runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "batch_runs",
        sa.Column("run_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.Text),
        sa.Column("host", sa.String(255)),
        sa.Column("qa_version", sa.String(32)),
        sa.Column("rules_version", sa.String(64)),
        sa.Column("model_key", sa.String(255)),
        sa.Column("workers", sa.Integer),
        sa.Column("scheduler", sa.String(255)),
        sa.Column("options", sa.JSON),
        sa.Column("n_found", sa.Integer, nullable=False),
        sa.Column("n_scored", sa.Integer, nullable=False),
        sa.Column("n_skipped", sa.Integer, nullable=False),
        sa.Column("n_failed", sa.Integer, nullable=False),
        sa.Column("n_flagged", sa.Integer, nullable=False),
        sa.Column("audio_s", sa.Float, nullable=False),
        sa.Column("wall_s", sa.Float),
    )
    op.create_table(
        "calls",
        sa.Column("call_id", sa.String(255), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("file_size", sa.BigInteger),
        sa.Column("content_sha256", sa.String(64)),
        sa.Column("rules_version", sa.String(64)),
        sa.Column("model_key", sa.String(255)),
        sa.Column("qa_version", sa.String(32)),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("batch_runs.run_id")),
        sa.Column("scored_at", sa.DateTime, nullable=False),
        sa.Column("error_kind", sa.String(64)),
        sa.Column("error", sa.Text),
        sa.Column("agent_id", sa.String(64)),
        sa.Column("agent_name", sa.String(255)),
        sa.Column("team", sa.String(255)),
        sa.Column("direction", sa.String(16)),
        sa.Column("queue", sa.String(255)),
        sa.Column("started_at", sa.DateTime),
        sa.Column("meta", sa.JSON),
        sa.Column("duration_s", sa.Float),
        sa.Column("sample_rate", sa.Integer),
        sa.Column("channels", sa.Integer),
        sa.Column("format", sa.String(32)),
        sa.Column("codec", sa.String(32)),
        sa.Column("score", sa.Float),
        sa.Column("flagged", sa.Boolean),
        sa.Column("fatal", sa.Boolean),
        sa.Column("flag_reasons", sa.JSON),
        sa.Column("redacted", sa.Boolean),
        sa.Column("n_utterances", sa.Integer),
        sa.Column("processing_s", sa.Float),
    )
    op.create_index("ix_calls_started_at", "calls", ["started_at"])
    op.create_index("ix_calls_agent", "calls", ["agent_id", "started_at"])
    op.create_index("ix_calls_team", "calls", ["team"])
    op.create_index("ix_calls_flagged", "calls", ["flagged", "score"])
    op.create_index("ix_calls_status", "calls", ["status"])
    op.create_table(
        "checks",
        sa.Column("call_id", sa.String(255), sa.ForeignKey("calls.call_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("check_id", sa.String(128), primary_key=True),
        sa.Column("title", sa.Text),
        sa.Column("section", sa.String(128)),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("points", sa.Float),
        sa.Column("points_possible", sa.Float),
        sa.Column("severity", sa.String(16)),
        sa.Column("fatal", sa.Boolean, nullable=False),
        sa.Column("hits", sa.Integer, nullable=False),
        sa.Column("summary", sa.Text),
    )
    op.create_index("ix_checks_check", "checks", ["check_id", "status"])
    op.create_table(
        "findings",
        sa.Column("finding_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("call_id", sa.String(255), sa.ForeignKey("calls.call_id", ondelete="CASCADE"), nullable=False),
        sa.Column("check_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("start_s", sa.Float),
        sa.Column("end_s", sa.Float),
        sa.Column("speaker", sa.String(16)),
        sa.Column("quote", sa.Text),
        sa.Column("why", sa.Text),
        sa.Column("heard", sa.Text),
        sa.Column("matched", sa.Text),
        sa.Column("similarity", sa.Float),
    )
    op.create_index("ix_findings_call", "findings", ["call_id", "check_id"])
    op.create_table(
        "metrics",
        sa.Column("call_id", sa.String(255), sa.ForeignKey("calls.call_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("speaker", sa.String(16), primary_key=True),
        sa.Column("value", sa.Float),
    )
    op.create_table(
        "utterances",
        sa.Column("call_id", sa.String(255), sa.ForeignKey("calls.call_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("idx", sa.Integer, primary_key=True),
        sa.Column("speaker", sa.String(16), nullable=False),
        sa.Column("start_s", sa.Float, nullable=False),
        sa.Column("end_s", sa.Float, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_table(
        "reports",
        sa.Column("call_id", sa.String(255), sa.ForeignKey("calls.call_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("schema_version", sa.String(8), nullable=False),
        sa.Column("report", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    for table in ("reports", "utterances", "metrics", "findings", "checks", "calls", "batch_runs"):
        op.drop_table(table)
