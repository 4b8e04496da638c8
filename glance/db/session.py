"""Database sessions: one oslo.db enginefacade for the whole process.

DB API functions are decorated with ``reader`` or ``writer`` and take the
request context first; a call made inside another joins its transaction
(the context carries it: ``glance.context.RequestContext`` is an
enginefacade provider).

``OUTAGES`` logs a database that cannot be reached once per transition and
process: one ERROR when a connection fails (naming the driver's error
class, never the password), one INFO when a connection succeeds again.
"""

import contextlib
import os
import sqlite3
import threading
import time
import urllib.parse

import sqlalchemy as sa
from oslo_context import context as oslo_context
from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exception
from oslo_db import options
from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import exc_filters
from oslo_log import log as logging

LOG = logging.getLogger(__name__)

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


@exc_filters.filters(
    'sqlite', sa.exc.OperationalError, r'^.*database is locked.*'
)
def _sqlite_locked(error, match, engine_name, is_disconnect):
    """SQLite's busy answer is a lost race, as a deadlock is elsewhere: a
    transaction whose snapshot went stale while another wrote (WAL) fails
    at once, without waiting. Retried where deadlocks are, else 409."""
    raise db_exception.DBDeadlock(error)


def register_opts(conf):
    """Register [database] with our embedded default connection."""
    options.set_defaults(conf, connection=DEFAULT_CONNECTION)


def configure(conf):
    """Point the process-wide facade at ``conf``'s [database].

    May be called again (tests, commands): the new settings replace the
    old ones for every transaction started afterwards.
    """
    register_opts(conf)
    OUTAGES.watch(conf.database.connection, conf.database.slave_connection)
    sqlite_file = ensure_sqlite_directory(conf.database.connection)
    if sqlite_file:
        use_write_ahead_log(sqlite_file)
    manager = enginefacade.transaction_context()
    manager.configure(
        **{opt.dest: conf.database[opt.dest] for opt in options.database_opts}
    )
    manager.append_on_engine_create(_begin_sqlite_writes_at_once)
    _main.patch_factory(manager)


def _begin_sqlite_writes_at_once(engine):
    """SQLite transactions start with ``BEGIN IMMEDIATE``: one writer at a
    time, the others wait (the driver's busy timeout) instead of failing.

    With oslo.db's plain ``BEGIN`` a transaction that read and then writes
    fails at once with 'database is locked' when another connection wrote
    in between (its WAL snapshot is stale), whatever the timeout: under
    concurrent requests and background imports, that lost updates.
    It takes the place of oslo.db's listener, keeping its marker.
    """
    if engine.dialect.name != 'sqlite':
        return
    for listener in list(engine.dispatch.begin):
        if listener.__name__ == '_sqlite_emit_begin':
            sa.event.remove(engine, 'begin', listener)

    def begin(connection):
        if 'in_transaction' not in connection.info:
            connection.exec_driver_sql('BEGIN IMMEDIATE')
            connection.info['in_transaction'] = True

    sa.event.listen(engine, 'begin', begin)


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


class Outages:
    """Logs when the database stops and starts answering (per process).

    Fed by SQLAlchemy's events for every engine: ``handle_error`` for a
    connection that could not be made or was lost, the pool's ``connect``
    for one made. Requests meanwhile answer 503 (``glance.api.errors``).
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._down_since = None
        self._secrets = ()
        self._listening = False

    def watch(self, *connections):
        """Listen (once per process); hide the passwords of
        ``connections`` from every line."""
        passwords = [_password(url) for url in connections]
        self._secrets = tuple(
            {
                form
                for password in passwords
                if password
                for form in (password, urllib.parse.quote(password, safe=''))
            }
        )
        with self._lock:
            if self._listening:
                return
            self._listening = True
        sa.event.listen(sa.engine.Engine, 'handle_error', self._on_error)
        sa.event.listen(sa.pool.Pool, 'connect', self._on_connect)

    @property
    def down(self):
        return self._down_since is not None

    def _on_error(self, context):
        # No connection: it could not be made. A lost one: a disconnect.
        if context.connection is not None and not context.is_disconnect:
            return
        with self._lock:
            if self._down_since is not None:
                return
            self._down_since = time.monotonic()
        error = context.original_exception
        report = threading.Thread(
            target=_log_unavailable,
            args=(_class_name(error), self._hidden(str(error))),
            # Who met the outage: the request context of this thread.
            kwargs={'context': oslo_context.get_current()},
        )
        # Not here: oslo.log would append the active exception again,
        # unmasked. The line is written before the error goes on.
        report.start()
        report.join()

    def _on_connect(self, dbapi_connection, connection_record):
        with self._lock:
            since, self._down_since = self._down_since, None
        if since is not None:
            LOG.info(
                'The database is reachable again (unavailable for %.1f s)',
                time.monotonic() - since,
            )

    def _hidden(self, text):
        for secret in self._secrets:
            text = text.replace(secret, '***')
        return text


def _log_unavailable(class_name, message, context=None):
    try:
        LOG.error(
            'The database is unavailable (%s: %s): requests that need it '
            'answer 503 until a connection succeeds again',
            class_name,
            message,
            context=context,
        )
    except Exception:  # never in the way of the error itself
        pass


def _password(connection):
    if not connection:
        return None
    try:
        return sa.engine.make_url(connection).password
    except Exception:  # an unparsable URL fails elsewhere, loudly
        return None


def _class_name(error):
    cls = type(error)
    return '%s.%s' % (cls.__module__, cls.__qualname__)


OUTAGES = Outages()
