"""Legacy credentialed s3 locations through the upgrade, end to end.

Upstream glance_store wrote ``s3://<access>:<secret>@<host>/<bucket>/<id>``
into the database. A legacy single-store s3 deployment with such rows is
served without ever showing the keys, then switched to multi-store: reads
record the store and strip the keys from the rows. Real glance-api, real
moto S3 server, and every response body and log line searched for the keys.
"""

import json
import os
import sqlite3

import requests
import testtools

from tests.fixtures import s3_server
from tests.fixtures import server as server_fixtures
from tests.functional.api import base

ACCESS_KEY = 'AKIAUPGRADE0TEST0KEY'
SECRET_KEY = 'uPgr4de/S3cr3t+Key/0fTheLegacyDeployment'
BUCKET = 'glance'

S3_OPTIONS = """\
s3_store_host = {endpoint}
s3_store_access_key = %s
s3_store_secret_key = %s
s3_store_bucket = %s
""" % (ACCESS_KEY, SECRET_KEY, BUCKET)

SHOW_EVERYTHING = {
    'debug': 'true',
    'show_multiple_locations': 'true',
    'show_image_direct_url': 'true',
}

LEGACY = (
    """\
[glance_store]
stores = s3
default_store = s3
"""
    + S3_OPTIONS
)

MULTI = (
    """\
[DEFAULT]
enabled_backends = cloud:s3

[glance_store]
default_backend = cloud

[cloud]
"""
    + S3_OPTIONS
)


class S3UpgradeTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.s3 = self.useFixture(s3_server.MotoS3Server())
        self.s3.client().create_bucket(Bucket=BUCKET)
        self.host = self.s3.endpoint.removeprefix('http://')
        self.server = self.useFixture(
            server_fixtures.GlanceAPIServer(
                options=SHOW_EVERYTHING,
                stores_config=LEGACY.format(endpoint=self.s3.endpoint),
            )
        )
        self.database = os.path.join(self.server.tmp, 'glance.sqlite')
        self.bodies = []

    def request(self, method, path, headers=base.ADMIN, **kwargs):
        """Any response; its body is kept for the credential search."""
        response = requests.request(
            method,
            self.server.url + path,
            headers=headers,
            timeout=30,
            **kwargs,
        )
        self.bodies.append(response.text)
        return response

    def upload(self, data, headers=base.OWNER, **values):
        created = self.request('POST', '/v2/images', headers, json=values)
        self.assertEqual(201, created.status_code, created.text)
        image_id = created.json()['id']
        uploaded = self.request(
            'PUT',
            '/v2/images/%s/file' % image_id,
            dict(headers, **{'Content-Type': 'application/octet-stream'}),
            data=data,
        )
        self.assertEqual(204, uploaded.status_code, uploaded.text)
        return image_id

    def sql(self, statement, *args):
        with sqlite3.connect(self.database) as connection:
            return connection.execute(statement, args).fetchall()

    def rows(self):
        """{image id: (url, metadata)} of every active location row."""
        found = self.sql(
            'SELECT image_id, value, meta_data FROM image_locations '
            "WHERE status = 'active'"
        )
        return {image: (url, json.loads(meta)) for image, url, meta in found}

    def write_upstream_urls(self):
        """Rewrite every location row as upstream glance_store wrote it."""
        for image_id in self.rows():
            self.sql(
                'UPDATE image_locations SET value = ? WHERE image_id = ?',
                self.legacy_url(image_id),
                image_id,
            )

    def legacy_url(self, image_id):
        return 's3://%s:%s@%s/%s/%s' % (
            ACCESS_KEY,
            SECRET_KEY,
            self.host,
            BUCKET,
            image_id,
        )

    def clean_url(self, image_id):
        return 's3://%s/%s/%s' % (self.host, BUCKET, image_id)

    def download(self, image_id):
        response = self.request('GET', '/v2/images/%s/file' % image_id)
        self.assertEqual(200, response.status_code, response.text)
        return response.content

    def assert_shown_without_keys(self, shown, image_id):
        self.assertEqual(self.clean_url(image_id), shown['direct_url'])
        self.assertEqual(
            [self.clean_url(image_id)],
            [location['url'] for location in shown['locations']],
        )

    def assert_keys_never_shown(self):
        logs = self.server.read_log() + self.server.read_output()
        self.assertIn('DEBUG', logs)  # debug logging was on
        for key in (ACCESS_KEY, SECRET_KEY):
            self.assertFalse(
                [body for body in self.bodies if key in body],
                'a response body holds a key',
            )
            self.assertFalse(
                [line for line in logs.splitlines() if key in line],
                'a glance-api log line holds a key',
            )

    def upload_legacy_images(self):
        """Images as upstream left them: {name: (id, bytes)}."""
        images = {
            name: (self.upload(data, headers, name=name, **values), data)
            for name, data, headers, values in (
                ('first', b'first image bytes' * 1000, base.OWNER, {}),
                ('second', b'second image bytes', base.OWNER, {}),
                ('public', b'public', base.ADMIN, {'visibility': 'public'}),
            )
        }
        self.assertEqual(
            {self.clean_url(i) for i, _ in images.values()},
            {
                url.replace('s3+http://', 's3://')
                for url, _ in self.rows().values()
            },
        )
        self.write_upstream_urls()
        self.assertEqual(
            {i: (self.legacy_url(i), {}) for i, _ in images.values()},
            self.rows(),
        )
        return images

    def test_single_store_mode_never_shows_the_keys(self):
        images = self.upload_legacy_images()
        legacy_rows = self.rows()
        first, _ = images['first']
        shown = self.request('GET', '/v2/images/' + first).json()
        self.assert_shown_without_keys(shown, first)
        listed = self.request('GET', '/v2/images').json()['images']
        self.assertEqual(3, len(listed))
        for image in listed:
            self.assert_shown_without_keys(image, image['id'])
        for image_id, data in images.values():
            self.assertEqual(data, self.download(image_id))
        # Legacy mode leaves the rows alone.
        self.assertEqual(legacy_rows, self.rows())

        # Nor do error bodies: data missing from the bucket, a refused
        # credentialed location.
        self.s3.client().delete_object(Bucket=BUCKET, Key=first)
        gone = self.request('GET', '/v2/images/%s/file' % first)
        self.assertEqual(404, gone.status_code, gone.text)
        refused = self.request(
            'PATCH',
            '/v2/images/' + first,
            {'Content-Type': 'application/openstack-images-v2.1-json-patch'},
            data=json.dumps(
                [
                    {
                        'op': 'add',
                        'path': '/locations/-',
                        'value': {
                            'url': self.legacy_url('no-such-object'),
                            'metadata': {},
                        },
                    }
                ]
            ),
        )
        self.assertEqual(400, refused.status_code, refused.text)
        self.assert_keys_never_shown()

    def test_reads_after_the_upgrade_strip_the_keys_from_the_rows(self):
        images = self.upload_legacy_images()
        legacy_rows = self.rows()
        images_before = self.sql('SELECT id, updated_at FROM images')
        self.server.restart(
            stores_config=MULTI.format(endpoint=self.s3.endpoint)
        )
        cloud = {'store': 'cloud'}

        # A GET records the store and strips the keys of that image's row.
        first, _ = images['first']
        shown = self.request('GET', '/v2/images/' + first).json()
        self.assertEqual('cloud', shown['stores'])
        self.assert_shown_without_keys(shown, first)
        expected = dict(legacy_rows, **{first: (self.clean_url(first), cloud)})
        self.assertEqual(expected, self.rows())

        # A list does the rest; no image row changes, all data reads.
        listed = self.request('GET', '/v2/images').json()
        self.assertEqual(
            {'cloud'}, {image['stores'] for image in listed['images']}
        )
        self.assertEqual(
            {i: (self.clean_url(i), cloud) for i, _ in images.values()},
            self.rows(),
        )
        self.assertEqual(
            images_before, self.sql('SELECT id, updated_at FROM images')
        )
        for image_id, data in images.values():
            self.assertEqual(data, self.download(image_id))

        # Steady state: reads write nothing more.
        after = self.sql('SELECT * FROM image_locations')
        self.request('GET', '/v2/images')
        self.request('GET', '/v2/images/' + first)
        self.assertEqual(after, self.sql('SELECT * FROM image_locations'))
        self.assert_keys_never_shown()

    def test_urls_of_earlier_versions_get_their_store(self):
        # New rows are in upstream's form; s3+http rows written by earlier
        # versions of ours are read and attributed to the store too.
        image_id = self.upload(b'written by an earlier version')
        self.assertEqual(
            {image_id: (self.clean_url(image_id), {})}, self.rows()
        )
        former = self.clean_url(image_id).replace('s3://', 's3+http://')
        self.sql(
            'UPDATE image_locations SET value = ? WHERE image_id = ?',
            former,
            image_id,
        )
        self.server.restart(
            stores_config=MULTI.format(endpoint=self.s3.endpoint)
        )
        shown = self.request('GET', '/v2/images/' + image_id).json()
        self.assertEqual('cloud', shown['stores'])
        self.assertEqual({image_id: (former, {'store': 'cloud'})}, self.rows())
        self.assertEqual(
            b'written by an earlier version', self.download(image_id)
        )
