"""The upgrade story against the real glance-api process.

Images uploaded under a legacy single-store config get their store
recorded when read after the switch to multi-store, and again after a
store is renamed.
"""

import json
import os
import sqlite3

import requests
import testtools

from tests.fixtures import server as server_fixtures
from tests.functional.api import base

# 'fast' (or, renamed, 'ssd') keeps the legacy store's directory.
MULTI = """\
[DEFAULT]
enabled_backends = {old}:file, cheap:file

[glance_store]
default_backend = {old}

[{old}]
filesystem_store_datadir = {{tmp}}/images

[cheap]
filesystem_store_datadir = {{tmp}}/cheap
"""
DATA = b'legacy image bytes'


class LazyUpdateStoryTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.server = self.useFixture(server_fixtures.GlanceAPIServer())
        self.database = os.path.join(self.server.tmp, 'glance.sqlite')

    def request(self, method, path, headers=None, **kwargs):
        response = requests.request(
            method,
            self.server.url + path,
            headers=headers,
            timeout=30,
            **kwargs,
        )
        self.assertLess(response.status_code, 300, response.text)
        return response

    def upload_image(self, headers, **values):
        image = self.request('POST', '/v2/images', headers, json=values).json()
        self.request(
            'PUT',
            '/v2/images/%s/file' % image['id'],
            dict(headers, **{'Content-Type': 'application/octet-stream'}),
            data=DATA,
        )
        return image['id']

    def sql(self, statement, *args):
        with sqlite3.connect(self.database) as connection:
            return connection.execute(statement, args).fetchall()

    def metadata_by_image(self):
        """{image id: [location metadata, in row order]}."""
        found = {}
        rows = self.sql(
            'SELECT image_id, meta_data FROM image_locations ORDER BY id'
        )
        for image_id, meta in rows:
            found.setdefault(image_id, []).append(json.loads(meta))
        return found

    def snapshot(self):
        """Everything the lazy update could touch, row by row."""
        return (
            self.sql('SELECT * FROM image_locations ORDER BY id'),
            self.sql('SELECT id, updated_at FROM images ORDER BY id'),
        )

    def add_foreign_location(self, image_id, url):
        self.sql(
            'INSERT INTO image_locations (image_id, value, meta_data, '
            'status, created_at, updated_at, deleted) VALUES '
            "(?, ?, '{}', 'active', '2020-01-01 00:00:00', "
            "'2020-01-01 00:00:00', 0)",
            image_id,
            url,
        )

    def test_upgrade_then_rename(self):
        # Legacy single-store deployment: locations name no store.
        first = self.upload_image(base.OWNER, name='first')
        second = self.upload_image(base.OWNER, name='second')
        public = self.upload_image(base.ADMIN, visibility='public')
        foreign = self.upload_image(base.OWNER, name='foreign')
        self.add_foreign_location(foreign, 'file:///elsewhere/foreign')
        images_before = self.sql('SELECT id, updated_at FROM images')
        legacy = {first: [{}], second: [{}], public: [{}], foreign: [{}, {}]}
        self.assertEqual(legacy, self.metadata_by_image())
        fast = {'store': 'fast'}

        self.server.restart(stores_config=MULTI.format(old='fast'))
        shown = self.request('GET', '/v2/images/' + first, base.OWNER).json()
        self.assertEqual('fast', shown['stores'])
        self.assertEqual(
            dict(legacy, **{first: [fast]}), self.metadata_by_image()
        )

        # A reader who does not own the image fixes it for everyone.
        shown = self.request('GET', '/v2/images/' + public, base.OTHER).json()
        self.assertEqual('fast', shown['stores'])
        self.assertEqual([fast], self.metadata_by_image()[public])

        # A list records every remaining store in one write; the location
        # outside every store stays as it was, and no image row changes.
        listed = self.request('GET', '/v2/images', base.ADMIN).json()
        self.assertEqual(
            {'fast'}, {image.get('stores') for image in listed['images']}
        )
        self.assertIn(
            'Recorded the store of 2 image location(s)',
            self.server.read_log(),
        )
        self.assertEqual(
            {
                first: [fast],
                second: [fast],
                public: [fast],
                foreign: [fast, {}],
            },
            self.metadata_by_image(),
        )
        self.assertEqual(
            images_before, self.sql('SELECT id, updated_at FROM images')
        )

        # Steady state: reads write nothing, the stray URL is logged once.
        before = self.snapshot()
        self.request('GET', '/v2/images', base.ADMIN)
        self.request('GET', '/v2/images/' + foreign, base.OWNER)
        self.assertEqual(before, self.snapshot())
        log = self.server.read_log()
        self.assertEqual(1, log.count('file:///elsewhere/foreign'))
        self.assertEqual(3, log.count('Recorded the store of'))

        # Renaming a store: its locations follow on the next read.
        self.server.restart(stores_config=MULTI.format(old='ssd'))
        listed = self.request('GET', '/v2/images', base.ADMIN).json()
        self.assertEqual(
            {'ssd'}, {image.get('stores') for image in listed['images']}
        )
        ssd = {'store': 'ssd'}
        self.assertEqual(
            {first: [ssd], second: [ssd], public: [ssd], foreign: [ssd, {}]},
            self.metadata_by_image(),
        )
        body = self.request('GET', '/v2/images/%s/file' % second, base.OWNER)
        self.assertEqual(DATA, body.content)
