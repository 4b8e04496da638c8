"""A test case class sharing one real glance-api per test class."""

import json
import time

import glanceclient
import requests
import testtools

from tests.fixtures import server as server_fixtures

IMPORT_TIMEOUT = 30
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

    def wait_for_import(self, image_id, timeout=IMPORT_TIMEOUT):
        """The image once no import holds its lock."""
        deadline = time.monotonic() + timeout
        while True:
            image = self.request('GET', '/v2/images/' + image_id).json()
            if 'os_glance_import_task' not in image:
                return image
            if time.monotonic() > deadline:
                self.fail('import of %s did not finish' % image_id)
            time.sleep(0.1)

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


class DataTestCase(ServerTestCase):
    """A multi-store server (stores fast and cheap) and a glanceclient."""

    server_args = {'multi_store': True}

    def setUp(self):
        super().setUp()
        self.glance = glanceclient.Client('2', self.server.url)

    def _new_image(self):
        return self.create_image(
            headers=ADMIN, disk_format='raw', container_format='bare'
        )

    def _show(self, image_id):
        response = self.request('GET', '/v2/images/' + image_id)
        self.assertEqual(200, response.status_code, response.text)
        return response.json()
