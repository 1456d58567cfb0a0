"""Notifications: each user's "seen up to" marks. The notifications themselves are not stored: they are
read from the review log, the assignments and the coaching tasks (store/notify.py).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification_seen",
        sa.Column("user", sa.String(128), primary_key=True),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("task_id", sa.Integer, nullable=False),
        sa.Column("assigned_at", sa.DateTime),
        sa.Column("seen_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notification_seen")
