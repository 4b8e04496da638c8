"""Location operations in multi-store mode (show_multiple_locations on).

Clients add http locations (a local server, which the import filter lets
glance-api reach); file locations are refused through the API: one could
alias another image's data.
"""

import hashlib
import os

import sqlalchemy as sa

from tests.fixtures import byte_server
from tests.fixtures import server as server_fixtures
from tests.functional.api import base

STORES = server_fixtures.MULTI_STORE.replace(
    'cheap:file', 'cheap:file, web:http'
)


class LocationsTest(base.ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.web = byte_server.ByteServer(b'12345')
        cls.web.setUp()
        cls.server_args = {
            'options': {
                'show_multiple_locations': 'true',
                'show_image_direct_url': 'true',
            },
            'stores_config': STORES,
            'extra_config': byte_server.ALLOW_LOCAL,
        }
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.web.cleanUp()

    def web_url(self):
        return self.web.url('/img/' + self.getUniqueString())

    def upload(self, data, headers=base.ADMIN):
        image = self.create_image(headers=headers)
        response = self.request(
            'PUT',
            '/v2/images/%s/file' % image['id'],
            dict(headers, **{'Content-Type': 'application/octet-stream'}),
            data=data,
        )
        self.assertEqual(204, response.status_code, response.text)
        return image, os.path.join(self.server.tmp, 'fast', image['id'])

    def location_rows(self, image_id):
        """(url, status, deleted) of every location row of the image."""
        engine = sa.create_engine(
            'sqlite:///%s/glance.sqlite' % self.server.tmp
        )
        try:
            with engine.connect() as connection:
                return connection.execute(
                    sa.text(
                        'SELECT value, status, deleted FROM image_locations '
                        'WHERE image_id = :image_id ORDER BY id'
                    ),
                    {'image_id': image_id},
                ).all()
        finally:
            engine.dispose()

    def add_row(self, image_id, url):
        """A location row written straight into the database (as an older
        release or a tool could have)."""
        engine = sa.create_engine(
            'sqlite:///%s/glance.sqlite' % self.server.tmp
        )
        try:
            with engine.begin() as connection:
                connection.execute(
                    sa.text(
                        'INSERT INTO image_locations (image_id, value, '
                        'meta_data, status, created_at, deleted) VALUES '
                        "(:image_id, :url, '{}', 'active', "
                        'CURRENT_TIMESTAMP, 0)'
                    ),
                    {'image_id': image_id, 'url': url},
                )
                connection.execute(
                    sa.text(
                        "UPDATE images SET status = 'active', size = 4 "
                        'WHERE id = :image_id'
                    ),
                    {'image_id': image_id},
                )
        finally:
            engine.dispose()

    def test_add_location_records_store_and_activates(self):
        image = self.create_image(headers=base.ADMIN)
        url = self.web_url()
        response = self.add_location(image['id'], url)
        self.assertEqual(200, response.status_code, response.text)
        body = response.json()
        self.assertEqual('active', body['status'])
        self.assertEqual(5, body['size'])
        self.assertEqual(
            [{'url': url, 'metadata': {'store': 'web'}}], body['locations']
        )
        self.assertEqual('web', body['stores'])
        self.assertEqual(url, body['direct_url'])
        owner_view = self.request(
            'GET', '/v2/images/' + image['id'], base.OWNER
        )
        self.assertEqual(404, owner_view.status_code)  # shared, not a member
        data = self.request('GET', '/v2/images/%s/file' % image['id'])
        self.assertEqual(b'12345', data.content)

    def test_file_location_aliasing_another_image_is_refused(self):
        victim, path = self.upload(b'victim')
        other = self.create_image(headers=base.ADMIN)
        aliases = (
            'file://' + path,
            'file://%s/fast/../fast/%s' % (self.server.tmp, victim['id']),
            'filesystem://' + path,
            'swift+config://ref1/glance/' + victim['id'],
        )
        for url in aliases:
            response = self.add_location(other['id'], url)
            self.assertEqual(400, response.status_code, url)
            self.assertIn('Invalid location', response.text)
        self.assertEqual([], self.location_rows(other['id']))
        self.request('DELETE', '/v2/images/' + other['id'])
        with open(path, 'rb') as stored:
            self.assertEqual(b'victim', stored.read())

    def test_data_another_location_holds_is_never_deleted(self):
        # Rows written before this release may alias one image's data.
        victim, path = self.upload(b'mine')
        url = self.location_rows(victim['id'])[0][0]
        alias = self.create_image(headers=base.ADMIN)
        self.add_row(alias['id'], url)
        response = self.request('DELETE', '/v2/images/' + alias['id'])
        self.assertEqual(204, response.status_code, response.text)
        self.assertEqual(
            [(url, 'deleted', 1)], self.location_rows(alias['id'])
        )
        self.assertTrue(os.path.exists(path))
        data = self.request('GET', '/v2/images/%s/file' % victim['id'])
        self.assertEqual((200, b'mine'), (data.status_code, data.content))
        # The last holder's delete removes the data.
        response = self.request('DELETE', '/v2/images/' + victim['id'])
        self.assertEqual(204, response.status_code, response.text)
        self.assertFalse(os.path.exists(path))

    def test_http_location_outside_the_import_filter_is_refused(self):
        image = self.create_image(headers=base.ADMIN)
        response = self.add_location(image['id'], 'ftp://127.0.0.1/img')
        self.assertEqual(400, response.status_code, response.text)
        asked = len(self.web.requested)
        refused = self.web.url('/img/x').replace('127.0.0.1', '127.0.0.2')
        response = self.add_location(image['id'], refused)
        self.assertEqual(400, response.status_code, response.text)
        self.assertEqual(asked, len(self.web.requested))
        self.assertEqual([], self.location_rows(image['id']))

    def test_location_outside_every_store_is_refused(self):
        image = self.create_image(headers=base.ADMIN)
        response = self.add_location(image['id'], 'file:///etc/hostname')
        self.assertEqual(400, response.status_code)
        response = self.add_location(image['id'], 'gopher://host/x')
        self.assertEqual(400, response.status_code)

    def test_non_admin_sees_no_locations_and_cannot_add(self):
        image = self.create_image()
        self.assertNotIn('locations', image)
        self.assertNotIn('direct_url', image)
        response = self.add_location(
            image['id'], self.web_url(), headers=base.OWNER
        )
        self.assertEqual(403, response.status_code)

    def test_remove_location_deletes_its_data(self):
        image, path = self.upload(b'12345')
        first = self.location_rows(image['id'])[0][0]
        second = self.web_url()
        remove_first = [{'op': 'remove', 'path': '/locations/0'}]
        self.assertEqual(
            403, self.patch(image['id'], remove_first, base.ADMIN).status_code
        )
        self.assertEqual(
            200, self.add_location(image['id'], second).status_code
        )
        response = self.patch(image['id'], remove_first, base.ADMIN)
        self.assertEqual(200, response.status_code, response.text)
        self.assertEqual(
            [second], [loc['url'] for loc in response.json()['locations']]
        )
        self.assertEqual('web', response.json()['stores'])
        self.assertFalse(os.path.exists(path))
        self.assertEqual(
            [(first, 'deleted', 1), (second, 'active', 0)],
            self.location_rows(image['id']),
        )

    def test_uploaded_image_shows_its_location(self):
        image = self.create_image(headers=base.ADMIN)
        response = self.request(
            'PUT',
            '/v2/images/%s/file' % image['id'],
            {'Content-Type': 'application/octet-stream'},
            data=b'uploaded',
        )
        self.assertEqual(204, response.status_code, response.text)
        body = self.request('GET', '/v2/images/' + image['id']).json()
        self.assertEqual('fast', body['locations'][0]['metadata']['store'])
        self.assertEqual(
            hashlib.md5(b'uploaded').hexdigest(), body['checksum']
        )

    def test_create_with_locations(self):
        image = self.create_image(
            headers=base.ADMIN,
            locations=[{'url': self.web_url(), 'metadata': {}}],
        )
        self.assertEqual('active', image['status'])
        self.assertEqual('web', image['stores'])

    def test_create_with_bad_location_leaves_no_image(self):
        name = self.getUniqueString()
        response = self.request(
            'POST',
            '/v2/images',
            base.ADMIN,
            json={
                'name': name,
                'locations': [{'url': 'file:///etc/hostname', 'metadata': {}}],
            },
        )
        self.assertEqual(400, response.status_code)
        listed = self.request('GET', '/v2/images?name=' + name).json()
        self.assertEqual([], listed['images'])

    def test_delete_image_deletes_its_data(self):
        image = self.create_image()
        response = self.request(
            'PUT',
            '/v2/images/%s/file' % image['id'],
            dict(base.OWNER, **{'Content-Type': 'application/octet-stream'}),
            data=b'to be deleted',
        )
        self.assertEqual(204, response.status_code, response.text)
        stored = os.path.join(self.server.tmp, 'fast', image['id'])
        self.assertTrue(os.path.exists(stored))
        response = self.request(
            'DELETE', '/v2/images/' + image['id'], base.OWNER
        )
        self.assertEqual(204, response.status_code)
        self.assertFalse(os.path.exists(stored))

    def test_two_locations_in_one_patch(self):
        image = self.create_image(headers=base.ADMIN)
        urls = [self.web_url(), self.web_url()]
        response = self.patch(
            image['id'],
            [
                {
                    'op': 'add',
                    'path': '/locations/-',
                    'value': {'url': url, 'metadata': {}},
                }
                for url in urls
            ],
            headers=base.ADMIN,
        )
        self.assertEqual(200, response.status_code, response.text)
        self.assertEqual('active', response.json()['status'])
        self.assertEqual(
            urls, [loc['url'] for loc in response.json()['locations']]
        )

    def test_failed_patch_changes_nothing(self):
        image = self.create_image(headers=base.ADMIN)
        response = self.patch(
            image['id'],
            [
                {'op': 'replace', 'path': '/name', 'value': 'changed'},
                {
                    'op': 'add',
                    'path': '/locations/-',
                    'value': {'url': 'file:///etc/hostname', 'metadata': {}},
                },
            ],
            headers=base.ADMIN,
        )
        self.assertEqual(400, response.status_code)
        shown = self.request('GET', '/v2/images/' + image['id']).json()
        self.assertEqual(image['name'], shown['name'])

    def test_credentials_in_location_are_not_echoed(self):
        image = self.create_image(headers=base.ADMIN)
        response = self.add_location(
            image['id'], 'http://user:s3cr3t@127.0.0.2:9/x'
        )
        self.assertEqual(400, response.status_code)
        self.assertNotIn('s3cr3t', response.text)
