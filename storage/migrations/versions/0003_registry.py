"""reuse service registry: api clients, access log, reuse events, dossiers, integrity checks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_str = sqlmodel.sql.sqltypes.AutoString
_time = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table('api_clients',
    sa.Column('id', _str(length=40), nullable=False),
    sa.Column('name', _str(length=200), nullable=False),
    sa.Column('key_id', _str(length=32), nullable=False),
    sa.Column('key_sha256', _str(length=64), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('agencies', sa.JSON(), nullable=False),
    sa.Column('rate_limit_per_minute', sa.Integer(), nullable=True),
    sa.Column('created_at', _time(), nullable=False),
    sa.Column('revoked_at', _time(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_id')
    )
    op.create_table('access_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', _str(length=40), nullable=False),
    sa.Column('at', _time(), nullable=False),
    sa.Column('client_id', _str(length=40), nullable=False),
    sa.Column('client_name', _str(length=200), nullable=False),
    sa.Column('action', _str(length=40), nullable=False),
    sa.Column('owner_id', _str(length=20), nullable=True),
    sa.Column('document_ids', sa.JSON(), nullable=False),
    sa.Column('dossier_code', _str(length=60), nullable=True),
    sa.Column('purpose', _str(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('request_id')
    )
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.create_index('ix_access_log_owner_at', ['owner_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_log_client_id'), ['client_id'], unique=False)

    _append_only('access_log')

    op.create_table('reuse_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_code', _str(length=60), nullable=False),
    sa.Column('document_id', _str(length=32), nullable=False),
    sa.Column('procedure_code', _str(length=40), nullable=True),
    sa.Column('component_code', _str(length=60), nullable=True),
    sa.Column('purpose', _str(length=500), nullable=False),
    sa.Column('digitized', sa.Boolean(), nullable=False),
    sa.Column('reused', sa.Boolean(), nullable=False),
    sa.Column('from_national_warehouse', sa.Boolean(), nullable=False),
    sa.Column('replacement_result_code', _str(length=60), nullable=True),
    sa.Column('client_id', _str(length=40), nullable=False),
    sa.Column('recorded_at', _time(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dossier_code', 'document_id', name='uq_reuse_dossier_document')
    )
    with op.batch_alter_table('reuse_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reuse_events_dossier_code'), ['dossier_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_reuse_events_document_id'), ['document_id'], unique=False)

    op.create_table('dossiers',
    sa.Column('dossier_code', _str(length=60), nullable=False),
    sa.Column('procedure_code', _str(length=40), nullable=False),
    sa.Column('agency_code', _str(length=40), nullable=False),
    sa.Column('level', _str(length=20), nullable=False),
    sa.Column('received_at', _time(), nullable=False),
    sa.Column('resolved_at', _time(), nullable=True),
    sa.Column('result_kind', _str(length=20), nullable=False),
    sa.Column('status', _str(length=20), nullable=False),
    sa.Column('owner_id', _str(length=20), nullable=True),
    sa.Column('source', _str(length=200), nullable=True),
    sa.Column('created_at', _time(), nullable=False),
    sa.Column('updated_at', _time(), nullable=False),
    sa.PrimaryKeyConstraint('dossier_code')
    )
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossiers_procedure_code'), ['procedure_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossiers_agency_code'), ['agency_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossiers_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossiers_owner_id'), ['owner_id'], unique=False)

    op.create_table('integrity_checks',
    sa.Column('document_id', _str(length=32), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('checked_at', _time(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.PrimaryKeyConstraint('document_id')
    )


def _append_only(table: str) -> None:
    """The database itself refuses to change or delete an access-log entry (Decree 13/2023)."""
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"CREATE FUNCTION {table}_append_only() RETURNS trigger AS $$ BEGIN "
                   f"RAISE EXCEPTION '{table} is append-only'; END $$ LANGUAGE plpgsql")
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()")
    else:
        for event in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def downgrade() -> None:
    op.drop_table('integrity_checks')
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossiers_owner_id'))
        batch_op.drop_index(batch_op.f('ix_dossiers_received_at'))
        batch_op.drop_index(batch_op.f('ix_dossiers_agency_code'))
        batch_op.drop_index(batch_op.f('ix_dossiers_procedure_code'))
    op.drop_table('dossiers')
    with op.batch_alter_table('reuse_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reuse_events_document_id'))
        batch_op.drop_index(batch_op.f('ix_reuse_events_dossier_code'))
    op.drop_table('reuse_events')
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_log_client_id'))
        batch_op.drop_index('ix_access_log_owner_at')
    op.drop_table('access_log')  # its triggers go with it
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION access_log_append_only()")
    op.drop_table('api_clients')
