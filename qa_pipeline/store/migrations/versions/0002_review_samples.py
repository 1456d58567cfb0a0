"""Review samples: which calls were drawn for human review, and why.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_samples",
        sa.Column("sample_id", sa.String(64), primary_key=True),
        sa.Column("call_id", sa.String(255), sa.ForeignKey("calls.call_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("stratum", sa.String(255)),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("review_samples")
