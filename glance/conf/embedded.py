"""The embedded default: the configuration without any config file.

glance-api serves with it and glance-manage manages the same deployment
with it, both started from the same directory.
"""

import os
import tempfile

from glance.db import session

# What a fresh machine runs with: SQLite and two file stores below
# ./data, no authentication, so only this machine may connect (127.0.0.1);
# a configuration file replaces all of it (README). Written to a temporary
# file and parsed like an operator's config, so every option is set exactly
# as one would set it.
EMBEDDED_CONFIG = """\
[DEFAULT]
bind_host = 127.0.0.1
enabled_backends = fast:file, cheap:file
node_staging_uri = file://{data}/staging

[database]
connection = {connection}

[glance_store]
default_backend = fast

[fast]
filesystem_store_datadir = {data}/fast
store_description = Embedded default store

[cheap]
filesystem_store_datadir = {data}/cheap
"""


def data_dir():
    """Where the embedded default keeps its data: ./data."""
    return os.path.join(os.getcwd(), 'data')


def parse(conf, argv, prog, default_config_files=None):
    """Parse ``argv`` and config files; True when on the embedded default.

    oslo.config searches its default places (``~/.glance``, ``~``,
    ``/etc/glance``, ``/etc``) for ``<prog>.conf`` unless files are given;
    the embedded default applies when it finds none.
    """
    conf(
        argv,
        project='glance',
        prog=prog,
        default_config_files=default_config_files,
    )
    if conf.config_file or conf.config_dir:
        return False
    data = data_dir()
    os.makedirs(data, exist_ok=True)
    # A directory of its own: oslo.config looks beside config files for
    # others (glance-api-paste.ini), and there must be none.
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, 'glance-api.conf')
        with open(path, 'w') as embedded:
            embedded.write(
                EMBEDDED_CONFIG.format(
                    data=data, connection=session.DEFAULT_CONNECTION
                )
            )
        # Before argv: options after a sub-command belong to the sub-command.
        conf(['--config-file', path] + list(argv), project='glance', prog=prog)
    return True
