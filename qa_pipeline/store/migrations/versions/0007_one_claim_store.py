"""One claim store: the call page's claims (``call_reviews.assignee``, ``claimed_at``, migration 0005) move
into ``call_assignments`` (migration 0006), which becomes the only record of who works a call.

A call both claimed on its page and assigned on the queue keeps its queue assignment (the queue showed
that one). The claim events in ``review_events`` stay as they are: the audit trail.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "INSERT INTO call_assignments (call_id, reviewer, assigned_at, assigned_by, how) "
        "SELECT r.call_id, r.assignee, COALESCE(r.claimed_at, r.updated_at), r.assignee, 'claim' "
        "FROM call_reviews r JOIN calls c ON c.call_id = r.call_id "
        "WHERE r.assignee IS NOT NULL AND r.assignee <> '' "
        "AND NOT EXISTS (SELECT 1 FROM call_assignments a WHERE a.call_id = r.call_id)")
    op.drop_index("ix_call_reviews_assignee", table_name="call_reviews")
    with op.batch_alter_table("call_reviews") as batch:
        batch.drop_column("claimed_at")
        batch.drop_column("assignee")


def downgrade() -> None:
    with op.batch_alter_table("call_reviews") as batch:
        batch.add_column(sa.Column("assignee", sa.String(128)))
        batch.add_column(sa.Column("claimed_at", sa.DateTime))
    op.create_index("ix_call_reviews_assignee", "call_reviews", ["assignee", "status"])
    op.execute(  # the claims of reviewed calls go back where 0005 kept them; the queue's assignments stay
        "UPDATE call_reviews SET assignee = (SELECT a.reviewer FROM call_assignments a WHERE a.call_id = "
        "call_reviews.call_id), claimed_at = (SELECT a.assigned_at FROM call_assignments a WHERE a.call_id = "
        "call_reviews.call_id)")
