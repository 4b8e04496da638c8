"""glance-manage's upstream commands, as real processes, on every engine:
the rolling-upgrade phases with upstream's exit codes, upstream's one-word
spellings, purge."""

import datetime
import os
import subprocess
import sys

import fixtures
import sqlalchemy as sa
import testtools

from glance.db import migration
from tests.functional.db import base

REPO_ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
)
OLD = datetime.datetime(2020, 1, 1)


class ManageCommandTests:
    BACKEND = 'sqlite'

    def setUp(self):
        super().setUp()
        self.connection = self.useFixture(base.Database(self.BACKEND)).url
        self.engine = sa.create_engine(self.connection)
        self.addCleanup(self.engine.dispose)
        self.workdir = self.useFixture(fixtures.TempDir()).path
        self.config = os.path.join(self.workdir, 'glance-api.conf')
        with open(self.config, 'w') as conf:
            conf.write('[database]\nconnection = %s\n' % self.connection)

    def manage(self, *args):
        return subprocess.run(
            [sys.executable, '-m', 'glance.cmd.manage']
            + ['--config-file', self.config]
            + list(args),
            cwd=self.workdir,
            env=dict(os.environ, PYTHONPATH=REPO_ROOT),
            capture_output=True,
            text=True,
            check=False,
        )

    def assertExits(self, code, result, text=None):
        self.assertEqual(
            code, result.returncode, result.stdout + result.stderr
        )
        if text is not None:
            self.assertIn(text, result.stdout + result.stderr)

    def execute(self, *statements):
        with self.engine.begin() as connection:
            for statement, params in statements:
                connection.execute(sa.text(statement), params)

    def test_rolling_upgrade_phases_and_check_exit_codes(self):
        self.assertExits(
            0, self.manage('db_version'), 'not under migration control'
        )
        self.assertExits(3, self.manage('db', 'check'), 'db expand')
        self.assertExits(1, self.manage('db', 'migrate'), 'db expand')
        self.assertExits(1, self.manage('db', 'contract'), 'db expand')
        self.assertExits(0, self.manage('db', 'expand'), 'Upgraded database')
        self.assertExits(
            0, self.manage('db_version'), migration.heads().split(',')[0]
        )
        self.assertExits(0, self.manage('db', 'expand'), 'No expansion needed')

        # A pre-Train location: the data migration is next.
        self.execute(*_image_with_backend_key())
        self.assertExits(4, self.manage('db', 'check'), 'db migrate')
        self.assertExits(1, self.manage('db', 'contract'), 'db migrate')
        self.assertExits(0, self.manage('db', 'migrate'), 'Migrated 1 rows')

        # Contract records upstream's head revision for its glance-manage.
        self.assertExits(5, self.manage('db', 'check'), 'db contract')
        self.assertExits(0, self.manage('db', 'contract'))
        self.assertEqual(
            migration.UPSTREAM_HEAD, migration.upstream_version(self._conf())
        )
        self.assertExits(0, self.manage('db_check'), 'No upgrades needed')
        self.assertExits(
            0, self.manage('db_sync'), 'Database is up to date. No migrations'
        )

    def test_purge_old_soft_deleted_rows_images_last(self):
        self.assertExits(0, self.manage('db', 'sync'))
        now = datetime.datetime.utcnow()
        self.execute(
            *_image('old', deleted_at=OLD),
            *_image('old2', deleted_at=OLD),
            *_image('recent', deleted_at=now),
            *_image('live', deleted_at=None),
            *_task('old-task', deleted_at=OLD),
        )
        self.assertExits(1, self.manage('db', 'purge', '--age_in_days', '-1'))
        self.assertExits(1, self.manage('db', 'purge', '--max_rows', '-2'))

        self.assertExits(0, self.manage('db', 'purge', '--max_rows', '1'))
        self.assertEqual(
            {'images': 4, 'image_properties': 3, 'image_tags': 3, 'tasks': 0},
            self._counts(),
        )
        self.assertExits(0, self.manage('db', 'purge', '--age_in_days', '30'))
        self.assertEqual(
            {'images': 4, 'image_properties': 2, 'image_tags': 2, 'tasks': 0},
            self._counts(),
        )
        self.assertEqual(0, self._count('task_info'))
        # purge never touches images rows; purge_images_table does.
        self.assertExits(
            0,
            self.manage(
                'db_purge_images_table',
                '--age_in_days',
                '30',
                '--max_rows',
                '-1',
            ),
            'Purged 2 row(s) from images',
        )
        self.assertEqual(
            ['live', 'recent'],
            sorted(
                row[0]
                for row in self._rows('SELECT id FROM images ORDER BY id')
            ),
        )

    def _conf(self):
        return base.make_conf(self.connection)

    def _rows(self, query):
        with self.engine.connect() as connection:
            return connection.execute(sa.text(query)).all()

    def _count(self, table):
        return self._rows('SELECT COUNT(*) FROM %s' % table)[0][0]

    def _counts(self):
        return {
            table: self._count(table)
            for table in ('images', 'image_properties', 'image_tags', 'tasks')
        }


def _image(image_id, deleted_at):
    deleted = deleted_at is not None
    stamps = {
        'id': image_id,
        'created': OLD,
        'deleted': deleted,
        'deleted_at': deleted_at,
    }
    return [
        (
            'INSERT INTO images (id, status, min_disk, min_ram, protected, '
            'visibility, os_hidden, created_at, deleted_at, deleted) VALUES '
            "(:id, 'deleted', 0, 0, false, 'shared', false, :created, "
            ':deleted_at, :deleted)',
            stamps,
        ),
        (
            'INSERT INTO image_properties (image_id, name, value, '
            "created_at, deleted_at, deleted) VALUES (:id, 'k', 'v', "
            ':created, :deleted_at, :deleted)',
            stamps,
        ),
        (
            'INSERT INTO image_tags (image_id, value, created_at, '
            "deleted_at, deleted) VALUES (:id, 't', :created, :deleted_at, "
            ':deleted)',
            stamps,
        ),
    ]


def _task(task_id, deleted_at):
    stamps = {'id': task_id, 'created': OLD, 'deleted_at': deleted_at}
    return [
        (
            'INSERT INTO tasks (id, type, status, owner, created_at, '
            "deleted_at, deleted) VALUES (:id, 'import', 'success', 'p1', "
            ':created, :deleted_at, true)',
            stamps,
        ),
        (
            "INSERT INTO task_info (task_id, input) VALUES (:id, '{}')",
            stamps,
        ),
    ]


def _image_with_backend_key():
    stamps = {'id': 'legacy', 'created': OLD}
    return [
        (
            'INSERT INTO images (id, status, min_disk, min_ram, protected, '
            'visibility, os_hidden, created_at, deleted) VALUES '
            "(:id, 'active', 0, 0, false, 'public', false, :created, false)",
            stamps,
        ),
        (
            'INSERT INTO image_locations (image_id, value, meta_data, '
            'status, created_at, deleted) VALUES (:id, '
            "'file:///var/lib/glance/images/legacy', '{\"backend\": "
            "\"fast\"}', 'active', :created, false)",
            stamps,
        ),
    ]


class TestManageCommandsSQLite(ManageCommandTests, testtools.TestCase):
    # Parsing only: one engine is enough.
    def test_upstream_spellings(self):
        self.assertExits(
            0, self.manage('db_sync'), 'Database is synced successfully.'
        )
        for spelling in (('db_upgrade',), ('db', 'upgrade'), ('db_migrate',)):
            self.assertExits(0, self.manage(*spelling), 'up to date')
        empty = self.useFixture(fixtures.TempDir()).path
        self.assertExits(
            0,
            self.manage('db_load_metadefs', '--path', empty),
            '0 metadata definition files read',
        )
        self.assertExits(
            0, self.manage('db_unload_metadefs'), 'Removed 0 metadata'
        )
        self.assertExits(
            0,
            self.manage('db_export_metadefs', '--path', empty),
            '0 namespaces exported',
        )


class TestManageCommandsMySQL(
    ManageCommandTests, base.MySQLMixin, testtools.TestCase
):
    pass


class TestManageCommandsPostgreSQL(
    ManageCommandTests, base.PostgreSQLMixin, testtools.TestCase
):
    pass
