"""web pages: users (auditors, clerks, admins) and their sessions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0005'
down_revision = '0004'  # after branch kpi's result links (0004)
branch_labels = None
depends_on = None

_str = sqlmodel.sql.sqltypes.AutoString
_time = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table('web_users',
    sa.Column('name', _str(length=100), nullable=False),
    sa.Column('role', _str(length=20), nullable=False),
    sa.Column('password_hash', _str(length=200), nullable=False),
    sa.Column('created_at', _time(), nullable=False),
    sa.Column('disabled_at', _time(), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('web_sessions',
    sa.Column('token_sha256', _str(length=64), nullable=False),
    sa.Column('user_name', _str(length=100), nullable=False),
    sa.Column('csrf_token', _str(length=64), nullable=False),
    sa.Column('created_at', _time(), nullable=False),
    sa.Column('expires_at', _time(), nullable=False),
    sa.ForeignKeyConstraint(['user_name'], ['web_users.name'], ),
    sa.PrimaryKeyConstraint('token_sha256')
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_sessions_user_name'), ['user_name'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_sessions_user_name'))
    op.drop_table('web_sessions')
    op.drop_table('web_users')
