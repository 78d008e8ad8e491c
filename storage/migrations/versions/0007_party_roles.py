"""party roles: `subject_person` is `decision_subject` (the name extraction and the record use)

Documents indexed before the rename keep the old role in document_parties, so `lookup` and the
reuse API showed a role no document written since carries, and a filter on the documented role
missed them. The stored JSON records keep what they were written with; a review reads the old
name as the new one (pipeline.review.LEGACY_ROLES).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""
from __future__ import annotations

from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE document_parties SET role = 'decision_subject' "
               "WHERE role = 'subject_person'")


def downgrade() -> None:
    # Nothing to undo: the schema is unchanged and the older code reads either name (it
    # matches parties by id, never by role). Renaming back would also rename the parties that
    # were written as decision_subject from the start.
    pass
