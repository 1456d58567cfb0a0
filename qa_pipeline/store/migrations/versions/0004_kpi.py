"""The QA manager's month: ACD call records, agent state logs, exams, coaching tasks, the case library.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_records",
        sa.Column("call_id", sa.String(255), primary_key=True),
        sa.Column("caller_hash", sa.String(64)),
        sa.Column("agent_id", sa.String(64)),
        sa.Column("agent_name", sa.String(255)),
        sa.Column("team", sa.String(255)),
        sa.Column("queue", sa.String(255)),
        sa.Column("direction", sa.String(16)),
        sa.Column("offered_at", sa.DateTime, nullable=False),
        sa.Column("answered_at", sa.DateTime),
        sa.Column("ended_at", sa.DateTime),
        sa.Column("hold_s", sa.Float),
        sa.Column("acw_s", sa.Float),
        sa.Column("transferred", sa.Boolean),
        sa.Column("survey_score", sa.Integer),
        sa.Column("meta", sa.JSON),
        sa.Column("row_sha", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_call_records_offered", "call_records", ["offered_at"])
    op.create_index("ix_call_records_agent", "call_records", ["agent_id", "offered_at"])
    op.create_index("ix_call_records_caller", "call_records", ["caller_hash", "offered_at"])
    op.create_table(
        "agent_states",
        sa.Column("agent_id", sa.String(64), primary_key=True),
        sa.Column("state", sa.String(32), primary_key=True),
        sa.Column("start_at", sa.DateTime, primary_key=True),
        sa.Column("end_at", sa.DateTime, nullable=False),
        sa.Column("imported_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "agent_exams",
        sa.Column("agent_id", sa.String(64), primary_key=True),
        sa.Column("taken_on", sa.Date, primary_key=True),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("exam", sa.String(255)),
        sa.Column("imported_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "kpi_settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "coaching_tasks",
        sa.Column("task_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("agent_id", sa.String(64), nullable=False),
        sa.Column("check_id", sa.String(128)),
        sa.Column("note", sa.Text),
        sa.Column("assigned_by", sa.String(128), nullable=False),
        sa.Column("assigned_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime),
        sa.Column("acknowledged_by", sa.String(128)),
        sa.Column("ack_comment", sa.Text),
    )
    op.create_index("ix_coaching_tasks_agent", "coaching_tasks", ["agent_id", "status"])
    op.create_table(
        "coaching_calls",
        sa.Column("task_id", sa.Integer, sa.ForeignKey("coaching_tasks.task_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("call_id", sa.String(255), sa.ForeignKey("calls.call_id"), primary_key=True),
    )
    op.create_table(
        "case_library",
        sa.Column("case_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("call_id", sa.String(255), sa.ForeignKey("calls.call_id"), nullable=False),
        sa.Column("tag", sa.String(16), nullable=False),
        sa.Column("check_id", sa.String(128)),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("added_by", sa.String(128), nullable=False),
        sa.Column("added_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_case_library_tag", "case_library", ["tag", "added_at"])


def downgrade() -> None:
    for name in ("case_library", "coaching_calls", "coaching_tasks", "kpi_settings", "agent_exams", "agent_states",
                 "call_records"):
        op.drop_table(name)
