"""Two edge sites, one Ceph cluster each, behind the real glance-api.

Cluster A (pool ``images``) and cluster B (pool ``edge2-images``) are real
single-node clusters started by ``tests.fixtures.ceph`` and shared by the
tests of a class; every test starts its own glance-api. What is on each
cluster is checked with the rbd bindings, what glance recorded in its
SQLite database.
"""

import json
import os
import sqlite3
import time
import uuid

import requests
import testtools

from tests.fixtures import ceph
from tests.fixtures import server as server_fixtures
from tests.functional.api import base

MiB = 1024 * 1024
POOL_B = 'edge2-images'
CONNECT_TIMEOUT = 3
WAIT = 60
# The lease (10 s) and the dead client's rbd watch (30 s) expire first.
RBD_RECOVERY = 150

SHOW_LOCATIONS = {
    'show_multiple_locations': 'true',
    'show_image_direct_url': 'true',
}

RBD_OPTIONS = (
    """\
rbd_store_ceph_conf = {conf}
rbd_store_user = glance
rbd_store_pool = {pool}
rados_connect_timeout = %d
"""
    % CONNECT_TIMEOUT
)

LEGACY = (
    """\
[glance_store]
stores = rbd
default_store = rbd
"""
    + RBD_OPTIONS
)

MULTI = (
    """\
[DEFAULT]
enabled_backends = edge1:rbd, edge2:rbd, local:file

[glance_store]
default_backend = edge1

[edge1]
store_description = Edge site 1
"""
    + RBD_OPTIONS.replace('{conf}', '{conf_a}').replace('{pool}', '{pool_a}')
    + """
[edge2]
store_description = Edge site 2
"""
    + RBD_OPTIONS.replace('{conf}', '{conf_b}').replace('{pool}', '{pool_b}')
    + """
[local]
filesystem_store_datadir = {tmp}/local
"""
)


class EdgeSitesTestCase(testtools.TestCase):
    """Clusters A and B for the class; a glance-api per test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.a = cls.b = None
        if ceph.missing() is None:
            cls.a = ceph.CephCluster()
            cls.a.setUp()
            cls.b = ceph.CephCluster(pool=POOL_B)
            cls.b.setUp()

    @classmethod
    def tearDownClass(cls):
        for cluster in (cls.a, cls.b):
            if cluster is not None:
                cluster.cleanUp()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        ceph.skip_unless_installed(self)
        for cluster in (self.a, self.b):
            if not cluster.running:
                cluster.start()

    def multi_config(self):
        # The store section's {tmp} must stay for the server to fill in.
        return MULTI.replace('{tmp}', '{{tmp}}').format(
            conf_a=self.a.conf_path,
            pool_a=self.a.pool,
            conf_b=self.b.conf_path,
            pool_b=self.b.pool,
        )

    def start_server(self, stores_config):
        self.server = self.useFixture(
            server_fixtures.GlanceAPIServer(
                options=SHOW_LOCATIONS, stores_config=stores_config
            )
        )
        self.database = os.path.join(self.server.tmp, 'glance.sqlite')

    def request(self, method, path, headers=base.ADMIN, **kwargs):
        return requests.request(
            method,
            self.server.url + path,
            headers=headers,
            timeout=60,
            **kwargs,
        )

    def create(self, **values):
        values.setdefault('disk_format', 'raw')
        values.setdefault('container_format', 'bare')
        response = self.request('POST', '/v2/images', json=values)
        self.assertEqual(201, response.status_code, response.text)
        return response.json()['id']

    def upload(self, data, store=None, image_id=None):
        image_id = image_id or self.create()
        headers = {'Content-Type': 'application/octet-stream'}
        if store:
            headers['X-Image-Meta-Store'] = store
        response = self.request(
            'PUT', '/v2/images/%s/file' % image_id, headers, data=data
        )
        return image_id, response

    def uploaded(self, data, store=None):
        image_id, response = self.upload(data, store)
        self.assertEqual(204, response.status_code, response.text)
        return image_id

    def show(self, image_id):
        response = self.request('GET', '/v2/images/' + image_id)
        self.assertEqual(200, response.status_code, response.text)
        return response.json()

    def download(self, image_id):
        return self.request('GET', '/v2/images/%s/file' % image_id)

    def sql(self, statement, *args):
        with sqlite3.connect(self.database) as connection:
            return connection.execute(statement, args).fetchall()

    def rows(self, image_id):
        """(url, metadata) of the image's active locations, by id."""
        return [
            (url, json.loads(meta))
            for url, meta in self.sql(
                'SELECT value, meta_data FROM image_locations WHERE '
                "image_id = ? AND status = 'active' ORDER BY id",
                image_id,
            )
        ]

    def set_url(self, image_id, url):
        self.sql(
            'UPDATE image_locations SET value = ? WHERE image_id = ?',
            url,
            image_id,
        )

    def url(self, cluster, image_id):
        return 'rbd://%s/%s/%s/snap' % (cluster.fsid, cluster.pool, image_id)

    def wait_until(self, predicate, what, timeout=WAIT):
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                self.fail('%s did not happen within %d s' % (what, timeout))
            time.sleep(0.2)


class UpgradeTest(EdgeSitesTestCase):
    def test_single_store_rbd_to_two_edge_sites(self):
        self.start_server(
            LEGACY.format(conf=self.a.conf_path, pool=self.a.pool)
        )
        data = {name: os.urandom(MiB + n) for n, name in enumerate('pqbf')}
        ids = {name: self.uploaded(blob) for name, blob in data.items()}
        plain, pool_only, bare, foreign = (ids[n] for n in 'pqbf')
        for image_id in ids.values():
            shown = self.show(image_id)
            self.assertEqual(self.url(self.a, image_id), shown['direct_url'])
            self.assertEqual(
                [(self.url(self.a, image_id), {})], self.rows(image_id)
            )
        self.assertTrue(set(ids.values()) <= set(self.a.images()))
        # The other legacy forms upstream glance and its clients wrote,
        # and a cluster no store names.
        self.set_url(pool_only, 'rbd://images/%s/snap' % pool_only)
        self.set_url(bare, 'rbd://%s' % bare)
        other_fsid = str(uuid.uuid4())
        self.set_url(
            foreign, 'rbd://%s/images/%s/snap' % (other_fsid, foreign)
        )

        self.server.restart(stores_config=self.multi_config())
        listed = {
            image['id']: image.get('stores')
            for image in self.request('GET', '/v2/images').json()['images']
        }
        self.assertEqual(
            {plain: 'edge1', pool_only: 'edge1', bare: None, foreign: None},
            listed,
        )
        self.assertEqual(
            [(self.url(self.a, plain), {'store': 'edge1'})], self.rows(plain)
        )
        self.assertEqual(
            [('rbd://images/%s/snap' % pool_only, {'store': 'edge1'})],
            self.rows(pool_only),
        )
        # rbd://<image> names no cluster, and two rbd stores could hold it;
        # the unknown cluster's location is left alone too.
        self.assertEqual([('rbd://%s' % bare, {})], self.rows(bare))
        self.assertEqual(
            [('rbd://%s/images/%s/snap' % (other_fsid, foreign), {})],
            self.rows(foreign),
        )
        for image_id in (plain, pool_only):
            self.assertEqual('edge1', self.show(image_id)['stores'])
            response = self.download(image_id)
            self.assertEqual(200, response.status_code)
            self.assertEqual(
                data['pqbf'[list(ids.values()).index(image_id)]],
                response.content,
            )
        for image_id in (bare, foreign):
            response = self.download(image_id)
            self.assertEqual(503, response.status_code, response.text)
            self.assertIn('no configured store', response.text)
        self.show(foreign)
        self.assertEqual(
            1, self.server.read_log().count(other_fsid + '/images/' + foreign)
        )

        # New data on edge 2 goes to cluster B only.
        fresh = self.uploaded(b'edge2 data' * 1000, store='edge2')
        self.assertEqual('edge2', self.show(fresh)['stores'])
        self.assertEqual(
            [(self.url(self.b, fresh), {'store': 'edge2'})], self.rows(fresh)
        )
        self.assertIn(fresh, self.b.images())
        self.assertNotIn(fresh, self.a.images())

        # copy-image edge1 -> edge2: one location per cluster.
        response = self.request(
            'POST',
            '/v2/images/%s/import' % plain,
            json={'method': {'name': 'copy-image'}, 'stores': ['edge2']},
        )
        self.assertEqual(202, response.status_code, response.text)
        self.wait_until(
            lambda: len(self.rows(plain)) == 2, 'copy-image to edge2'
        )
        self.assertEqual(
            [
                (self.url(self.a, plain), {'store': 'edge1'}),
                (self.url(self.b, plain), {'store': 'edge2'}),
            ],
            self.rows(plain),
        )
        shown = self.show(plain)
        self.assertEqual({'edge1', 'edge2'}, set(shown['stores'].split(',')))
        self.assertEqual(
            {self.url(self.a, plain), self.url(self.b, plain)},
            {location['url'] for location in shown['locations']},
        )

        # Deleting the edge1 copy removes the rbd image from A only.
        response = self.request('DELETE', '/v2/stores/edge1/' + plain)
        self.assertEqual(204, response.status_code, response.text)
        self.assertNotIn(plain, self.a.images())
        self.assertIn(plain, self.b.images())
        self.assertEqual(
            [(self.url(self.b, plain), {'store': 'edge2'})], self.rows(plain)
        )
        self.assertEqual(data['p'], self.download(plain).content)

        detail = self.request('GET', '/v2/info/stores/detail').json()
        properties = {
            store['id']: store.get('properties') for store in detail['stores']
        }
        self.assertEqual(
            {
                'pool': 'images',
                'chunk_size': 8 * MiB,
                'fsid': self.a.fsid,
                'thin_provisioning': False,
            },
            properties['edge1'],
        )
        self.assertEqual(self.b.fsid, properties['edge2']['fsid'])
        self.assertEqual(POOL_B, properties['edge2']['pool'])


class ClusterDownTest(EdgeSitesTestCase):
    def test_cluster_down_at_start_then_back(self):
        started = time.monotonic()
        self.start_server(self.multi_config())
        normal_start = time.monotonic() - started
        on_b = self.uploaded(b'b' * MiB, store='edge2')
        self.b.stop()

        # Not librados' 300 s: the connect timeout plus some slack for a
        # loaded machine on top of a start with both clusters up.
        started = time.monotonic()
        self.server.restart()
        self.assertLess(
            time.monotonic() - started, normal_start + CONNECT_TIMEOUT + 10
        )
        self.assertIn('edge2 is read-only', self.server.read_log())
        for store in ('edge1', 'local'):
            image_id = self.uploaded(store.encode() * 1000, store=store)
            self.assertEqual(
                store.encode() * 1000, self.download(image_id).content
            )
        response = self.download(on_b)
        self.assertEqual(503, response.status_code, response.text)
        image_id, response = self.upload(b'x' * 1000, store='edge2')
        self.assertEqual(503, response.status_code, response.text)
        self.assertEqual('queued', self.show(image_id)['status'])

        self.b.start()
        self.wait_until(
            lambda: self.download(on_b).status_code == 200,
            'edge2 serving again',
        )
        self.assertEqual(b'b' * MiB, self.download(on_b).content)
        _, response = self.upload(
            b'x' * 1000, store='edge2', image_id=image_id
        )
        self.assertEqual(204, response.status_code, response.text)
        self.assertIn(image_id, self.b.images())


class DataSafetyTest(EdgeSitesTestCase):
    def setUp(self):
        super().setUp()
        self.start_server(self.multi_config())

    def kill_mid_upload(self, data):
        """Kill the API while it uploads ``data`` to cluster A."""
        image_id = self.create()
        put = server_fixtures.PartialPut(
            self.server.port, '/v2/images/%s/file' % image_id, data, 8 * MiB
        )
        self.addCleanup(put.close)
        self.wait_until(
            lambda: image_id in self.a.images(), 'the upload to start'
        )
        self.server.kill()
        put.close()
        return image_id

    def restart_until_undone(self, image_id):
        """Restart the API; its clean-up removes the rbd image and puts
        the image back in queued."""
        self.server.restart()
        self.wait_until(
            lambda: image_id not in self.a.images(),
            'the rbd image removed',
            timeout=RBD_RECOVERY,
        )
        self.wait_until(
            lambda: self.show(image_id)['status'] == 'queued',
            'the image back in queued',
        )
        self.assertEqual(
            [], self.sql('SELECT id FROM tasks WHERE image_id = ?', image_id)
        )

    def test_client_disconnect_leaves_no_rbd_image(self):
        image_id = self.create()

        def body():
            for _ in range(3):
                yield b'd' * MiB
            raise ConnectionAbortedError('client went away')

        self.assertRaises(
            (requests.RequestException, ConnectionAbortedError),
            self.request,
            'PUT',
            '/v2/images/%s/file' % image_id,
            {'Content-Type': 'application/octet-stream'},
            data=body(),
        )
        # The client gave up before the server may have read the body:
        # the server's access line says the upload ended.
        self.wait_until(
            lambda: (
                '"PUT /v2/images/%s/file' % image_id in self.server.read_log()
            ),
            'the upload to end',
        )
        self.assertEqual('queued', self.show(image_id)['status'])
        self.assertNotIn(image_id, self.a.images())
        self.assertEqual([], self.rows(image_id))
        # The upload's lease ended with it.
        self.assertEqual(
            [], self.sql('SELECT id FROM tasks WHERE image_id = ?', image_id)
        )

    def test_killed_upload_leaves_no_rbd_image_after_restart(self):
        # The process dies mid-upload: the image without snapshot stays
        # until the restarted API's clean-up, after the dead client's watch
        # expired, removes it; the image is queued and a retry succeeds.
        data = os.urandom(64 * MiB)
        image_id = self.kill_mid_upload(data)
        [(status,)] = self.sql(
            'SELECT status FROM images WHERE id = ?', image_id
        )
        self.assertEqual('saving', status)
        self.assertIn(image_id, self.a.images())
        self.restart_until_undone(image_id)
        self.assertEqual([], self.rows(image_id))
        _, response = self.upload(data, image_id=image_id)
        self.assertEqual(204, response.status_code, response.text)
        self.assertEqual(data, self.download(image_id).content)

    def test_upload_killed_before_it_was_recorded_is_undone(self):
        # The process dies after the store's add finished (the image has
        # its snapshot) but before the database recorded the location: the
        # restarted API's clean-up removes the rbd image no location
        # names, and a retry succeeds (no 409).
        import rbd

        data = os.urandom(32 * MiB)
        image_id = self.kill_mid_upload(data)
        with self.a.ioctx() as ioctx, rbd.Image(ioctx, image_id) as image:
            image.create_snap('snap')
            image.protect_snap('snap')
        self.assertEqual([], self.rows(image_id))
        self.restart_until_undone(image_id)
        _, response = self.upload(data, image_id=image_id)
        self.assertEqual(204, response.status_code, response.text)
        self.assertEqual(data, self.download(image_id).content)

    def test_copy_killed_mid_write_is_redone_after_restart(self):
        # The process dies while writing to cluster B: the half-written
        # rbd image stays, without snapshot, until the restarted API's
        # import recovery writes the copy again over it.
        data = os.urandom(128 * MiB)
        image_id = self.uploaded(data)
        response = self.request(
            'POST',
            '/v2/images/%s/import' % image_id,
            json={'method': {'name': 'copy-image'}, 'stores': ['edge2']},
        )
        self.assertEqual(202, response.status_code, response.text)
        self.wait_until(
            lambda: image_id in self.b.images(), 'the copy to start'
        )
        self.server.kill()
        self.assertEqual(1, len(self.rows(image_id)))
        self.server.restart()
        self.wait_until(
            lambda: len(self.rows(image_id)) == 2, 'the copy to be redone'
        )
        self.assertIn(
            'Removing the partly written rbd image %s' % image_id,
            self.server.read_log(),
        )
        response = self.request('DELETE', '/v2/stores/edge1/' + image_id)
        self.assertEqual(204, response.status_code, response.text)
        self.assertEqual(data, self.download(image_id).content)
        with self.b.ioctx() as ioctx:
            with ceph.rbd.Image(ioctx, image_id, read_only=True) as image:
                self.assertEqual(
                    ['snap'], [s['name'] for s in image.list_snaps()]
                )

    def test_clone_of_the_snapshot_blocks_delete(self):
        data = os.urandom(2 * MiB)
        image_id = self.uploaded(data)
        clone = 'volume-' + image_id
        with self.a.ioctx() as ioctx:
            ceph.rbd.RBD().clone(
                ioctx,
                image_id,
                'snap',
                ioctx,
                clone,
                features=ceph.rbd.RBD_FEATURE_LAYERING,
            )
        response = self.request('DELETE', '/v2/images/' + image_id)
        self.assertEqual(409, response.status_code, response.text)
        self.assertEqual('active', self.show(image_id)['status'])
        self.assertEqual(data, self.download(image_id).content)
        self.assertIn(image_id, self.a.images())

        with self.a.ioctx() as ioctx:
            with ceph.rbd.Image(ioctx, clone) as volume:
                volume.flatten()
        response = self.request('DELETE', '/v2/images/' + image_id)
        self.assertEqual(204, response.status_code, response.text)
        self.assertNotIn(image_id, self.a.images())
        self.assertIn(clone, self.a.images())
        self.assertEqual(
            404, self.request('GET', '/v2/images/' + image_id).status_code
        )
