"""A store that is down answers 503 with a message, never 500, and leaves
the other stores serving: real glance-api, a real HTTP server that is
really stopped, moto's real S3 server really stopped."""

from tests.fixtures import byte_server
from tests.fixtures import s3_server
from tests.fixtures import server as server_fixtures
from tests.functional.api import base

BUCKET = 'glance'
STORES = """\
[DEFAULT]
enabled_backends = fast:file, cloud:s3, web:http

[glance_store]
default_backend = fast

[fast]
filesystem_store_datadir = {{tmp}}/fast

[cloud]
s3_store_host = {endpoint}
s3_store_access_key = %s
s3_store_secret_key = %s
s3_store_bucket = %s
""" % (s3_server.ANY_ACCESS_KEY, s3_server.ANY_SECRET_KEY, BUCKET)


class StoreOutageTest(base.ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.s3 = s3_server.MotoS3Server()
        cls.s3.setUp()
        cls.s3.client().create_bucket(Bucket=BUCKET)
        cls.s3_stopped = False
        cls.server_args = {
            'options': {'show_multiple_locations': 'true'},
            'stores_config': STORES.format(endpoint=cls.s3.endpoint),
            'extra_config': byte_server.ALLOW_LOCAL,
        }
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        if not cls.s3_stopped:
            cls.s3.cleanUp()

    def test_http_location_whose_server_is_down_is_503(self):
        source = byte_server.ByteServer(b'web bytes')
        source.setUp()
        url = source.url('/img')
        source.cleanUp()  # the server is stopped: nothing listens there
        image = self.create_image(headers=base.ADMIN)
        response = self.add_location(image['id'], url)
        self.assertEqual(503, response.status_code, response.text)
        self.assertIn('unavailable', response.text)
        after = self.request('GET', '/v2/images/' + image['id']).json()
        self.assertEqual(('queued', []), (after['status'], after['locations']))

    def test_store_copy_delete_on_a_store_that_is_down_is_503(self):
        image = self.create_image(
            headers=base.ADMIN, disk_format='raw', container_format='bare'
        )
        path = '/v2/images/%s' % image['id']
        uploaded = self.request(
            'PUT',
            path + '/file',
            {'Content-Type': 'application/octet-stream'},
            data=b'in two stores',
        )
        self.assertEqual(204, uploaded.status_code, uploaded.text)
        copied = self.request(
            'POST',
            path + '/import',
            json={'method': {'name': 'copy-image'}, 'stores': ['cloud']},
        )
        self.assertEqual(202, copied.status_code, copied.text)
        imported = self.wait_for_import(image['id'])
        self.assertEqual('fast,cloud', imported['stores'])
        type(self).s3_stopped = True
        self.s3.cleanUp()  # moto's server is stopped
        deleted = self.request('DELETE', '/v2/stores/cloud/' + image['id'])
        self.assertEqual(503, deleted.status_code, deleted.text)
        self.assertIn('unavailable', deleted.text)
        after = self.request('GET', path).json()
        self.assertEqual('fast,cloud', after['stores'])
        # The store that is up still serves the image.
        data = self.request('GET', path + '/file')
        self.assertEqual(b'in two stores', data.content)


class LegacyHttpOutageTest(base.ServerTestCase):
    """Single-store mode (``stores = file, http``): the same 503."""

    server_args = {
        'options': {'show_multiple_locations': 'true'},
        'stores_config': server_fixtures.LEGACY_STORE,
        'extra_config': byte_server.ALLOW_LOCAL,
    }

    def test_http_location_whose_server_is_down_is_503(self):
        source = byte_server.ByteServer(b'web bytes')
        source.setUp()
        url = source.url('/img')
        source.cleanUp()
        image = self.create_image(headers=base.ADMIN)
        response = self.add_location(image['id'], url)
        self.assertEqual(503, response.status_code, response.text)
