"""glance.db.session: the embedded default and [database] wiring."""

import os

import fixtures
import testtools
from oslo_config import cfg

from glance.db import session


class TestSession(testtools.TestCase):
    def test_default_connection_is_data_dir_below_cwd(self):
        self.assertEqual(
            'sqlite:///' + os.path.join(os.getcwd(), 'data', 'glance.sqlite'),
            session.DEFAULT_CONNECTION,
        )
        conf = cfg.ConfigOpts()
        session.register_opts(conf)
        conf([])
        self.assertEqual(session.DEFAULT_CONNECTION, conf.database.connection)

    def test_ensure_sqlite_directory(self):
        root = self.useFixture(fixtures.TempDir()).path
        target = os.path.join(root, 'a', 'b')
        session.ensure_sqlite_directory(
            'sqlite:///' + os.path.join(target, 'g.sqlite')
        )
        self.assertTrue(os.path.isdir(target))
        # Not files: nothing to create, nothing raised.
        session.ensure_sqlite_directory('sqlite:///:memory:')
        session.ensure_sqlite_directory('mysql+pymysql://root@host/glance')

    def test_configure_switches_the_process_engine(self):
        root = self.useFixture(fixtures.TempDir()).path
        for name in ('one.sqlite', 'two.sqlite'):
            conf = cfg.ConfigOpts()
            session.register_opts(conf)
            conf([])
            url = 'sqlite:///' + os.path.join(root, name)
            conf.set_override('connection', url, group='database')
            session.configure(conf)
            self.assertEqual(url, str(session.get_engine().url))
            session.get_engine().dispose()

    def test_configure_puts_a_sqlite_file_in_wal_mode(self):
        root = self.useFixture(fixtures.TempDir()).path
        conf = cfg.ConfigOpts()
        session.register_opts(conf)
        conf([])
        path = os.path.join(root, 'wal.sqlite')
        conf.set_override('connection', 'sqlite:///' + path, group='database')
        session.configure(conf)
        with session.get_engine().connect() as connection:
            mode = connection.exec_driver_sql('PRAGMA journal_mode').scalar()
        session.get_engine().dispose()
        self.assertEqual('wal', mode)
