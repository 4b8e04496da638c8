"""Alembic environment: runs on the connection glance.db.migration passes."""

from alembic import context

from glance.db import models


def run_migrations():
    connection = context.config.attributes['connection']
    context.configure(
        connection=connection,
        target_metadata=models.BASE.metadata,
        # glance.db.migration: ours, not upstream's alembic_version.
        version_table=context.config.attributes['version_table'],
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
