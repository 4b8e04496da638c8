"""A PATCH of a legacy image whose lazy store write fails still shows the
resolved store in its body: real glance-api on a real MariaDB, where a
trigger refuses every UPDATE of ``image_locations`` for a while."""

import json

import fixtures
import requests
import sqlalchemy as sa
import testtools

from tests.fixtures import server as server_fixtures
from tests.functional.db import base as db_base

PATCH_TYPE = 'application/openstack-images-v2.1-json-patch'
MULTI = """\
[DEFAULT]
enabled_backends = local:file

[glance_store]
default_backend = local

[local]
filesystem_store_datadir = {tmp}/images
"""
REFUSE = (
    'CREATE TRIGGER refuse_location_updates BEFORE UPDATE ON image_locations '
    "FOR EACH ROW SIGNAL SQLSTATE '45000' "
    "SET MESSAGE_TEXT = 'image_locations is read-only'"
)


class LazyWriteRefusedTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.database = self.useFixture(db_base.Database('mysql'))
        self.engine = sa.create_engine(self.database.url)
        self.addCleanup(self.engine.dispose)
        self.data_dir = self.useFixture(fixtures.TempDir()).path
        self.server = self.useFixture(
            server_fixtures.GlanceAPIServer(
                connection=self.database.url, data_dir=self.data_dir
            )
        )

    def sql(self, statement):
        with self.engine.begin() as connection:
            result = connection.execute(sa.text(statement))
            return result.fetchall() if result.returns_rows else None

    def location_metadata(self, image_id):
        [[meta_data]] = self.sql(
            "SELECT meta_data FROM image_locations WHERE image_id = '%s'"
            % image_id
        )
        return json.loads(meta_data)

    def test_patch_body_shows_stores_when_the_write_fails(self):
        url = self.server.url
        image = requests.post(
            url + '/v2/images',
            json={'disk_format': 'raw', 'container_format': 'bare'},
            timeout=30,
        ).json()
        uploaded = requests.put(
            '%s/v2/images/%s/file' % (url, image['id']),
            headers={'Content-Type': 'application/octet-stream'},
            data=b'legacy bytes',
            timeout=30,
        )
        self.assertEqual(204, uploaded.status_code, uploaded.text)
        self.assertEqual({}, self.location_metadata(image['id']))

        self.server.restart(stores_config=MULTI)
        self.sql(REFUSE)
        patched = requests.patch(
            '%s/v2/images/%s' % (self.server.url, image['id']),
            headers={'Content-Type': PATCH_TYPE},
            data=json.dumps([{'op': 'add', 'path': '/name', 'value': 'n'}]),
            timeout=30,
        )
        self.assertEqual(200, patched.status_code, patched.text)
        self.assertEqual(
            ('n', 'local'), (patched.json()['name'], patched.json()['stores'])
        )
        # The write really was refused: nothing recorded, the refusal
        # logged, and the next read tries again.
        self.assertEqual({}, self.location_metadata(image['id']))
        self.assertIn('Could not record the store', self.server.read_log())

        self.sql('DROP TRIGGER refuse_location_updates')
        shown = requests.get(
            '%s/v2/images/%s' % (self.server.url, image['id']), timeout=30
        )
        self.assertEqual('local', shown.json()['stores'])
        self.assertEqual(
            {'store': 'local'}, self.location_metadata(image['id'])
        )
