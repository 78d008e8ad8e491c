"""batches: one row per digitizing batch (expected documents, source, state, how it ended)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_str = sqlmodel.sql.sqltypes.AutoString
_time = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table('batches',
    sa.Column('id', _str(length=40), nullable=False),
    sa.Column('agency_code', _str(length=40), nullable=True),
    sa.Column('source', _str(length=1000), nullable=True),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('state', _str(length=20), nullable=False),
    sa.Column('stopped_by', _str(length=20), nullable=True),
    sa.Column('host', _str(length=100), nullable=True),
    sa.Column('started_at', _time(), nullable=False),
    sa.Column('finished_at', _time(), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=True),
    sa.Column('pages', sa.Integer(), nullable=True),
    sa.Column('exit_code', sa.Integer(), nullable=True),
    sa.Column('summary_key', _str(length=300), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batches_agency_code'), ['agency_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_batches_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_batches_started_at'), ['started_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batches_started_at'))
        batch_op.drop_index(batch_op.f('ix_batches_state'))
        batch_op.drop_index(batch_op.f('ix_batches_agency_code'))
    op.drop_table('batches')
