"""Alembic environment: the URL comes from the Config the caller builds (storage.index.migrate)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool
from sqlmodel import SQLModel

# Every module holding tables registers them on SQLModel.metadata (autogenerate compares all).
import storage.batches  # noqa: F401
import storage.index  # noqa: F401
import storage.links  # noqa: F401
import storage.registry  # noqa: F401
import storage.users  # noqa: F401

config = context.config
target_metadata = SQLModel.metadata


def include_object(obj: object, name: str | None, type_: str, reflected: bool,
                   compare_to: object) -> bool:
    """The full-text tables (an FTS5 virtual table and its shadow tables on SQLite, a tsvector
    table on PostgreSQL) are made by hand in 0002, not by models: autogenerate must keep them."""
    return not (type_ in ("table", "index") and name is not None
                and (name.startswith("document_search") or name == "ix_document_search_tsv"))


def run_migrations_online() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section) or {},
        prefix="sqlalchemy.", poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
