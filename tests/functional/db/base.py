"""Test databases: SQLite always, MariaDB and PostgreSQL when reachable.

Each test class gets its own uniquely named database (the servers are
shared with other test runs), created in setUpClass and dropped in
tearDownClass; each test empties the image tables afterwards.
"""

import os
import shutil
import tempfile
import unittest
import uuid

import fixtures
import sqlalchemy as sa
import testtools
from oslo_config import cfg

from glance import context
from glance.db import migration
from glance.db import models
from glance.db import session

SERVER_URLS = {
    'mysql': 'mysql+pymysql://root@127.0.0.1',
    'postgresql': 'postgresql+psycopg2://postgres@127.0.0.1/postgres',
}


class Database(fixtures.Fixture):
    """An empty database named ``glance_test_<random>`` on ``backend``."""

    def __init__(self, backend):
        super().__init__()
        self.backend = backend

    def _setUp(self):
        name = 'glance_test_%s' % uuid.uuid4().hex[:12]
        if self.backend == 'sqlite':
            directory = tempfile.mkdtemp()
            self.addCleanup(shutil.rmtree, directory)
            self.url = 'sqlite:///' + os.path.join(directory, name)
            return
        server = server_engine(self.backend)
        self.addCleanup(server.dispose)
        with server.connect() as connection:
            connection.execute(sa.text('CREATE DATABASE %s' % name))
        self.addCleanup(_drop_database, server, name)
        url = sa.engine.make_url(SERVER_URLS[self.backend])
        self.url = url.set(database=name).render_as_string(hide_password=False)


def server_engine(backend):
    """Engine on the server's maintenance database; SkipTest if down."""
    engine = sa.create_engine(
        SERVER_URLS[backend], isolation_level='AUTOCOMMIT'
    )
    try:
        engine.connect().close()
    except sa.exc.OperationalError as error:
        engine.dispose()
        raise unittest.SkipTest(
            '%s is not reachable at %s: %s'
            % (backend, SERVER_URLS[backend], error.orig)
        )
    return engine


def _drop_database(server, name):
    with server.connect() as connection:
        if server.dialect.name == 'postgresql':
            connection.execute(sa.text('DROP DATABASE %s WITH (FORCE)' % name))
        else:
            connection.execute(sa.text('DROP DATABASE %s' % name))


def make_conf(url):
    conf = cfg.ConfigOpts()
    session.register_opts(conf)
    conf([], project='glance-test')
    conf.set_override('connection', url, group='database')
    return conf


class DBTestCase(testtools.TestCase):
    """Base of per-engine test classes; subclasses set BACKEND.

    With SYNC (the default) the database is migrated to head and the
    process-wide session facade points at it.
    """

    BACKEND = 'sqlite'
    SYNC = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.database = Database(cls.BACKEND)
        cls.database.setUp()
        cls.conf = make_conf(cls.database.url)
        if cls.SYNC:
            try:
                migration.sync(cls.conf)
            except Exception:
                # tearDownClass will not run: drop the database now.
                cls.database.cleanUp()
                raise
            session.configure(cls.conf)

    @classmethod
    def tearDownClass(cls):
        if cls.SYNC:
            session.get_engine().dispose()
        cls.database.cleanUp()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        if self.SYNC:
            self.addCleanup(self._empty_tables)

    def _empty_tables(self):
        with session.get_engine().begin() as connection:
            for table in reversed(models.BASE.metadata.sorted_tables):
                connection.execute(table.delete())

    def admin_context(self):
        return context.get_admin_context()

    def user_context(self, project_id, user_id='user'):
        return context.RequestContext(
            project_id=project_id,
            user_id=user_id,
            roles=['member'],
            overwrite=False,
        )


class MySQLMixin:
    BACKEND = 'mysql'


class PostgreSQLMixin:
    BACKEND = 'postgresql'
