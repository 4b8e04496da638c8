"""glance-manage location update-stores, run as a real process."""

import contextlib
import json
import os
import pty
import sqlite3
import subprocess
import sys

import fixtures
import testtools

from glance import crypt
from glance.db import images as db_images
from glance.db import locations as db_locations
from glance.db import session
from tests.fixtures import server as server_fixtures
from tests.functional.db import base

DATABASE_CONFIG = """\
[DEFAULT]
node_staging_uri = file://{tmp}/staging
[database]
connection = {connection}
"""
MULTI_STORE_CONFIG = DATABASE_CONFIG + server_fixtures.MULTI_STORE
# Never contacted: the command only matches URLs against the prefix.
S3_STORE_CONFIG = (
    DATABASE_CONFIG
    + """\
[DEFAULT]
enabled_backends = cloud:s3

[glance_store]
default_backend = cloud

[cloud]
s3_store_host = http://127.0.0.1:9
s3_store_access_key = AKIA
s3_store_secret_key = s3/cr@t
s3_store_bucket = bucket
"""
)


class UpdateStoresTest(base.DBTestCase):
    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.useFixture(
            fixtures.EnvironmentVariable(
                'PYTHONPATH', server_fixtures.REPO_ROOT
            )
        )
        self.config = self.write_config(MULTI_STORE_CONFIG)

    def write_config(self, text):
        path = os.path.join(self.tmp, 'glance-api.conf')
        with open(path, 'w') as config:
            config.write(
                text.format(tmp=self.tmp, connection=self.database.url)
            )
        return path

    def run_command(self, *args, stderr=subprocess.PIPE):
        return subprocess.run(
            [sys.executable, '-m', 'glance.cmd.manage']
            + ['--config-file', self.config, 'location', 'update-stores']
            + list(args),
            cwd=self.tmp,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            check=False,
        )

    def run_on_terminal(self, *args):
        """The command with stderr on a pseudo-terminal, and what it wrote
        there."""
        main, terminal = pty.openpty()
        self.addCleanup(os.close, main)
        with os.fdopen(terminal, 'wb') as stderr:
            result = self.run_command(*args, stderr=stderr)
        shown = b''
        # Reading the drained side of a closed terminal raises EIO.
        with contextlib.suppress(OSError):
            while chunk := os.read(main, 4096):
                shown += chunk
        return result, shown.decode()

    def add_location(self, url, metadata):
        context = self.admin_context()
        image = db_images.create(context, {'status': 'active'})
        return db_locations.add(context, image.id, url, metadata).id

    def metadata(self):
        return {
            location.id: location.metadata
            for location in db_locations.get_batch(self.admin_context())
        }

    def urls(self):
        return {
            location.id: location.url
            for location in db_locations.get_batch(self.admin_context())
        }

    def test_updates_reports_and_is_idempotent(self):
        legacy = self.add_location('file://%s/fast/a' % self.tmp, {})
        renamed = self.add_location(
            'file://%s//cheap/./b' % self.tmp, {'store': 'old', 'id': 'x'}
        )
        self.add_location('file://%s/fast/c' % self.tmp, {'store': 'fast'})
        self.add_location('s3://AKIA:s3cr3t@host/bucket/d', {})
        elsewhere = self.add_location('file://%s/fast2/e' % self.tmp, {})
        before = self.metadata()

        dry = self.run_command('--dry-run')
        self.assertEqual(2, dry.returncode, dry.stderr)
        self.assertIn(
            '5 locations checked: 2 to update (dry run), 1 already '
            'correct, 2 unmatched',
            dry.stdout,
        )
        self.assertEqual(before, self.metadata())

        run = self.run_command('--batch-size', '2')
        self.assertEqual(2, run.returncode, run.stderr)
        self.assertIn('2 updated, 1 already correct, 2 unmatched', run.stdout)
        self.assertIn('s3://host/bucket/d', run.stdout)
        self.assertIn('/fast2/e', run.stdout)
        self.assertNotIn('s3cr3t', run.stdout + run.stderr)
        after = self.metadata()
        self.assertEqual({'store': 'fast'}, after[legacy])
        self.assertEqual({'store': 'cheap', 'id': 'x'}, after[renamed])
        self.assertEqual({}, after[elsewhere])

        again = self.run_command()
        self.assertEqual(2, again.returncode, again.stderr)
        self.assertIn('0 updated, 3 already correct', again.stdout)
        self.assertEqual(after, self.metadata())

    def test_exits_0_when_every_location_has_a_store(self):
        self.add_location('file://%s/cheap/a' % self.tmp, {})
        result = self.run_command()
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertIn(
            '1 updated, 0 already correct, 0 unmatched', result.stdout
        )

    def test_legacy_s3_urls_lose_their_credentials(self):
        self.config = self.write_config(S3_STORE_CONFIG)
        legacy = 's3://AKIA:s3/cr@t@127.0.0.1:9/bucket/'
        ids = [
            self.add_location(legacy + 'a', {}),
            self.add_location(legacy + 'b', {'store': 'cloud'}),
        ]
        before = self.urls()

        dry = self.run_command('--dry-run')
        self.assertEqual(0, dry.returncode, dry.stderr)
        self.assertIn('2 to update (dry run), 0 already correct', dry.stdout)
        self.assertEqual(before, self.urls())

        run = self.run_command()
        self.assertEqual(0, run.returncode, run.stderr)
        self.assertIn('2 updated, 0 already correct', run.stdout)
        self.assertNotIn('s3/cr@t', run.stdout + run.stderr)
        self.assertEqual(
            {
                ids[0]: 's3://127.0.0.1:9/bucket/a',
                ids[1]: 's3://127.0.0.1:9/bucket/b',
            },
            self.urls(),
        )
        self.assertEqual(
            [{'store': 'cloud'}] * 2, list(self.metadata().values())
        )

        again = self.run_command()
        self.assertIn('0 updated, 2 already correct', again.stdout)

    def test_progress_bar_on_a_terminal_only(self):
        for name in 'abc':
            self.add_location('file://%s/fast/%s' % (self.tmp, name), {})
        plain = self.run_command('--dry-run')
        self.assertEqual('', plain.stderr)

        result, shown = self.run_on_terminal('--batch-size', '2')
        self.assertEqual(0, result.returncode, shown)
        self.assertIn(' 66% 2/3 locations, ', shown)
        self.assertIn('] 100% 3/3 locations, ', shown)
        self.assertIn('3 updated, 0 already correct', result.stdout)

    def test_single_store_config_is_an_error(self):
        self.config = self.write_config(DATABASE_CONFIG)
        result = self.run_command()
        self.assertEqual(1, result.returncode)
        self.assertIn('enabled_backends is not set', result.stderr)


class UpdateStoresMySQLTest(base.MySQLMixin, UpdateStoresTest):
    pass


class UpdateStoresPostgreSQLTest(base.PostgreSQLMixin, UpdateStoresTest):
    pass


class NoConfigFileTest(testtools.TestCase):
    """glance-manage without a config file manages what glance-api's
    embedded default serves, from the same directory."""

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        # No glance-api.conf in ~ or ~/.glance either.
        self.environ = dict(
            os.environ, HOME=self.tmp, PYTHONPATH=server_fixtures.REPO_ROOT
        )

    def manage(self, *args):
        return subprocess.run(
            [sys.executable, '-m', 'glance.cmd.manage'] + list(args),
            cwd=self.tmp,
            env=self.environ,
            capture_output=True,
            text=True,
            check=False,
        )

    def add_legacy_location(self, database, url):
        with sqlite3.connect(database) as connection:
            connection.execute(
                'INSERT INTO images (id, status, visibility, min_disk, '
                'min_ram, protected, os_hidden, created_at, deleted) '
                "VALUES ('i1', 'active', 'shared', 0, 0, 0, 0, "
                "'2020-01-01 00:00:00', 0)"
            )
            connection.execute(
                'INSERT INTO image_locations (image_id, value, meta_data, '
                "status, created_at, deleted) VALUES ('i1', ?, '{}', "
                "'active', '2020-01-01 00:00:00', 0)",
                (url,),
            )

    def test_update_stores_uses_the_embedded_default(self):
        sync = self.manage('db', 'sync')
        self.assertEqual(0, sync.returncode, sync.stderr)
        data = os.path.join(self.tmp, 'data')
        database = os.path.join(data, 'glance.sqlite')
        self.add_legacy_location(database, 'file://%s/cheap/i1' % data)

        result = self.manage('location', 'update-stores')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertIn(
            '1 updated, 0 already correct, 0 unmatched', result.stdout
        )
        with sqlite3.connect(database) as connection:
            (meta,) = connection.execute(
                'SELECT meta_data FROM image_locations'
            ).fetchone()
        self.assertEqual({'store': 'cheap'}, json.loads(meta))

    def test_bad_usage_exits_1_not_2(self):
        # 2 is reserved for "unmatched locations left".
        result = self.manage('location', 'update-stores', '--batch-size', '0')
        self.assertEqual(1, result.returncode)
        self.assertIn('expected a whole number above 0', result.stderr)
        self.assertEqual(1, self.manage('no-such-group').returncode)
        self.assertEqual(0, self.manage('--help').returncode)


class EncryptedUpdateStoresTest(base.DBTestCase):
    """With metadata_encryption_key the command matches the decrypted URL
    and leaves the row encrypted."""

    KEY = 'k' * 16
    write_config = UpdateStoresTest.write_config
    run_command = UpdateStoresTest.run_command
    add_location = UpdateStoresTest.add_location
    metadata = UpdateStoresTest.metadata

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.useFixture(
            fixtures.EnvironmentVariable(
                'PYTHONPATH', server_fixtures.REPO_ROOT
            )
        )
        self.config = self.write_config(
            MULTI_STORE_CONFIG
            + '[DEFAULT]\nmetadata_encryption_key = %s\n' % self.KEY
        )
        db_locations.set_encryption_key(self.KEY)
        self.addCleanup(db_locations.set_encryption_key, None)

    def test_encrypted_rows_matched_and_kept_encrypted(self):
        url = 'file://%s/fast/a' % self.tmp
        legacy = self.add_location(url, {})
        run = self.run_command()
        self.assertEqual(0, run.returncode, run.stdout + run.stderr)
        self.assertIn('1 updated', run.stdout)
        self.assertEqual({'store': 'fast'}, self.metadata()[legacy])
        with session.get_engine().connect() as connection:
            stored = connection.execute(
                db_locations.LOCATIONS.select().where(
                    db_locations.LOCATIONS.c.id == legacy
                )
            ).one()
        self.assertNotIn('file:', stored.value)
        self.assertEqual(url, crypt.urlsafe_decrypt(self.KEY, stored.value))
