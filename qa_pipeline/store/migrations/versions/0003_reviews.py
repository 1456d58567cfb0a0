"""Reviews: every reviewer decision as an append-only event, and each call's current review state.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_events",
        sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("call_id", sa.String(255), sa.ForeignKey("calls.call_id"), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("user", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target", sa.String(255), nullable=False),
        sa.Column("value", sa.String(64)),
        sa.Column("reason", sa.Text),
    )
    op.create_index("ix_review_events_call", "review_events", ["call_id", "event_id"])
    op.create_index("ix_review_events_kind", "review_events", ["kind", "target"])
    op.create_table(
        "call_reviews",
        sa.Column("call_id", sa.String(255), sa.ForeignKey("calls.call_id"), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reviewer", sa.String(128)),
        sa.Column("final_score", sa.Float),
        sa.Column("confirmed", sa.Boolean),
        sa.Column("n_events", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_call_reviews_status", "call_reviews", ["status"])
    op.create_table(
        "call_ranks",
        sa.Column("call_id", sa.String(255), sa.ForeignKey("calls.call_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("p_confirmed", sa.Float, nullable=False),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("ranked_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("call_ranks")
    op.drop_table("call_reviews")
    op.drop_table("review_events")
