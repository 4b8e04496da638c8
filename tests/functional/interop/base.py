"""The interoperation scenario: 17 steps over HTTP, first on a legacy
single-store glance-api, then on the same database and data restarted in
multi-store mode with two file stores (``fast``, whose directory is the
legacy store's, and ``cheap``).

A pairing (upstream glance on our glance_store, ours on upstream's)
subclasses ``ScenarioTests`` with ``start(multi_store)``, which starts its
glance-api (stopping a running one) and returns its URL; ``self.data`` is
the directory of the store directories, ``self.log()`` the server's log
for failure messages.
"""

import hashlib
import os
import time

import fixtures
import requests
import testtools

# The identity authtoken would pass on: admin of p1 (our no-auth pipeline
# and upstream's context middleware read it).
HEADERS = {
    'X-Identity-Status': 'Confirmed',
    'X-User-Id': 'u1',
    'X-Project-Id': 'p1',
    'X-Roles': 'admin,member,reader',
}
RAW = {'Content-Type': 'application/octet-stream'}
# Bigger than every chunk size on the way (file store 64 KiB, ours 1 MiB)
# and not a multiple of any.
DATA = os.urandom(1536 * 1024 + 7)
OTHER_DATA = os.urandom(300 * 1024 + 1)
TIMEOUT = 60

# The two stages' store sections, for both pairings ({data}: self.data).
LEGACY_STORES = """\
[glance_store]
stores = file, http
default_store = file
filesystem_store_datadir = {data}/fast
"""
MULTI_STORES = """\
[DEFAULT]
enabled_backends = fast:file, cheap:file
[glance_store]
default_backend = fast
[fast]
filesystem_store_datadir = {data}/fast
store_description = Fast store
[cheap]
filesystem_store_datadir = {data}/cheap
"""
# The file store's default filesystem_store_chunk_size.
FILE_CHUNK_SIZE = 64 * 1024


class ScenarioTests(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.data = self.useFixture(fixtures.TempDir()).path
        self.url = None
        self.session = requests.Session()
        self.addCleanup(self.session.close)

    # --- what a pairing provides ----------------------------------------

    def start(self, multi_store):
        raise NotImplementedError

    def log(self):
        raise NotImplementedError

    # --- HTTP helpers ---------------------------------------------------

    def call(self, method, path, expect, headers=None, **kwargs):
        response = self.session.request(
            method,
            self.url + path,
            headers=dict(HEADERS, **(headers or {})),
            timeout=TIMEOUT,
            **kwargs,
        )
        if response.status_code != expect:
            self.fail(
                '%s %s answered %d (expected %d): %s\n--- server log:\n%s'
                % (
                    method,
                    path,
                    response.status_code,
                    expect,
                    response.text[:2000],
                    self.log()[-6000:],
                )
            )
        return response

    def image(self, image_id):
        return self.call('GET', '/v2/images/' + image_id, 200).json()

    def create(self, name):
        return self.call(
            'POST',
            '/v2/images',
            201,
            json={
                'name': name,
                'disk_format': 'raw',
                'container_format': 'bare',
            },
        ).json()['id']

    def download(self, image_id):
        return self.call('GET', '/v2/images/%s/file' % image_id, 200).content

    def wait_for(self, image_id, predicate, what):
        deadline = time.monotonic() + TIMEOUT
        while True:
            image = self.image(image_id)
            if predicate(image):
                return image
            if time.monotonic() > deadline:
                self.fail(
                    '%s: not %s after %d s: %s\n--- server log:\n%s'
                    % (image_id, what, TIMEOUT, image, self.log()[-6000:])
                )
            time.sleep(0.2)

    def wait_for_tasks(self, image_id):
        """Once every import task of the image has ended (its last writes
        done), assert they all succeeded."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            tasks = self.call(
                'GET', '/v2/images/%s/tasks' % image_id, 200
            ).json()['tasks']
            statuses = [task['status'] for task in tasks]
            if tasks and set(statuses) <= {'success', 'failure'}:
                self.assertEqual(['success'] * len(tasks), statuses, tasks)
                return
            if time.monotonic() > deadline:
                self.fail('%s: tasks did not end: %s' % (image_id, tasks))
            time.sleep(0.2)

    def stage_and_import(self, image_id, data, stores=None):
        self.call('PUT', '/v2/images/%s/stage' % image_id, 204, RAW, data=data)
        self.assertEqual('uploading', self.image(image_id)['status'])
        body = {'method': {'name': 'glance-direct'}}
        if stores:
            body['stores'] = stores
        self.call('POST', '/v2/images/%s/import' % image_id, 202, json=body)
        self.wait_for(image_id, lambda i: i['status'] == 'active', 'active')
        self.wait_for_tasks(image_id)
        return self.image(image_id)

    def assert_stored(self, image, data):
        self.assertEqual('active', image['status'])
        self.assertEqual(len(data), image['size'])
        self.assertEqual(hashlib.md5(data).hexdigest(), image['checksum'])
        self.assertEqual('sha512', image['os_hash_algo'])
        self.assertEqual(
            hashlib.sha512(data).hexdigest(), image['os_hash_value']
        )

    def stores_of(self, image):
        return sorted(filter(None, image.get('stores', '').split(',')))

    def path(self, store, image_id):
        return os.path.join(self.data, store, image_id)

    def listed(self):
        images = self.call('GET', '/v2/images', 200).json()['images']
        return {image['id']: image for image in images}

    # --- the scenario ---------------------------------------------------

    def test_scenario(self):
        self.url = self.start(multi_store=False)

        # 1. Legacy upload: the file store's datadir holds the data.
        kept = self.create('kept')
        self.call('PUT', '/v2/images/%s/file' % kept, 204, RAW, data=DATA)
        self.assert_stored(self.image(kept), DATA)
        with open(self.path('fast', kept), 'rb') as stored:
            self.assertEqual(DATA, stored.read())

        # 2. Legacy download.
        self.assertEqual(DATA, self.download(kept))

        # 3. Legacy list.
        self.assertEqual('active', self.listed()[kept]['status'])

        # 4. Legacy glance-direct: staged, then imported to the store.
        direct = self.create('direct')
        self.assert_stored(
            self.stage_and_import(direct, OTHER_DATA), OTHER_DATA
        )
        self.assertEqual(OTHER_DATA, self.download(direct))

        # 5. Legacy delete removes the data.
        self.call('DELETE', '/v2/images/' + direct, 204)
        self.call('GET', '/v2/images/' + direct, 404)
        self.assertFalse(os.path.exists(self.path('fast', direct)))

        self.url = self.start(multi_store=True)

        # 6. Lazy GET: the legacy location gets the store whose prefix
        # holds it.
        self.assertEqual(['fast'], self.stores_of(self.image(kept)))

        # 7. Its data, read through the store now named.
        self.assertEqual(DATA, self.download(kept))

        # 8. Stores info.
        stores = self.call('GET', '/v2/info/stores', 200).json()['stores']
        self.assertEqual(['fast', 'cheap'], [s['id'] for s in stores])
        self.assertEqual('true', stores[0].get('default'))
        self.assertNotIn('default', stores[1])
        self.assertEqual('Fast store', stores[0].get('description'))

        # 9. Stores detail: each file store's properties.
        detail = self.call('GET', '/v2/info/stores/detail', 200).json()
        for store in detail['stores']:
            self.assertEqual('file', store['type'])
            self.assertEqual(0, store['weight'])
            self.assertEqual(
                {
                    'data_dir': os.path.join(self.data, store['id']),
                    'chunk_size': FILE_CHUNK_SIZE,
                    'thin_provisioning': False,
                },
                store['properties'],
            )

        # 10. Upload to the store the request names.
        cheap = self.create('cheap')
        self.call(
            'PUT',
            '/v2/images/%s/file' % cheap,
            204,
            dict(RAW, **{'X-Image-Meta-Store': 'cheap'}),
            data=OTHER_DATA,
        )
        image = self.image(cheap)
        self.assert_stored(image, OTHER_DATA)
        self.assertEqual(['cheap'], self.stores_of(image))
        self.assertTrue(os.path.exists(self.path('cheap', cheap)))
        self.assertEqual(OTHER_DATA, self.download(cheap))

        # 11. List: every image with its stores.
        listed = self.listed()
        self.assertEqual(['fast'], self.stores_of(listed[kept]))
        self.assertEqual(['cheap'], self.stores_of(listed[cheap]))

        # 12. glance-direct to a named store.
        direct = self.create('direct to fast')
        image = self.stage_and_import(direct, OTHER_DATA, stores=['fast'])
        self.assert_stored(image, OTHER_DATA)
        self.assertEqual(['fast'], self.stores_of(image))
        self.assertTrue(os.path.exists(self.path('fast', direct)))

        # 13. copy-image of the legacy image to the other store.
        self.call(
            'POST',
            '/v2/images/%s/import' % kept,
            202,
            json={'method': {'name': 'copy-image'}, 'stores': ['cheap']},
        )
        image = self.wait_for(
            kept,
            lambda i: self.stores_of(i) == ['cheap', 'fast'],
            'in both stores',
        )
        self.wait_for_tasks(kept)
        self.assert_stored(image, DATA)
        with open(self.path('cheap', kept), 'rb') as copied:
            self.assertEqual(DATA, copied.read())

        # 14. The copy serves downloads once the first store lost its copy
        # (moved aside, put back for step 15).
        moved = self.path('fast', kept) + '.aside'
        os.rename(self.path('fast', kept), moved)
        self.assertEqual(DATA, self.download(kept))
        os.rename(moved, self.path('fast', kept))

        # 15. Delete from one store.
        self.call('DELETE', '/v2/stores/cheap/%s' % kept, 204)
        self.assertEqual(['fast'], self.stores_of(self.image(kept)))
        self.assertFalse(os.path.exists(self.path('cheap', kept)))
        self.assertEqual(DATA, self.download(kept))

        # 16. Delete images: their data goes from every store.
        for image_id in (kept, cheap, direct):
            self.call('DELETE', '/v2/images/' + image_id, 204)
            self.call('GET', '/v2/images/' + image_id, 404)
        for store in ('fast', 'cheap'):
            self.assertEqual([], os.listdir(os.path.join(self.data, store)))

        # 17. Nothing is left listed.
        self.assertEqual({}, self.listed())
