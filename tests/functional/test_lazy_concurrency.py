"""Two glance-api processes serving the same legacy images at once.

Both servers share one MariaDB or PostgreSQL database and the same store
directories. Each round uploads a few images and strips the store from
their locations (as if written before multi-store mode, or by a store
since renamed); then threads on both servers GET, list and PATCH
(properties, location add) those images for a few seconds, retrying on
409 as clients must. Afterwards every acknowledged change and the right
store of every location are in the database, and no store write failed.
"""

import json
import random
import threading
import time
import uuid

import fixtures
import requests
import sqlalchemy as sa
from testtools import content

from glance.db import images as db_images
from glance.db import locations as db_locations
from glance.db import session
from tests.fixtures import byte_server
from tests.fixtures import server as server_fixtures
from tests.functional.api import base as api_base
from tests.functional.db import base as db_base

ROUNDS = 3
ROUND_SECONDS = 4
IMAGES_PER_ROUND = 4
THREADS_PER_SERVER = 3
STORES = ('fast', 'cheap')
# Clients add http locations (file locations are refused through the API).
STORES_CONFIG = server_fixtures.MULTI_STORE.replace(
    'cheap:file', 'cheap:file, web:http'
)
PATCH_TYPE = 'application/openstack-images-v2.1-json-patch'
RETRIES = 20


class Client(threading.Thread):
    """Random reads and writes of ``images`` on one server until
    ``deadline``; records what the server acknowledged and any failure."""

    def __init__(self, name, server, web, images, deadline):
        super().__init__(name=name)
        self.server = server
        self.web = web
        self.images = images
        self.deadline = deadline
        self.random = random.Random(name)
        self.http = requests.Session()
        self.properties = {}  # (image id, name) -> value
        self.added = {}  # location URL -> store
        self.tags = {}  # (image id, tag) -> whether it should be there
        self.conflicts = 0
        self.failures = []
        self.steps = 0

    def run(self):
        actions = (
            self.show,
            self.show,
            self.list,
            self.set_property,
            self.add_location,
            self.tag,
        )
        try:
            while time.monotonic() < self.deadline:
                self.random.choice(actions)(self.random.choice(self.images))
                self.steps += 1
        except Exception as error:  # reported by the test, not lost
            self.failures.append(repr(error))
        finally:
            self.http.close()

    def call(self, method, path, headers=None, **kwargs):
        return self.http.request(
            method,
            self.server.url + path,
            headers=headers,
            timeout=30,
            **kwargs,
        )

    def expect(self, response, *statuses):
        if response.status_code not in statuses:
            self.failures.append(
                '%s %s: %d %s'
                % (
                    response.request.method,
                    response.request.path_url,
                    response.status_code,
                    response.text[:300],
                )
            )
        return response.status_code

    def show(self, image):
        # Alternately the owner (admin) and a project that does not own
        # the public image: both persist the store.
        headers = self.random.choice((api_base.ADMIN, api_base.OTHER))
        response = self.call('GET', '/v2/images/' + image['id'], headers)
        if self.expect(response, 200) == 200:
            self.check_stores(image, response.json())

    def list(self, image):
        response = self.call('GET', '/v2/images', params={'limit': 100})
        if self.expect(response, 200) == 200:
            for shown in response.json()['images']:
                if shown['id'] == image['id']:
                    self.check_stores(image, shown)

    def check_stores(self, image, shown):
        stores = shown.get('stores', '').split(',')
        if image['store'] not in stores:
            self.failures.append(
                'image %s shown with stores %r, not %s'
                % (image['id'], stores, image['store'])
            )

    def set_property(self, image):
        name = 'p_%s_%d' % (self.name, self.steps)
        # Every writer also renames the image: same-column changes race.
        operations = [
            {'op': 'add', 'path': '/' + name, 'value': name},
            {'op': 'replace', 'path': '/name', 'value': name},
        ]
        if self.patch(image, operations):
            self.properties[image['id'], name] = name

    def add_location(self, image):
        url = self.web.url('/img/' + uuid.uuid4().hex)
        operations = [
            {
                'op': 'add',
                'path': '/locations/-',
                'value': {'url': url, 'metadata': {}},
            }
        ]
        if self.patch(image, operations):
            self.added[url] = 'web'

    def tag(self, image):
        # Tags added and removed on several images at once take index
        # locks on MySQL/MariaDB; every acknowledged change must hold.
        tag = 't_%s_%d' % (self.name, self.steps)
        path = '/v2/images/%s/tags/%s' % (image['id'], tag)
        if self.retrying('PUT', path):
            self.tags[image['id'], tag] = True
            if self.random.random() < 0.5 and self.retrying('DELETE', path):
                self.tags[image['id'], tag] = False

    def patch(self, image, operations):
        return self.retrying(
            'PATCH',
            '/v2/images/' + image['id'],
            {'Content-Type': PATCH_TYPE},
            data=json.dumps(operations),
        )

    def retrying(self, method, path, headers=None, **kwargs):
        """True once the server took the change; 409 means try again."""
        for _ in range(RETRIES):
            response = self.call(method, path, headers, **kwargs)
            if self.expect(response, 200, 204, 409) != 409:
                return response.status_code in (200, 204)
            self.conflicts += 1
        self.failures.append('%d conflicts in a row' % RETRIES)
        return False


class LazyUpdateConcurrencyTests:
    def setUp(self):
        super().setUp()
        self.data_dir = self.useFixture(fixtures.TempDir()).path
        self.web = self.useFixture(byte_server.ByteServer(b'more bytes'))
        self.servers = [self.useFixture(self.server()) for _ in range(2)]
        self.addOnException(self.attach_logs)

    def attach_logs(self, exc_info):
        for number, server in enumerate(self.servers):
            self.addDetail(
                'glance-api-%d.log' % number,
                content.text_content(server.read_log()),
            )

    def server(self):
        return server_fixtures.GlanceAPIServer(
            multi_store=True,
            options={
                'show_multiple_locations': 'true',
                'image_location_quota': '-1',
            },
            stores_config=STORES_CONFIG,
            extra_config=byte_server.ALLOW_LOCAL,
            data_dir=self.data_dir,
            connection=self.database.url,
        )

    def upload_legacy_image(self, store):
        url = self.servers[0].url
        image = requests.post(
            url + '/v2/images',
            json={
                'name': 'legacy',
                'visibility': 'public',
                'disk_format': 'raw',
                'container_format': 'bare',
            },
            timeout=30,
        ).json()
        response = requests.put(
            '%s/v2/images/%s/file' % (url, image['id']),
            headers={
                'Content-Type': 'application/octet-stream',
                'X-Image-Meta-Store': store,
            },
            data=b'legacy bytes',
            timeout=30,
        )
        self.assertEqual(204, response.status_code, response.text)
        return {'id': image['id'], 'store': store}

    def strip_stores(self, image_ids):
        """Half the locations name no store, half a store since renamed."""
        table = db_locations.LOCATIONS
        with session.get_engine().begin() as connection:
            for number, image_id in enumerate(image_ids):
                stale = {} if number % 2 else {'store': 'old'}
                connection.execute(
                    sa.update(table)
                    .where(table.c.image_id == image_id)
                    .values(meta_data=stale)
                )

    def run_round(self, number):
        images = [
            self.upload_legacy_image(STORES[i % 2])
            for i in range(IMAGES_PER_ROUND)
        ]
        self.strip_stores([image['id'] for image in images])
        deadline = time.monotonic() + ROUND_SECONDS
        clients = [
            Client(
                'r%ds%dt%d' % (number, server_number, thread),
                server,
                self.web,
                images,
                deadline,
            )
            for server_number, server in enumerate(self.servers)
            for thread in range(THREADS_PER_SERVER)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        return clients

    def store_of(self, url):
        if url.startswith(self.web.url('/img/')):
            return 'web'
        for store in STORES:
            if url.startswith('file://%s/%s/' % (self.data_dir, store)):
                return store
        return None

    def test_concurrent_reads_and_patches_lose_nothing(self):
        clients = []
        for number in range(ROUNDS):
            clients += self.run_round(number)
        self.addDetail(
            'activity',
            content.text_content(
                '%d steps, %d conflicts retried'
                % (
                    sum(client.steps for client in clients),
                    sum(client.conflicts for client in clients),
                )
            ),
        )
        self.assertEqual([], [f for c in clients for f in c.failures])

        context = self.admin_context()
        properties = {}
        added = {}
        tags = {}
        for client in clients:
            properties.update(client.properties)
            added.update(client.added)
            tags.update(client.tags)
        self.assertNotEqual({}, properties)
        self.assertNotEqual({}, added)
        for (image_id, name), value in properties.items():
            image = db_images.get(context, image_id)
            self.assertEqual(value, image.properties.get(name), image_id)

        self.assertIn(True, tags.values())
        for (image_id, tag), present in tags.items():
            image = db_images.get(context, image_id)
            self.assertEqual(present, tag in image.tags, (image_id, tag))

        rows = db_locations.get_batch(context, limit=100000)
        stored = {row.url: row.metadata.get('store') for row in rows}
        self.assertEqual({url: self.store_of(url) for url in stored}, stored)
        self.assertLessEqual(set(added), set(stored))
        self.assertEqual(ROUNDS * IMAGES_PER_ROUND + len(added), len(stored))
        logs = ''.join(server.read_log() for server in self.servers)
        self.assertIn('Recorded the store of', logs)
        self.assertNotIn('Could not record the store', logs)


class LazyUpdateConcurrencyMySQLTest(
    LazyUpdateConcurrencyTests, db_base.MySQLMixin, db_base.DBTestCase
):
    pass


class LazyUpdateConcurrencyPostgreSQLTest(
    LazyUpdateConcurrencyTests, db_base.PostgreSQLMixin, db_base.DBTestCase
):
    pass
