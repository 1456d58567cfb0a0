"""Deep queue pages: indexes in the queue's default order (flagged first) and by start time (oldest/newest
first), so a page's calls are found by walking an index instead of sorting every scored call.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_calls_priority", "calls", ["status", sa.text("fatal DESC"), sa.text("flagged DESC"), "score",
                                                   sa.text("started_at DESC"), "call_id"])
    op.create_index("ix_calls_newest", "calls", ["status", "started_at", "call_id"])


def downgrade() -> None:
    op.drop_index("ix_calls_newest", table_name="calls")
    op.drop_index("ix_calls_priority", table_name="calls")
