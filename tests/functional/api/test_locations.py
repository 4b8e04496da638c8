"""Location operations in multi-store mode (show_multiple_locations on)."""

import hashlib
import os

from tests.functional.api import base


class LocationsTest(base.ServerTestCase):
    server_args = {
        'multi_store': True,
        'options': {
            'show_multiple_locations': 'true',
            'show_image_direct_url': 'true',
        },
    }

    def put_file(self, store, name, data):
        path = os.path.join(self.server.tmp, store, name)
        with open(path, 'wb') as stored:
            stored.write(data)
        return 'file://' + path

    def test_add_location_records_store_and_activates(self):
        image = self.create_image(headers=base.ADMIN)
        url = self.put_file('cheap', self.getUniqueString(), b'12345')
        response = self.add_location(image['id'], url)
        self.assertEqual(200, response.status_code, response.text)
        body = response.json()
        self.assertEqual('active', body['status'])
        self.assertEqual(5, body['size'])
        self.assertEqual(
            [{'url': url, 'metadata': {'store': 'cheap'}}], body['locations']
        )
        self.assertEqual('cheap', body['stores'])
        self.assertEqual(url, body['direct_url'])
        owner_view = self.request(
            'GET', '/v2/images/' + image['id'], base.OWNER
        )
        self.assertEqual(404, owner_view.status_code)  # shared, not a member
        data = self.request('GET', '/v2/images/%s/file' % image['id'])
        self.assertEqual(b'12345', data.content)

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
        url = self.put_file('fast', self.getUniqueString(), b'x')
        response = self.add_location(image['id'], url, headers=base.OWNER)
        self.assertEqual(403, response.status_code)

    def test_remove_location_deletes_its_data(self):
        image = self.create_image(headers=base.ADMIN)
        first = self.put_file('fast', self.getUniqueString(), b'same')
        second = self.put_file('cheap', self.getUniqueString(), b'same')
        self.assertEqual(
            200, self.add_location(image['id'], first).status_code
        )
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
        self.assertEqual('cheap', response.json()['stores'])
        self.assertFalse(os.path.exists(first[len('file://') :]))

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
        url = self.put_file('fast', self.getUniqueString(), b'abc')
        image = self.create_image(
            headers=base.ADMIN, locations=[{'url': url, 'metadata': {}}]
        )
        self.assertEqual('active', image['status'])
        self.assertEqual('fast', image['stores'])

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
        urls = [
            self.put_file(store, self.getUniqueString(), b'twice')
            for store in ('fast', 'cheap')
        ]
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
        self.assertEqual('fast,cheap', response.json()['stores'])

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
            image['id'], 'http://user:s3cr3t@127.0.0.1:9/x'
        )
        self.assertEqual(400, response.status_code)
        self.assertNotIn('s3cr3t', response.text)
