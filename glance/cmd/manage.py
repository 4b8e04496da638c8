"""glance-manage: operator commands.

Each command group is one function in ``COMMAND_GROUPS`` that adds its
commands to the argparse sub-parsers it is given; every command sets
``action_fn``, a function of the parsed configuration (its own arguments
are under ``conf.command``) returning the exit code.

Without a config file, the embedded default of glance-api applies
(``glance.conf.embedded``): run from the directory glance-api ran in, the
commands manage that deployment.
"""

import sys

from oslo_config import cfg

import glance.conf
from glance import exception
from glance.cmd import manage_locations
from glance.cmd import manage_metadefs
from glance.conf import checks
from glance.conf import embedded
from glance.db import locations
from glance.db import migration
from glance.db import session

EXIT_ERROR = 1


def db_sync(conf):
    migration.sync(conf)
    print('Database is at revision %s' % migration.version(conf))
    return 0


def db_version(conf):
    print(migration.version(conf) or 'No revision: the database is empty')
    return 0


def add_db_commands(subparsers):
    sync = subparsers.add_parser(
        'sync',
        help='Create or upgrade the schema; adopts a database last '
        'migrated by upstream Glance.',
    )
    sync.set_defaults(action_fn=db_sync)
    show = subparsers.add_parser(
        'version', help='Print the schema revision of the database.'
    )
    show.set_defaults(action_fn=db_version)
    manage_metadefs.add_commands(subparsers)


COMMAND_GROUPS = {
    'db': add_db_commands,
    'location': manage_locations.add_location_commands,
}


def _add_command_parsers(subparsers):
    subparsers.required = True
    for name, add_commands in COMMAND_GROUPS.items():
        group = subparsers.add_parser(name)
        add_commands(group.add_subparsers(dest='action', required=True))


def _default_config_files():
    return cfg.find_config_files('glance', 'glance-api') + (
        cfg.find_config_files('glance', 'glance-manage')
    )


def main(argv=None, conf=None):
    conf = conf or cfg.CONF
    conf.register_cli_opt(
        cfg.SubCommandOpt(
            'command',
            title='Commands',
            handler=_add_command_parsers,
        )
    )
    glance.conf.register_opts(conf)
    session.register_opts(conf)
    try:
        embedded.parse(
            conf,
            sys.argv[1:] if argv is None else argv,
            'glance-manage',
            _default_config_files(),
        )
    except SystemExit as error:
        # argparse exits 2 on bad usage, but 2 means "unmatched locations
        # left" for location update-stores: usage errors are errors (1).
        return EXIT_ERROR if error.code == 2 else error.code
    try:
        checks.check(conf)
    except checks.InvalidOption as error:
        print('glance-manage: %s' % error, file=sys.stderr)
        return EXIT_ERROR
    locations.set_encryption_key(conf.metadata_encryption_key)
    try:
        return conf.command.action_fn(conf)
    except exception.UnknownDatabaseState as error:
        print(error, file=sys.stderr)
        return EXIT_ERROR


if __name__ == '__main__':
    sys.exit(main())
