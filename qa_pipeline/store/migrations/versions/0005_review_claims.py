"""Review claims: who works on a call (``call_reviews.assignee``, ``claimed_at``) for "my queue".

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("call_reviews") as batch:
        batch.add_column(sa.Column("assignee", sa.String(128)))
        batch.add_column(sa.Column("claimed_at", sa.DateTime))
    op.create_index("ix_call_reviews_assignee", "call_reviews", ["assignee", "status"])


def downgrade() -> None:
    op.drop_index("ix_call_reviews_assignee", table_name="call_reviews")
    with op.batch_alter_table("call_reviews") as batch:
        batch.drop_column("claimed_at")
        batch.drop_column("assignee")
