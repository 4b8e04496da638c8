"""A test case class sharing one real glance-api per test class."""

import json

import requests
import testtools

from tests.functional import fixtures as server_fixtures

ADMIN = {}  # no identity headers: admin of the default project
OWNER = {'X-Project-Id': 'owner-project', 'X-Roles': 'member'}
OTHER = {'X-Project-Id': 'other-project', 'X-Roles': 'member'}


class ServerTestCase(testtools.TestCase):
    """One server per class: starting glance-api costs a few seconds."""

    server_args = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = server_fixtures.GlanceAPIServer(**cls.server_args)
        cls.server.setUp()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanUp()
        super().tearDownClass()

    def request(self, method, path, headers=None, **kwargs):
        return requests.request(
            method,
            self.server.url + path,
            headers=headers,
            timeout=30,
            **kwargs,
        )

    def create_image(self, headers=OWNER, **values):
        values.setdefault('name', self.getUniqueString())
        response = self.request('POST', '/v2/images', headers, json=values)
        self.assertEqual(201, response.status_code, response.text)
        image = response.json()
        self.addCleanup(self.request, 'DELETE', '/v2/images/' + image['id'])
        return image

    def patch(self, image_id, operations, headers=OWNER):
        merged = {
            'Content-Type': 'application/openstack-images-v2.1-json-patch'
        }
        merged.update(headers)
        return self.request(
            'PATCH',
            '/v2/images/' + image_id,
            merged,
            data=json.dumps(operations),
        )

    def add_location(self, image_id, url, headers=ADMIN, metadata=None):
        return self.patch(
            image_id,
            [
                {
                    'op': 'add',
                    'path': '/locations/-',
                    'value': {'url': url, 'metadata': metadata or {}},
                }
            ],
            headers=headers,
        )
