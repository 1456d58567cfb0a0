"""The reviewer's day: call assignments (claim / assign / automatic rules) the transcript search index, an index on the calls' phone queue and direction.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from qa_pipeline.store.search import FTS_DDL, rebuild

    op.create_table(
        "call_assignments",
        sa.Column("call_id", sa.String(255), sa.ForeignKey("calls.call_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("reviewer", sa.String(128), nullable=False),
        sa.Column("assigned_at", sa.DateTime, nullable=False),
        sa.Column("assigned_by", sa.String(128), nullable=False),
        sa.Column("how", sa.String(16), nullable=False),
    )
    op.create_index("ix_call_assignments_reviewer", "call_assignments", ["reviewer", "assigned_at"])
    op.create_index("ix_calls_queue", "calls", ["queue", "direction"])
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(FTS_DDL)
        rebuild(conn)  # the transcripts already stored
    elif conn.dialect.name == "postgresql":
        # pg_trgm makes ILIKE '%…%' an index search; without the right to install it, search still works (slower)
        try:
            with conn.begin_nested():
                conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except sa.exc.DBAPIError:
            pass
        if conn.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").first():
            conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_utterances_text_trgm ON utterances "
                                 "USING gin (text gin_trgm_ops)")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("DROP TABLE IF EXISTS transcript_fts")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql("DROP INDEX IF EXISTS ix_utterances_text_trgm")
    op.drop_index("ix_calls_queue", "calls")
    op.drop_index("ix_call_assignments_reviewer", "call_assignments")
    op.drop_table("call_assignments")
