"""Quota options on the real server: image_member_quota,
image_location_quota, user_storage_quota (image_size_cap: see
test_image_data)."""

from tests.fixtures import byte_server
from tests.fixtures import server as server_fixtures
from tests.functional.api import base


class QuotasTest(base.ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.web = byte_server.ByteServer(b'same')
        cls.web.setUp()
        cls.server_args = {
            'options': {
                'image_member_quota': '1',
                'image_location_quota': '1',
                'show_multiple_locations': 'true',
                'user_storage_quota': '1KB',
            },
            'stores_config': server_fixtures.MULTI_STORE.replace(
                'cheap:file', 'cheap:file, web:http'
            ),
            'extra_config': byte_server.ALLOW_LOCAL,
        }
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.web.cleanUp()

    def _upload(self, headers, size):
        image = self.create_image(
            headers, disk_format='raw', container_format='bare'
        )
        response = self.request(
            'PUT',
            '/v2/images/%s/file' % image['id'],
            dict(headers, **{'Content-Type': 'application/octet-stream'}),
            data=b'x' * size,
        )
        return image['id'], response

    def test_member_quota(self):
        image = self.create_image()
        path = '/v2/images/%s/members' % image['id']
        first = self.request('POST', path, base.OWNER, json={'member': 'p1'})
        self.assertEqual(200, first.status_code, first.text)
        second = self.request('POST', path, base.OWNER, json={'member': 'p2'})
        self.assertEqual(413, second.status_code, second.text)

    def test_location_quota(self):
        image = self.create_image(headers=base.ADMIN)
        urls = [self.web.url('/img/%d' % n) for n in range(2)]
        self.assertEqual(
            200, self.add_location(image['id'], urls[0]).status_code
        )
        response = self.add_location(image['id'], urls[1])
        self.assertEqual(413, response.status_code, response.text)
        self.assertIn('Attempted: 2, Maximum: 1', response.text)

    def test_storage_quota_per_owner(self):
        owner = {'X-Project-Id': 'quota-owner', 'X-Roles': 'member'}
        _, first = self._upload(owner, 600)
        self.assertEqual(204, first.status_code, first.text)
        image_id, second = self._upload(owner, 600)
        self.assertEqual(413, second.status_code, second.text)
        shown = self.request('GET', '/v2/images/' + image_id, owner).json()
        self.assertEqual('queued', shown['status'])
        _, fits = self._upload(owner, 400)
        self.assertEqual(204, fits.status_code, fits.text)
        # Another owner has a quota of its own.
        _, other = self._upload(base.OTHER, 1000)
        self.assertEqual(204, other.status_code, other.text)
