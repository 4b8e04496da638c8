"""Database sessions: one oslo.db enginefacade for the whole process.

DB API functions are decorated with ``reader`` or ``writer`` and take the
request context first; a call made inside another joins its transaction
(the context carries it: ``glance.context.RequestContext`` is an
enginefacade provider).
"""

import contextlib
import os
import sqlite3

from oslo_db import api as oslo_db_api
from oslo_db import options
from oslo_db.sqlalchemy import enginefacade

# The embedded default database, shared by glance-api and glance-manage
# when no [database] connection is configured: data/glance.sqlite below the
# directory the command was started from.
DEFAULT_CONNECTION = 'sqlite:///' + os.path.join(
    os.getcwd(), 'data', 'glance.sqlite'
)

_main = enginefacade.transaction_context()
reader = _main.reader
writer = _main.writer

# Retry the outermost writer on deadlocks (MySQL/Galera and PostgreSQL
# abort one of two transactions that lock rows in opposite orders).
retry_on_deadlock = oslo_db_api.wrap_db_retry(
    max_retries=5, retry_on_deadlock=True, inc_retry_interval=True
)


def register_opts(conf):
    """Register [database] with our embedded default connection."""
    options.set_defaults(conf, connection=DEFAULT_CONNECTION)


def configure(conf):
    """Point the process-wide facade at ``conf``'s [database].

    May be called again (tests, commands): the new settings replace the
    old ones for every transaction started afterwards.
    """
    register_opts(conf)
    sqlite_file = ensure_sqlite_directory(conf.database.connection)
    if sqlite_file:
        use_write_ahead_log(sqlite_file)
    manager = enginefacade.transaction_context()
    manager.configure(
        **{opt.dest: conf.database[opt.dest] for opt in options.database_opts}
    )
    _main.patch_factory(manager)


def ensure_sqlite_directory(connection):
    """Create the directory of a SQLite file so the first start works.

    Returns the file's path, or None when ``connection`` is no SQLite file.
    """
    prefix = 'sqlite:///'
    if connection.startswith(prefix) and connection != prefix + ':memory:':
        path = connection[len(prefix) :]
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        return path
    return None


def use_write_ahead_log(path):
    """Switch a SQLite file to WAL journaling (a setting the file keeps).

    A commit then syncs one log append instead of a rollback journal and
    the database file, and readers in other worker processes no longer
    wait for a writer: both matter for the lazy store write on reads.
    """
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute('PRAGMA journal_mode=WAL')


def get_engine():
    return _main.writer.get_engine()
