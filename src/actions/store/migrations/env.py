"""Alembic environment: runs on the engine ``actions.store.db.migrate`` hands over, or on
``ACTIONS_DATABASE_URL`` when called from the ``alembic`` command line."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import actions.domain.models  # noqa: F401  (registers the tables)
from actions.common.settings import get_settings
from actions.store.db import get_engine

target_metadata = SQLModel.metadata


def _engine():  # type: ignore[no-untyped-def]
    engine = context.config.attributes.get("engine")
    if engine is None:
        engine = get_engine()
    return engine


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


def run_migrations_offline() -> None:
    context.configure(
        url=get_settings().database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
