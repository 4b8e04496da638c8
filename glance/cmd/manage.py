"""glance-manage: operator commands.

Each command group is one function in ``COMMAND_GROUPS`` that adds its
commands to the argparse sub-parsers it is given; every command sets
``action_fn``, a function of the parsed configuration (its own arguments
are under ``conf.command``) returning the exit code. Upstream's one-word
spellings (``db_sync``, ``db_version``, ``db_load_metadefs``, ...) are
top-level commands running the same functions (``LEGACY_COMMANDS``).

Without a config file, the embedded default of glance-api applies
(``glance.conf.embedded``): run from the directory glance-api ran in, the
commands manage that deployment.
"""

import sys

from oslo_config import cfg

import glance.conf
from glance import exception
from glance.cmd import manage_db
from glance.cmd import manage_images
from glance.cmd import manage_locations
from glance.conf import checks
from glance.conf import embedded
from glance.db import locations
from glance.db import session

EXIT_ERROR = 1

COMMAND_GROUPS = {
    'db': manage_db.add_db_commands,
    'location': manage_locations.add_location_commands,
    'image': manage_images.add_image_commands,
}


def _add_command_parsers(subparsers):
    subparsers.required = True
    for name, add_commands in COMMAND_GROUPS.items():
        group = subparsers.add_parser(name)
        add_commands(group.add_subparsers(dest='action', required=True))
    manage_db.add_legacy_commands(subparsers)


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
