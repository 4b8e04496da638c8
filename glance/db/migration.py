"""Schema migrations: ``sync`` brings a database to our head revision.

Three starting points are handled:

- empty (no image tables): alembic builds the schema from our baseline;
- ours (``alembic_version`` holds our revisions): alembic upgrades;
- upstream Glance (``alembic_version`` holds upstream revision ids from
  Pike on, or no version row but every table and column already there):
  the schema is completed additively (missing tables, nullable or
  defaulted columns, indexes), pre-Train location metadata ``backend`` keys
  become ``store``, and our head is stamped. No row is dropped or rewritten
  otherwise; metadef and cache tables are left as they are.

Anything else raises ``UnknownDatabaseState`` before any change is made.
"""

import json
import os

import sqlalchemy as sa
from alembic import command
from alembic import config as alembic_config
from alembic import script as alembic_script
from alembic.operations import Operations
from alembic.runtime import migration as alembic_migration
from oslo_db.sqlalchemy import engines

from glance import exception
from glance.db import models
from glance.db import session

# Upstream revision ids (expand/contract branches) whose schema has the
# visibility column and no is_public: from Pike's contract on. Older
# databases need upstream's own data migrations first.
UPSTREAM_REVISIONS = frozenset(
    ['pike_expand01', 'pike_contract01', 'rocky_expand01', 'rocky_expand02']
    + ['rocky_contract01', 'rocky_contract02']
    + [
        '%s_%s01' % (release, branch)
        for release in (
            'queens',
            'train',
            'ussuri',
            'wallaby',
            'xena',
            'yoga',
            'zed',
            '2023_1',
            '2024_1',
        )
        for branch in ('expand', 'contract')
    ]
)


def sync(conf):
    """Migrate ``conf``'s database to our head (see module docstring)."""
    engine = _create_engine(conf)
    try:
        with engine.begin() as connection:
            _sync(connection)
    finally:
        engine.dispose()


def version(conf):
    """The revision(s) recorded in the database, comma-joined, or None."""
    engine = _create_engine(conf)
    try:
        with engine.connect() as connection:
            revisions = _recorded_revisions(connection)
    finally:
        engine.dispose()
    return ','.join(sorted(revisions)) or None


def _create_engine(conf):
    session.register_opts(conf)
    session.ensure_sqlite_directory(conf.database.connection)
    return engines.create_engine(
        conf.database.connection,
        mysql_sql_mode=conf.database.mysql_sql_mode,
    )


def _alembic_config(connection):
    config = alembic_config.Config()
    config.set_main_option(
        'script_location', os.path.join(os.path.dirname(__file__), 'alembic')
    )
    config.attributes['connection'] = connection
    return config


def _recorded_revisions(connection):
    context = alembic_migration.MigrationContext.configure(connection)
    return set(context.get_current_heads())


def _sync(connection):
    config = _alembic_config(connection)
    recorded = _recorded_revisions(connection)
    ours = _our_revisions(config)
    if recorded and recorded <= ours:
        command.upgrade(config, 'head')
    elif recorded and recorded <= UPSTREAM_REVISIONS:
        _adopt(connection, config, _missing_schema(connection))
    elif recorded:
        raise exception.UnknownDatabaseState(
            reason='alembic_version holds unknown revision(s) %s; '
            'this release knows its own and upstream Glance Pike to '
            '2024.1.' % ', '.join(sorted(recorded - ours))
        )
    elif not _image_tables_present(connection):
        command.upgrade(config, 'head')
    else:
        _adopt_unversioned(connection, config)


def _our_revisions(config):
    scripts = alembic_script.ScriptDirectory.from_config(config)
    return {rev.revision for rev in scripts.walk_revisions()}


def _image_tables_present(connection):
    existing = set(sa.inspect(connection).get_table_names())
    return bool(existing & set(models.BASE.metadata.tables))


def _adopt_unversioned(connection, config):
    missing = _missing_schema(connection)
    if missing:
        raise exception.UnknownDatabaseState(
            reason='image tables exist without an alembic_version row and '
            'lack %s' % ', '.join(_describe(item) for item in missing)
        )
    _adopt(connection, config, missing)


def _missing_schema(connection):
    """What the models have and the database lacks, checked before writes.

    Returns (table, column or index or None) pairs; raises when a missing
    column could not be added without inventing values for existing rows.
    """
    inspector = sa.inspect(connection)
    existing_tables = set(inspector.get_table_names())
    missing = []
    for table in models.BASE.metadata.sorted_tables:
        if table.name not in existing_tables:
            missing.append((table, None))
            continue
        columns = {c['name'] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in columns:
                _check_addable(table, column)
                missing.append((table, column))
        indexes = {i['name'] for i in inspector.get_indexes(table.name)}
        missing.extend(
            (table, index)
            for index in table.indexes
            if index.name not in indexes
        )
    return missing


def _check_addable(table, column):
    if not column.nullable and column.server_default is None:
        raise exception.UnknownDatabaseState(
            reason='column %s.%s is missing and has no default to fill '
            'existing rows with' % (table.name, column.name)
        )


def _describe(item):
    table, thing = item
    return table.name if thing is None else '%s.%s' % (table.name, thing.name)


def _adopt(connection, config, missing):
    operations = Operations(
        alembic_migration.MigrationContext.configure(connection)
    )
    for table, thing in missing:
        if thing is None:
            table.create(connection)
        elif isinstance(thing, sa.Index):
            thing.create(connection)
        else:
            operations.add_column(
                table.name,
                sa.Column(
                    thing.name,
                    thing.type,
                    nullable=thing.nullable,
                    server_default=thing.server_default,
                ),
            )
    _rename_backend_to_store(connection)
    command.stamp(config, 'head', purge=True)


def _rename_backend_to_store(connection):
    """Location metadata written before Train says ``backend``, not
    ``store`` (the store library renamed the key); later code reads ``store``.
    """
    # The raw text, not the model's JSON type: LIKE must see the text.
    locations = sa.table(
        'image_locations', sa.column('id'), sa.column('meta_data', sa.Text)
    )
    rows = connection.execute(
        sa.select(locations.c.id, locations.c.meta_data).where(
            locations.c.meta_data.like('%"backend"%')
        )
    )
    updates = []
    for row in rows:
        metadata = json.loads(row.meta_data)
        if 'backend' in metadata and 'store' not in metadata:
            metadata['store'] = metadata.pop('backend')
            updates.append({'row_id': row.id, 'meta': json.dumps(metadata)})
    if updates:
        connection.execute(
            sa.update(locations)
            .where(locations.c.id == sa.bindparam('row_id'))
            .values(meta_data=sa.bindparam('meta')),
            updates,
        )
