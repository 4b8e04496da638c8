"""The glance-manage db commands, run as a real process."""

import os
import sqlite3
import subprocess
import sys

import fixtures
import testtools

from glance.db import migration

REPO_ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
)


def run_manage(*args, cwd):
    return subprocess.run(
        [sys.executable, '-m', 'glance.cmd.manage', *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


class TestManageDb(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.workdir = self.useFixture(fixtures.TempDir()).path
        # Run from an empty directory, importing this checkout.
        self.useFixture(fixtures.EnvironmentVariable('PYTHONPATH', REPO_ROOT))

    def test_sync_and_version_with_config_file(self):
        database = os.path.join(self.workdir, 'custom.sqlite')
        config = os.path.join(self.workdir, 'glance-api.conf')
        with open(config, 'w') as conf_file:
            conf_file.write(
                '[database]\nconnection = sqlite:///%s\n' % database
            )
        before = run_manage(
            '--config-file', config, 'db', 'version', cwd=self.workdir
        )
        self.assertEqual(0, before.returncode, before.stderr)
        self.assertIn('not under migration control', before.stdout)
        synced = run_manage(
            '--config-file', config, 'db', 'sync', cwd=self.workdir
        )
        self.assertEqual(0, synced.returncode, synced.stderr)
        after = run_manage(
            '--config-file', config, 'db', 'version', cwd=self.workdir
        )
        self.assertEqual(
            migration.heads().replace(',', '\n') + '\n', after.stdout
        )
        self.assertTrue(os.path.exists(database))
        self.assertFalse(os.path.exists(os.path.join(self.workdir, 'data')))

    def test_without_config_uses_embedded_default_below_cwd(self):
        synced = run_manage('db', 'sync', cwd=self.workdir)
        self.assertEqual(0, synced.returncode, synced.stderr)
        self.assertTrue(
            os.path.exists(os.path.join(self.workdir, 'data', 'glance.sqlite'))
        )

    def test_unknown_state_exits_1_with_message(self):
        os.mkdir(os.path.join(self.workdir, 'data'))
        path = os.path.join(self.workdir, 'data', 'glance.sqlite')
        with sqlite3.connect(path) as connection:
            connection.execute('CREATE TABLE images (id VARCHAR(36))')
        result = run_manage('db', 'sync', cwd=self.workdir)
        self.assertEqual(1, result.returncode)
        self.assertIn('database is in a state', result.stderr)
