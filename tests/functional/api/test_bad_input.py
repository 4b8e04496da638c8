"""Bad requests get the upstream 4xx, never a 5xx."""

import json

from tests.functional.api import base

PATCH_2_1 = {'Content-Type': 'application/openstack-images-v2.1-json-patch'}


class BadInputTest(base.ServerTestCase):
    server_args = {'options': {'max_request_body_size': '2048'}}

    def image_ids(self):
        response = self.request('GET', '/v2/images?limit=1000', base.ADMIN)
        return {image['id'] for image in response.json()['images']}

    def delete_image(self, image):
        self.request('DELETE', '/v2/images/' + image['id'], base.OWNER)

    def setUp(self):
        super().setUp()
        # Whatever a test sends, a refused request leaves no image behind.
        before = self.image_ids()
        self.addCleanup(lambda: self.assertEqual(before, self.image_ids()))

    def test_malformed_json(self):
        response = self.request(
            'POST',
            '/v2/images',
            dict(base.OWNER, **{'Content-Type': 'application/json'}),
            data='{"name": ',
        )
        self.assertEqual(400, response.status_code)
        self.assertIn('Malformed JSON', response.text)

    def test_wrong_type(self):
        response = self.request(
            'POST', '/v2/images', base.OWNER, json={'min_ram': 'lots'}
        )
        self.assertEqual(400, response.status_code)

    def test_unknown_disk_format(self):
        response = self.request(
            'POST', '/v2/images', base.OWNER, json={'disk_format': 'floppy'}
        )
        self.assertEqual(400, response.status_code)

    def test_read_only_and_reserved_attributes_on_create(self):
        for name in ('status', 'checksum', 'size', 'created_at'):
            response = self.request(
                'POST', '/v2/images', base.OWNER, json={name: 'x'}
            )
            self.assertEqual(403, response.status_code, name)
            self.assertIn('read-only', response.text)
        for name in ('location', 'deleted', 'os_glance_importing_to_stores'):
            response = self.request(
                'POST', '/v2/images', base.OWNER, json={name: 'x'}
            )
            self.assertEqual(403, response.status_code, name)
            self.assertIn('reserved', response.text)

    def test_oversize_json_body(self):
        response = self.request(
            'POST', '/v2/images', base.OWNER, json={'name': 'x' * 4096}
        )
        self.assertEqual(413, response.status_code)

    def test_oversize_chunked_json_body(self):
        def chunks():
            yield b'{"description": "'
            for _ in range(10):
                yield b'y' * 1024
            yield b'"}'

        response = self.request(
            'POST', '/v2/images', base.OWNER, data=chunks()
        )
        self.assertEqual(413, response.status_code)

    def test_patch_errors(self):
        image = self.create_image(prop='v')
        self.addCleanup(self.delete_image, image)
        cases = [
            (400, [{'op': 'replace', 'path': 'name', 'value': 'x'}]),
            (400, [{'op': 'replace', 'path': '/a/b', 'value': 'x'}]),
            (400, [{'op': 'move', 'path': '/name', 'value': 'x'}]),
            (400, [{'op': 'replace', 'path': '/name'}]),
            (400, {'op': 'replace', 'path': '/name', 'value': 'x'}),
            (400, [{'op': 'replace', 'path': '/min_disk', 'value': -1}]),
            (403, [{'op': 'replace', 'path': '/status', 'value': 'active'}]),
            (403, [{'op': 'add', 'path': '/deleted', 'value': 'true'}]),
            (403, [{'op': 'remove', 'path': '/name'}]),
            (409, [{'op': 'remove', 'path': '/missing'}]),
            (409, [{'op': 'replace', 'path': '/missing', 'value': 'x'}]),
        ]
        for status, body in cases:
            response = self.request(
                'PATCH',
                '/v2/images/' + image['id'],
                dict(base.OWNER, **PATCH_2_1),
                data=json.dumps(body),
            )
            self.assertEqual(status, response.status_code, body)
        shown = self.request('GET', '/v2/images/' + image['id'], base.OWNER)
        self.assertEqual(image['name'], shown.json()['name'])
        self.assertEqual('v', shown.json()['prop'])

    def test_unsupported_patch_media_type(self):
        image = self.create_image()
        self.addCleanup(self.delete_image, image)
        response = self.request(
            'PATCH',
            '/v2/images/' + image['id'],
            dict(base.OWNER, **{'Content-Type': 'application/json'}),
            data='[]',
        )
        self.assertEqual(415, response.status_code)
        self.assertIn(
            'application/openstack-images-v2.1-json-patch',
            response.headers['Accept-Patch'],
        )

    def test_method_not_allowed_names_allowed_methods(self):
        response = self.request('POST', '/v2/images/some-id')
        self.assertEqual(405, response.status_code)
        self.assertEqual('DELETE, GET, PATCH', response.headers['Allow'])

    def test_unknown_image_is_404_in_json_when_asked(self):
        response = self.request(
            'GET',
            '/v2/images/00000000-0000-0000-0000-000000000000',
            {'Accept': 'application/json'},
        )
        self.assertEqual(404, response.status_code)
        self.assertEqual('404 Not Found', response.json()['code'])
        self.assertIn('No image found', response.json()['message'])

    def test_bad_list_parameters(self):
        for query in (
            'limit=-1',
            'limit=x',
            'sort_key=nonsense',
            'sort_dir=sideways',
            'sort=name:asc&sort_key=name',
            'visibility=everyone',
            'marker=00000000-0000-0000-0000-000000000000',
            'size_min=big',
        ):
            response = self.request('GET', '/v2/images?' + query, base.OWNER)
            self.assertEqual(400, response.status_code, query)
