"""Schema migrations, and the door back to upstream Glance.

Our revisions are recorded in a version table of our own
(``OUR_VERSION_TABLE``); upstream's ``alembic_version`` is left for
upstream's revision, so that upstream's ``glance-manage db_sync`` still
runs on a database we migrated. Three phases, as upstream's rolling
upgrades name them (``sync`` runs all three):

- expand: the schema. An empty database is built from our revisions; ours
  is upgraded; one last migrated by upstream Glance (``alembic_version``
  holds upstream revision ids from Pike on, or no version row but every
  table and column already there) is completed additively (missing tables,
  nullable or defaulted columns, indexes) and our heads are recorded. No
  row is dropped or rewritten. Earlier releases of this fork recorded
  their revisions in ``alembic_version``: they move to our table.
- migrate: pre-Train location metadata ``backend`` keys become ``store``
  (upstream's only data migration from Pike on).
- contract: once every table of upstream's head schema is there and no
  data migration is pending, the schema is upstream's head, and
  ``alembic_version`` says so (``UPSTREAM_HEAD``). A database already
  there keeps its row untouched.

Anything else raises ``UnknownDatabaseState`` before any change is made.
"""

import dataclasses
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

OUR_VERSION_TABLE = 'glance_fork_version'
UPSTREAM_VERSION_TABLE = 'alembic_version'

# Upstream Glance 33's head, and the tables its schema has there.
UPSTREAM_HEAD = '2024_1_contract01'
UPSTREAM_TABLES = frozenset(
    [
        'images',
        'image_properties',
        'image_tags',
        'image_locations',
        'image_members',
        'tasks',
        'task_info',
        'metadef_namespaces',
        'metadef_resource_types',
        'metadef_namespace_resource_types',
        'metadef_objects',
        'metadef_properties',
        'metadef_tags',
        'node_reference',
        'cached_images',
    ]
)

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


@dataclasses.dataclass(frozen=True)
class Status:
    """What each phase would still do; all False when up to date."""

    expand: bool
    migrate: int
    contract: bool

    @property
    def up_to_date(self):
        return not (self.expand or self.migrate or self.contract)


def sync(conf):
    """Run expand, migrate and contract in turn; the Status before."""
    return _run(conf, _sync)


def expand(conf):
    return _run(conf, _expand)


def migrate(conf):
    """Rename pre-Train ``backend`` keys; the number of rows changed."""
    return _run(conf, _migrate)


def contract(conf):
    """Record upstream's head once the schema is there; True if changed."""
    return _run(conf, _contract)


def status(conf):
    return _run(conf, _status)


def version(conf):
    """Our revision(s) recorded in the database, comma-joined, or None."""
    return ','.join(sorted(_run(conf, _our_recorded))) or None


def heads():
    """This release's head revision(s), comma-joined as ``version``."""
    return ','.join(sorted(_our_heads(_alembic_config(None))))


def upstream_version(conf):
    """Upstream's revision(s) in ``alembic_version``, comma-joined."""
    return (
        ','.join(sorted(_run(conf, _upstream_recorded) - _our_revisions(None)))
        or None
    )


def _run(conf, phase):
    engine = _create_engine(conf)
    try:
        with engine.begin() as connection:
            return phase(connection)
    finally:
        engine.dispose()


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
    config.attributes['version_table'] = OUR_VERSION_TABLE
    return config


def _recorded(connection, table):
    context = alembic_migration.MigrationContext.configure(
        connection, opts={'version_table': table}
    )
    return set(context.get_current_heads())


def _our_revisions(config):
    config = config or _alembic_config(None)
    scripts = alembic_script.ScriptDirectory.from_config(config)
    return {rev.revision for rev in scripts.walk_revisions()}


def _our_heads(config):
    return set(alembic_script.ScriptDirectory.from_config(config).get_heads())


def _our_recorded(connection):
    """Our table's revisions, and ours left in alembic_version."""
    ours = _our_revisions(None)
    return _recorded(connection, OUR_VERSION_TABLE) | (
        _upstream_recorded(connection) & ours
    )


def _upstream_recorded(connection):
    return _recorded(connection, UPSTREAM_VERSION_TABLE)


def _status(connection):
    config = _alembic_config(connection)
    _check_known(connection, config)
    return Status(
        expand=_recorded(connection, OUR_VERSION_TABLE) != _our_heads(config),
        migrate=_backend_keys(connection, count_only=True),
        contract=_upstream_behind(connection),
    )


def _sync(connection):
    before = _status(connection)
    _expand(connection)
    _migrate(connection)
    _contract(connection)
    return before


def _check_known(connection, config):
    ours = _our_revisions(config)
    upstream = _upstream_recorded(connection) - ours
    unknown = (upstream - UPSTREAM_REVISIONS) | (
        _recorded(connection, OUR_VERSION_TABLE) - ours
    )
    if unknown:
        raise exception.UnknownDatabaseState(
            reason='the version tables hold unknown revision(s) %s; this '
            'release knows its own and upstream Glance Pike to 2024.1.'
            % ', '.join(sorted(unknown))
        )


def _expand(connection):
    """Bring the schema to our heads; True if anything changed."""
    config = _alembic_config(connection)
    _check_known(connection, config)
    _move_our_rows(connection, config)
    ours = _recorded(connection, OUR_VERSION_TABLE)
    if ours == _our_heads(config):
        return False
    if ours or not _image_tables_present(connection):
        command.upgrade(config, 'heads')
        return True
    missing = _missing_schema(connection)
    if missing and not _upstream_recorded(connection):
        raise exception.UnknownDatabaseState(
            reason='image tables exist without an alembic_version row and '
            'lack %s' % ', '.join(_describe(item) for item in missing)
        )
    _add_missing(connection, missing)
    command.stamp(config, 'heads')
    return True


def _move_our_rows(connection, config):
    """Earlier releases of this fork recorded ours in alembic_version."""
    ours = _upstream_recorded(connection) & _our_revisions(config)
    if not ours:
        return
    table = _version_table(UPSTREAM_VERSION_TABLE)
    connection.execute(table.delete().where(table.c.version_num.in_(ours)))
    command.stamp(config, sorted(ours))


def _migrate(connection):
    return _backend_keys(connection)


def _contract(connection):
    if not _upstream_behind(connection):
        return False
    table = _version_table(UPSTREAM_VERSION_TABLE)
    table.create(connection, checkfirst=True)
    connection.execute(table.delete())
    connection.execute(table.insert().values(version_num=UPSTREAM_HEAD))
    return True


def _upstream_behind(connection):
    """True when the schema is upstream's head but its row says otherwise.

    Not before expand and migrate are done: upstream's head implies them.
    """
    config = _alembic_config(connection)
    existing = set(sa.inspect(connection).get_table_names())
    return (
        UPSTREAM_TABLES <= existing
        and _recorded(connection, OUR_VERSION_TABLE) == _our_heads(config)
        and not _backend_keys(connection, count_only=True)
        and _upstream_recorded(connection) != {UPSTREAM_HEAD}
    )


def _version_table(name):
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column('version_num', sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint('version_num', name='%s_pkc' % name),
    )


def _image_tables_present(connection):
    existing = set(sa.inspect(connection).get_table_names())
    return bool(existing & set(models.BASE.metadata.tables))


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


def _add_missing(connection, missing):
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


def _backend_keys(connection, count_only=False):
    """Rename location metadata ``backend`` keys to ``store``.

    Written before Train, they say ``backend`` (glance_store renamed the
    key); later code reads ``store``. Returns how many rows need (or, with
    ``count_only``, would need) it.
    """
    if 'image_locations' not in sa.inspect(connection).get_table_names():
        return 0
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
    if updates and not count_only:
        connection.execute(
            sa.update(locations)
            .where(locations.c.id == sa.bindparam('row_id'))
            .values(meta_data=sa.bindparam('meta')),
            updates,
        )
    return len(updates)
