"""The two-way door: a database goes from upstream Glance 33 to ours and
back, on SQLite, MariaDB and PostgreSQL. Upstream's glance-manage and API
come from PyPI (tools/backends/upstream-glance.sh); ours are the real
processes.
"""

import os
import subprocess
import sys

import fixtures
import requests
import sqlalchemy as sa
import testtools

from tests.fixtures import server
from tests.fixtures import upstream_glance
from tests.functional.db import base

HEADERS = upstream_glance.HEADERS


def create_image(url, data):
    created = requests.post(
        url + '/v2/images',
        json={
            'name': 'door',
            'disk_format': 'raw',
            'container_format': 'bare',
        },
        headers=HEADERS,
        timeout=30,
    )
    created.raise_for_status()
    image_id = created.json()['id']
    uploaded = requests.put(
        '%s/v2/images/%s/file' % (url, image_id),
        data=data,
        headers=dict(HEADERS, **{'Content-Type': 'application/octet-stream'}),
        timeout=30,
    )
    uploaded.raise_for_status()
    return image_id


def download(url, image_id):
    response = requests.get(
        '%s/v2/images/%s/file' % (url, image_id), headers=HEADERS, timeout=30
    )
    response.raise_for_status()
    return response.content


def image_ids(url):
    response = requests.get(url + '/v2/images', headers=HEADERS, timeout=30)
    response.raise_for_status()
    return {image['id'] for image in response.json()['images']}


def schema(url):
    """Table -> column names, as the database has them."""
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        return {
            table: sorted(c['name'] for c in inspector.get_columns(table))
            for table in inspector.get_table_names()
        }
    finally:
        engine.dispose()


class UpstreamDoorTests:
    BACKEND = 'sqlite'

    def setUp(self):
        super().setUp()
        upstream_glance.skip_unless_installed()
        self.connection = self.useFixture(base.Database(self.BACKEND)).url
        self.data = self.useFixture(fixtures.TempDir()).path
        self.upstream = self.useFixture(
            upstream_glance.UpstreamGlance(self.connection, self.data)
        )

    def our_manage(self, *args):
        tmp = self.useFixture(fixtures.TempDir()).path
        path = os.path.join(tmp, 'glance-api.conf')
        with open(path, 'w') as conf:
            conf.write('[database]\nconnection = %s\n' % self.connection)
        return subprocess.run(
            [sys.executable, '-m', 'glance.cmd.manage', '--config-file', path]
            + list(args),
            cwd=tmp,
            env=dict(os.environ, PYTHONPATH=server.REPO_ROOT),
            capture_output=True,
            text=True,
            check=False,
        )

    def assertSucceeded(self, result):
        self.assertEqual(0, result.returncode, result.stdout + result.stderr)

    def test_upstream_to_ours_and_back(self):
        self.assertSucceeded(self.upstream.manage('db_sync'))
        self.upstream.start()
        theirs = create_image(self.upstream.url, b'written by upstream')
        self.upstream.stop()

        ours = server.GlanceAPIServer(
            multi_store=True, data_dir=self.data, connection=self.connection
        )
        self.useFixture(ours)
        self.assertEqual(b'written by upstream', download(ours.url, theirs))
        mine = create_image(ours.url, b'written by us')
        ours.stop()

        synced = self.upstream.manage('db_sync')
        self.assertSucceeded(synced)
        self.assertIn('Database is up to date', synced.stdout)
        self.assertSucceeded(self.upstream.manage('db', 'check'))
        self.upstream.start()
        self.assertEqual({theirs, mine}, image_ids(self.upstream.url))
        self.assertEqual(b'written by us', download(self.upstream.url, mine))

    def test_built_by_ours_then_upstream(self):
        ours = server.GlanceAPIServer(
            multi_store=True, data_dir=self.data, connection=self.connection
        )
        self.useFixture(ours)
        mine = create_image(ours.url, b'from an empty database')
        ours.stop()

        synced = self.upstream.manage('db_sync')
        self.assertSucceeded(synced)
        self.assertIn('Database is up to date', synced.stdout)
        self.upstream.start()
        self.assertEqual(
            b'from an empty database', download(self.upstream.url, mine)
        )

    def test_older_upstream_schema_reaches_upstream_head(self):
        # Ussuri's schema lacks the task columns of Wallaby and the cache
        # tables of 2024.1: ours adds them, and upstream's glance-manage
        # then finds its head schema, as if it had migrated it itself.
        self.assertSucceeded(
            self.upstream.manage(
                'db', 'upgrade', '--version', 'ussuri_contract01'
            )
        )
        self.assertSucceeded(self.our_manage('db', 'sync'))
        self.assertSucceeded(self.upstream.manage('db_sync'))
        version = self.upstream.manage('db_version')
        self.assertEqual('2024_1_contract01\n', version.stdout)

        reference = self.useFixture(base.Database(self.BACKEND)).url
        fresh = upstream_glance.UpstreamGlance(reference, self.data)
        self.assertSucceeded(self.useFixture(fresh).manage('db_sync'))
        adopted = schema(self.connection)
        self.assertEqual(['version_num'], adopted.pop('glance_fork_version'))
        self.assertEqual(schema(reference), adopted)


class TestUpstreamDoorSQLite(UpstreamDoorTests, testtools.TestCase):
    pass


class TestUpstreamDoorMySQL(
    UpstreamDoorTests, base.MySQLMixin, testtools.TestCase
):
    pass


class TestUpstreamDoorPostgreSQL(
    UpstreamDoorTests, base.PostgreSQLMixin, testtools.TestCase
):
    pass
