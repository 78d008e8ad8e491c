"""result links and dossier component flags (issue 11)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_str = sqlmodel.sql.sqltypes.AutoString
_time = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table('result_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_code', _str(length=60), nullable=False),
    sa.Column('document_id', _str(length=32), nullable=False),
    sa.Column('method', _str(length=20), nullable=False),
    sa.Column('linked_by', _str(length=100), nullable=False),
    sa.Column('linked_at', _time(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dossier_code', 'document_id', name='uq_result_link_dossier_document')
    )
    with op.batch_alter_table('result_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_links_dossier_code'), ['dossier_code'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_result_links_document_id'), ['document_id'],
                              unique=False)
    op.create_table('dossier_components',
    sa.Column('dossier_code', _str(length=60), nullable=False),
    sa.Column('components_digitized', sa.Boolean(), nullable=False),
    sa.Column('updated_at', _time(), nullable=False),
    sa.PrimaryKeyConstraint('dossier_code')
    )


def downgrade() -> None:
    op.drop_table('dossier_components')
    with op.batch_alter_table('result_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_links_document_id'))
        batch_op.drop_index(batch_op.f('ix_result_links_dossier_code'))
    op.drop_table('result_links')
