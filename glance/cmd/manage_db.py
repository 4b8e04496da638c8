"""glance-manage db ...: schema, rolling upgrades, purge (and metadefs,
from glance.cmd.manage_metadefs).

Upstream's commands and output, where deployment tools parse it
(``Database is synced successfully.``; ``db check`` exits 3, 4 or 5 when
expand, migrate or contract is next). Unlike upstream, expand, migrate and
contract work on PostgreSQL too. See ``glance.db.migration`` for what each
phase does here.
"""

import argparse
import sys

from glance.cmd import manage_metadefs
from glance.db import migration
from glance.db import purge

EXIT_ERROR = 1
# db check: which phase comes next (upstream's codes).
EXIT_EXPAND, EXIT_MIGRATE, EXIT_CONTRACT = 3, 4, 5

UP_TO_DATE = 'Database is up to date. No migrations needed.'
NOT_VERSIONED = (
    'Database is either not under migration control or under legacy '
    'migration control, please run "glance-manage db sync" to place the '
    'database under alembic migration control.'
)
EXPAND_FIRST = (
    '%s did not run. %s cannot be run before database expansion. Run '
    'database expansion first using "glance-manage db expand"'
)


def _fail(message):
    print(message, file=sys.stderr)
    return EXIT_ERROR


def _print_revisions(conf, target=None):
    current = migration.version(conf)
    if target:
        print(
            'Upgraded database to: %s, current revision(s): %s'
            % (target, current)
        )
    else:
        print('Upgraded database, current revision(s): %s' % current)


def db_sync(conf):
    if migration.sync(conf).up_to_date:
        print(UP_TO_DATE)
        return 0
    _print_revisions(conf, migration.version(conf))
    print('Database is synced successfully.')
    return 0


def db_upgrade(conf):
    if migration.sync(conf).up_to_date:
        print(UP_TO_DATE)
    else:
        _print_revisions(conf)
    return 0


def db_version(conf):
    revisions = migration.version(conf)
    print('\n'.join(revisions.split(',')) if revisions else NOT_VERSIONED)
    return 0


def db_expand(conf):
    status = migration.status(conf)
    if status.up_to_date:
        print(UP_TO_DATE)
    elif not status.expand:
        print('Database expansion is up to date. No expansion needed.')
    else:
        migration.expand(conf)
        _print_revisions(conf, migration.version(conf))
    return 0


def db_migrate(conf):
    status = migration.status(conf)
    if status.up_to_date:
        print(UP_TO_DATE)
    elif status.expand:
        return _fail(EXPAND_FIRST % ('Data migration', 'Data migration'))
    elif status.migrate:
        print('Migrated %d rows' % migration.migrate(conf))
    else:
        print('Database migration is up to date. No migration needed.')
    return 0


def db_contract(conf):
    status = migration.status(conf)
    if status.up_to_date:
        print(UP_TO_DATE)
        return 0
    if status.expand:
        return _fail(
            EXPAND_FIRST % ('Database contraction', 'Database contraction')
        )
    if status.migrate:
        return _fail(
            'Database contraction did not run. Database contraction cannot '
            'be run before data migration is complete. Run data migration '
            'using "glance-manage db migrate".'
        )
    migration.contract(conf)
    print(
        'Upgraded database to: %s, current revision(s): %s (upstream '
        'revision %s)'
        % (
            migration.version(conf),
            migration.version(conf),
            migration.upstream_version(conf),
        )
    )
    return 0


def db_check(conf):
    status = migration.status(conf)
    step, code = (
        ('first step is to run `glance-manage db expand`', EXIT_EXPAND)
        if status.expand
        else ('next step is to run `glance-manage db migrate`', EXIT_MIGRATE)
        if status.migrate
        else ('next step is to run `glance-manage db contract`', EXIT_CONTRACT)
        if status.contract
        else (None, 0)
    )
    if step is None:
        print('Database is up to date. No upgrades needed.')
    else:
        print('Your database is not up to date. Your %s.' % step)
    return code


def db_purge(conf):
    return _purge(conf, images_table=False)


def db_purge_images_table(conf):
    return _purge(conf, images_table=True)


def _purge(conf, images_table):
    args = conf.command
    try:
        purge.validate(args.age_in_days, args.max_rows)
    except ValueError as error:
        return _fail(error)
    if images_table:
        counts = purge.purge_images_table(
            conf, args.age_in_days, args.max_rows
        )
    else:
        counts = purge.purge(conf, args.age_in_days, args.max_rows)
    for table, rows in counts.items():
        print('Purged %d row(s) from %s' % (rows, table))
    return 0


# name -> (function, help); every one is also ``db_<name>`` (upstream).
DB_COMMANDS = {
    'sync': (
        db_sync,
        'Create or upgrade the schema; adopts a database last migrated by '
        'upstream Glance and keeps it usable by upstream.',
    ),
    'upgrade': (db_upgrade, 'The same as sync.'),
    'version': (db_version, 'Print the schema revision(s) of the database.'),
    'expand': (db_expand, 'Rolling upgrade, phase 1: the schema.'),
    'migrate': (db_migrate, 'Rolling upgrade, phase 2: the data.'),
    'contract': (
        db_contract,
        "Rolling upgrade, phase 3: record upstream's head revision.",
    ),
    'check': (
        db_check,
        'Exit 0 when up to date, 3/4/5 when expand/migrate/contract is next.',
    ),
    'purge': (
        db_purge,
        'Delete soft-deleted rows (images rows excepted) older than '
        '--age_in_days.',
    ),
    'purge_images_table': (
        db_purge_images_table,
        'Delete soft-deleted images rows older than --age_in_days.',
    ),
}
PURGE_DEFAULT_AGE = {'purge': 30, 'purge_images_table': 180}
# Where upstream's one-word spellings take positional arguments.
LEGACY_POSITIONAL = {'upgrade', 'sync'}


def _add_arguments(parser, name, legacy):
    if name in PURGE_DEFAULT_AGE:
        parser.add_argument(
            '--age_in_days', type=int, default=PURGE_DEFAULT_AGE[name]
        )
        parser.add_argument(
            '--max_rows',
            type=int,
            default=purge.DEFAULT_MAX_ROWS,
            help='Most rows deleted per table; -1 deletes them all.',
        )
    elif name in ('upgrade', 'sync'):
        # Accepted for upstream's spelling; our revisions all apply.
        _add_option(parser, 'version', positional=legacy)


def _add_option(parser, name, positional):
    """``--name``; upstream's one-word commands also take it positionally."""
    parser.add_argument('--' + name)
    if positional:
        parser.add_argument(name, nargs='?', default=argparse.SUPPRESS)


def add_db_commands(subparsers):
    for name, (function, help_text) in DB_COMMANDS.items():
        parser = subparsers.add_parser(name, help=help_text)
        _add_arguments(parser, name, legacy=False)
        parser.set_defaults(action_fn=function)
    manage_metadefs.add_commands(subparsers)


def add_legacy_commands(subparsers):
    """``db_sync``, ``db_version``, ...: upstream's one-word spellings."""
    for name, (function, help_text) in DB_COMMANDS.items():
        parser = subparsers.add_parser('db_' + name, help=help_text)
        _add_arguments(parser, name, legacy=name in LEGACY_POSITIONAL)
        parser.set_defaults(action_fn=function)
    manage_metadefs.add_commands(subparsers, prefix='db_')
