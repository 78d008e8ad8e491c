"""archive-grade storage: claims, record copies, files (rescans), parties, full-text, indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_str = sqlmodel.sql.sqltypes.AutoString
_time = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_owner', _str(length=40), nullable=True))
        batch_op.add_column(sa.Column('lease_until', _time(), nullable=True))
        batch_op.add_column(sa.Column('record_sha256', _str(length=64), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False,
                                      server_default='1'))
        batch_op.create_index('ix_documents_owner_type_validity',
                              ['owner_id', 'doc_type', 'valid_until'], unique=False)
        batch_op.create_index('ix_documents_number_agency',
                              ['number_symbol', 'issuing_agency', 'issue_date'], unique=False)
        batch_op.create_index('uq_documents_result_code', ['result_code'], unique=True)

    op.create_table(
        'document_records',
        sa.Column('document_id', _str(length=32), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('sha256', _str(length=64), nullable=False),
        sa.Column('record', sa.JSON(), nullable=False),
        sa.Column('updated_at', _time(), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id']),
        sa.PrimaryKeyConstraint('document_id'),
    )
    op.create_table(
        'document_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', _str(length=32), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('original_sha256', _str(length=64), nullable=False),
        sa.Column('original_name', _str(length=1000), nullable=False),
        sa.Column('original_size', sa.Integer(), nullable=False),
        sa.Column('media_type', _str(length=64), nullable=True),
        sa.Column('original_bucket', _str(length=63), nullable=True),
        sa.Column('original_key', _str(length=300), nullable=True),
        sa.Column('signed_sha256', _str(length=64), nullable=True),
        sa.Column('signed_bucket', _str(length=63), nullable=True),
        sa.Column('signed_key', _str(length=300), nullable=True),
        sa.Column('batch_id', _str(length=40), nullable=True),
        sa.Column('created_at', _time(), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('original_sha256'),
        sa.UniqueConstraint('document_id', 'version', name='uq_document_files_version'),
    )
    op.create_index('ix_document_files_document_id', 'document_files', ['document_id'])
    op.create_table(
        'document_parties',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', _str(length=32), nullable=False),
        sa.Column('role', _str(length=40), nullable=False),
        sa.Column('name', _str(length=200), nullable=True),
        sa.Column('id_value', _str(length=40), nullable=True),
        sa.Column('id_kind', _str(length=20), nullable=True),
        sa.Column('confidence', sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_document_parties_document_id', 'document_parties', ['document_id'])
    op.create_index('ix_document_parties_id_value_role', 'document_parties',
                    ['id_value', 'role'])
    # Existing documents: their one file, and their owner as a party.
    op.execute(
        "INSERT INTO document_files (document_id, version, original_sha256, original_name, "
        "original_size, media_type, original_bucket, original_key, signed_sha256, "
        "signed_bucket, signed_key, batch_id, created_at) SELECT id, 1, original_sha256, "
        "original_name, original_size, media_type, original_bucket, original_key, "
        "signed_sha256, signed_bucket, signed_key, batch_id, created_at FROM documents "
        "WHERE signed_key IS NOT NULL")
    op.execute(
        "INSERT INTO document_parties (document_id, role, name, id_value, id_kind) "
        "SELECT id, 'owner', owner_name, owner_id, NULL FROM documents "
        "WHERE owner_id IS NOT NULL")
    if op.get_context().dialect.name == 'sqlite':
        # Folded and exact text are written by the application (storage.fulltext).
        op.execute("CREATE VIRTUAL TABLE document_search USING fts5(document_id UNINDEXED, "
                   "exact, folded, tokenize='unicode61 remove_diacritics 0')")
    else:
        op.execute("CREATE TABLE document_search (document_id VARCHAR(32) PRIMARY KEY "
                   "REFERENCES documents (id), body TEXT NOT NULL, tsv TSVECTOR NOT NULL)")
        op.execute("CREATE INDEX ix_document_search_tsv ON document_search USING gin (tsv)")


def downgrade() -> None:
    op.execute("DROP TABLE document_search")
    op.drop_index('ix_document_parties_id_value_role', table_name='document_parties')
    op.drop_index('ix_document_parties_document_id', table_name='document_parties')
    op.drop_table('document_parties')
    op.drop_index('ix_document_files_document_id', table_name='document_files')
    op.drop_table('document_files')
    op.drop_table('document_records')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('uq_documents_result_code')
        batch_op.drop_index('ix_documents_number_agency')
        batch_op.drop_index('ix_documents_owner_type_validity')
        batch_op.drop_column('version')
        batch_op.drop_column('record_sha256')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('lease_owner')
