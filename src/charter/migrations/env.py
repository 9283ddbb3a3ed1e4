"""Alembic environment: runs on a connection handed in by Charter, or on the settings URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from charter.db import make_engine
from charter.registry import metadata
from charter.settings import Settings


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_on(connection)
else:
    engine = make_engine(Settings().resolved_database_url)
    with engine.connect() as fresh:
        run_on(fresh)
        fresh.commit()
    engine.dispose()
