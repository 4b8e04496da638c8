"""The rbd driver against real single-node Ceph clusters.

The clusters are started by ``tests.fixtures.ceph`` (one per test class,
shared by its tests); the tests skip with the reason where Ceph is not
installed.
"""

import hashlib
import io
import logging
import os
import time
import uuid

import fixtures
import testtools
from oslo_config import cfg

from glance_store import capabilities
from glance_store import exceptions
from glance_store import location
from glance_store import multi_backend
from glance_store._drivers import rbd as rbd_driver
from tests import store_contract
from tests.fixtures import ceph
from tests.fixtures import store_maps

BitMasks = capabilities.BitMasks
MiB = 1024 * 1024


def store_conf(cluster, store_id='edge1', **options):
    """Multi-store conf with one rbd store on ``cluster``."""
    conf = store_contract.new_conf({store_id: 'rbd'})
    values = {
        'rbd_store_ceph_conf': cluster.conf_path,
        'rbd_store_user': cluster.user,
        'rbd_store_pool': cluster.pool,
        'rados_connect_timeout': 5,
    }
    values.update(options)
    for name, value in values.items():
        conf.set_override(name, value, group=store_id)
    return conf


def configured_store(conf, store_id='edge1'):
    multi_backend.create_multi_stores(conf)
    return multi_backend.get_store_from_store_identifier(store_id)


def location_of(store, url):
    return location.get_location_from_uri_and_backend(
        url, store.backend_group, conf=store.conf
    )


def read_all(store, url, **kwargs):
    chunks, size = store.get(location_of(store, url), **kwargs)
    return b''.join(chunks), size


class FailingReader(io.BytesIO):
    """A client upload that breaks after ``fail_after`` bytes."""

    def __init__(self, data, fail_after):
        super().__init__(data)
        self.fail_after = fail_after

    def read(self, size=-1):
        if self.tell() >= self.fail_after:
            raise OSError('client went away')
        return super().read(size)


class StoreLocationTest(testtools.TestCase):
    def parse(self, uri):
        loc = rbd_driver.StoreLocation({}, cfg.ConfigOpts())
        loc.parse_uri(uri)
        return loc

    def parts(self, loc):
        return (loc.fsid, loc.pool, loc.image, loc.snapshot)

    def test_full_url_is_unquoted_and_round_trips(self):
        uri = 'rbd://f5d1%2Fx/my%20pool/img-1/snap'
        loc = self.parse(uri)
        self.assertEqual(
            ('f5d1/x', 'my pool', 'img-1', 'snap'), self.parts(loc)
        )
        self.assertEqual(uri, loc.get_uri())

    def test_legacy_forms(self):
        loc = self.parse('rbd://just-an-image')
        self.assertEqual((None, None, 'just-an-image', None), self.parts(loc))
        self.assertEqual('rbd://just-an-image', loc.get_uri())
        loc = self.parse('rbd://images/img/snap')
        self.assertEqual((None, 'images', 'img', 'snap'), self.parts(loc))
        self.assertEqual('rbd://images/img/snap', loc.get_uri())

    def test_bad_urls_are_refused(self):
        for uri in (
            'file:///x',
            'rbd://',
            'rbd://a/b',
            'rbd://a/b/c/d/e',
            'rbd://fsid//img/snap',
            'rbd://fsid/pool/img/',
        ):
            self.assertRaises(exceptions.BadStoreUri, self.parse, uri)

    def test_url_prefix_is_quoted(self):
        self.assertEqual(
            'rbd://f%2F1/po%20ol/', rbd_driver.url_prefix('f/1', 'po ol')
        )


class CephTestCase(testtools.TestCase):
    """One real cluster per test class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cluster = None
        if ceph.missing() is None:
            cls.cluster = ceph.CephCluster()
            cls.cluster.setUp()

    @classmethod
    def tearDownClass(cls):
        if cls.cluster is not None:
            cls.cluster.cleanUp()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        ceph.skip_unless_installed(self)
        self.useFixture(store_maps.StoreMapsFixture())
        # librados would read these instead of the options under test.
        for name in ('CEPH_CONF', 'CEPH_ARGS', 'CEPH_KEYRING'):
            self.useFixture(fixtures.EnvironmentVariable(name))

    def make_store(self, store_id='edge1', **options):
        return configured_store(
            store_conf(self.cluster, store_id, **options), store_id
        )

    def rbd_image(self, name, snapshot=None):
        """Open an rbd image of the pool as an admin (test-side view)."""
        ioctx = self.cluster.ioctx()
        self.addCleanup(ioctx.close)
        image = ceph.rbd.Image(ioctx, name, snapshot=snapshot, read_only=True)
        self.addCleanup(image.close)
        return image


class RbdStoreContractTest(store_contract.StoreContract, CephTestCase):
    def setUp(self):
        super().setUp()
        self.store = self.make_store()

    def absent_url(self):
        return self.store.url_prefix + 'no-such-image/snap'

    def stored_names(self):
        return self.cluster.images()


class RbdStoreTest(CephTestCase):
    def setUp(self):
        super().setUp()
        self.store = self.make_store()

    def add(self, data, size=None, image_id=None, store=None):
        store = store or self.store
        image_id = image_id or str(uuid.uuid4())
        url, written, md5, multihash, metadata = store.add(
            image_id,
            io.BytesIO(data),
            len(data) if size is None else size,
            'sha256',
        )
        self.assertEqual(len(data), written)
        self.assertEqual(hashlib.md5(data).hexdigest(), md5)
        self.assertEqual(hashlib.sha256(data).hexdigest(), multihash)
        return image_id, url

    def test_configuration_reads_the_fsid_from_the_cluster(self):
        self.assertEqual(self.cluster.fsid, self.store.fsid)
        self.assertEqual(
            'rbd://%s/images/' % self.cluster.fsid, self.store.url_prefix
        )
        self.assertTrue(
            self.store.is_capable(
                BitMasks.RW_ACCESS,
                BitMasks.READ_RANDOM,
                BitMasks.DRIVER_REUSABLE,
            )
        )
        self.assertEqual(
            {'chunk_size': 8 * MiB, 'fsid': self.cluster.fsid},
            self.store.detail_properties,
        )

    def test_add_makes_a_protected_layering_snapshot(self):
        image_id, url = self.add(b'x' * (3 * MiB + 5))
        self.assertEqual(
            'rbd://%s/images/%s/snap' % (self.cluster.fsid, image_id), url
        )
        image = self.rbd_image(image_id)
        self.assertEqual(3 * MiB + 5, image.size())
        self.assertTrue(image.features() & ceph.rbd.RBD_FEATURE_LAYERING)
        self.assertEqual(['snap'], [s['name'] for s in image.list_snaps()])
        self.assertTrue(image.is_protected_snap('snap'))
        # Objects are rbd_store_chunk_size (8 MiB, order 23) large.
        self.assertEqual(23, image.stat()['order'])

    def test_unknown_size_is_grown_then_trimmed(self):
        data = os.urandom(MiB) * 5 + b'end'
        image_id, url = self.add(data, size=0)
        self.assertEqual(len(data), self.rbd_image(image_id).size())
        self.assertEqual((data, len(data)), read_all(self.store, url))

    def test_small_chunk_size_and_reads_across_objects(self):
        store = self.make_store('small', rbd_store_chunk_size=1)
        data = os.urandom(3 * MiB + 100)
        image_id, url = self.add(data, store=store)
        self.assertEqual(20, self.rbd_image(image_id).stat()['order'])
        part, size = read_all(store, url, offset=MiB - 10, chunk_size=MiB + 20)
        self.assertEqual(data[MiB - 10 : 2 * MiB + 10], part)
        self.assertEqual(MiB + 20, size)

    def test_download_given_up_early_closes_cleanly(self):
        store = self.make_store('small', rbd_store_chunk_size=1)
        data = os.urandom(4 * MiB)
        _, url = self.add(data, store=store)
        chunks, size = store.get(location_of(store, url))
        self.assertEqual(data[:MiB], next(iter(chunks)))
        chunks.close()  # a read ahead is in flight
        self.assertEqual((data, size), read_all(store, url))

    def test_chunk_size_must_be_a_power_of_two(self):
        conf = store_conf(self.cluster, rbd_store_chunk_size=3)
        store = rbd_driver.Store(conf, backend='edge1')
        error = self.assertRaises(
            exceptions.BadStoreConfiguration,
            store.configure,
            re_raise_bsc=True,
        )
        self.assertIn('power of two', str(error))

    def test_thin_provisioning_leaves_zero_chunks_unallocated(self):
        # Whole 8 MiB chunks of zeros are skipped, not partial ones.
        data = bytes(8 * MiB) + b'y' * 8 * MiB + bytes(8 * MiB)
        thin = self.make_store('thin', rbd_thin_provisioning=True)
        for store, allocated in ((thin, 8 * MiB), (self.store, len(data))):
            image_id, url = self.add(data, store=store)
            self.assertEqual(data, read_all(store, url)[0])
            extents = []
            self.rbd_image(image_id).diff_iterate(
                0, len(data), None, self._extent_recorder(extents)
            )
            self.assertEqual(allocated, sum(extents))

    @staticmethod
    def _extent_recorder(extents):
        def record(offset, length, exists):
            extents.append(length)

        return record

    def test_failed_upload_leaves_no_image(self):
        image_id = str(uuid.uuid4())
        data = os.urandom(10 * MiB)
        for size in (len(data), 0):
            self.assertRaises(
                OSError,
                self.store.add,
                image_id,
                FailingReader(data, 9 * MiB),
                size,
                'sha256',
            )
            self.assertNotIn(image_id, self.cluster.images())

    def test_abandoned_upload_leaves_no_image(self):
        # A client going away mid-upload stops the reading generator: the
        # store sees GeneratorExit from the data source.
        image_id = str(uuid.uuid4())

        def chunks():
            yield b'a' * MiB
            raise GeneratorExit

        self.assertRaises(
            GeneratorExit,
            self.store.add,
            image_id,
            chunks(),
            0,
            'sha256',
        )
        self.assertNotIn(image_id, self.cluster.images())

    def test_duplicate_is_refused_and_keeps_the_first(self):
        image_id, url = self.add(b'first')
        self.assertRaises(
            exceptions.Duplicate, self.add, b'second', image_id=image_id
        )
        self.assertEqual(b'first', read_all(self.store, url)[0])

    def test_image_left_by_a_dead_writer_is_replaced(self):
        # A writer killed mid-add leaves an image without snapshot.
        image_id = str(uuid.uuid4())
        with self.cluster.ioctx() as ioctx:
            ceph.rbd.RBD().create(ioctx, image_id, MiB)
        _, url = self.add(b'complete', image_id=image_id)
        self.assertEqual(b'complete', read_all(self.store, url)[0])

    def test_discard_partial_removes_only_an_unfinished_image(self):
        partial = str(uuid.uuid4())
        with self.cluster.ioctx() as ioctx:
            ceph.rbd.RBD().create(ioctx, partial, MiB)
        complete, url = self.add(b'complete')
        for image_id in (partial, complete, 'never-written'):
            self.store.discard_partial(image_id)
        self.assertNotIn(partial, self.cluster.images())
        self.assertEqual(b'complete', read_all(self.store, url)[0])

    def test_image_being_written_elsewhere_is_a_duplicate(self):
        self.useFixture(
            fixtures.MonkeyPatch('glance_store._drivers.rbd.WATCH_EXPIRY', 1)
        )
        image_id = str(uuid.uuid4())
        with self.cluster.ioctx() as ioctx:
            ceph.rbd.RBD().create(ioctx, image_id, MiB)
            with ceph.rbd.Image(ioctx, image_id):  # a live writer's watch
                self.assertRaises(
                    exceptions.Duplicate, self.add, b'x', image_id=image_id
                )
        self.assertIn(image_id, self.cluster.images())

    def test_clone_of_the_snapshot_blocks_delete_until_flattened(self):
        image_id, url = self.add(b'z' * MiB)
        loc = location_of(self.store, url)
        with self.cluster.ioctx() as ioctx:
            ceph.rbd.RBD().clone(
                ioctx,
                image_id,
                'snap',
                ioctx,
                'volume-' + image_id,
                features=ceph.rbd.RBD_FEATURE_LAYERING,
            )
        self.assertRaises(exceptions.HasSnapshot, self.store.delete, loc)
        image = self.rbd_image(image_id)
        self.assertTrue(image.is_protected_snap('snap'))
        self.assertEqual(b'z' * MiB, read_all(self.store, url)[0])
        with self.cluster.ioctx() as ioctx:
            with ceph.rbd.Image(ioctx, 'volume-' + image_id) as volume:
                volume.flatten()
        self.store.delete(loc)
        self.assertNotIn(image_id, self.cluster.images())
        self.assertIn('volume-' + image_id, self.cluster.images())

    def test_image_open_elsewhere_is_in_use(self):
        image_id, url = self.add(b'w' * 1000)
        with self.cluster.ioctx() as ioctx:
            # A writable open registers a watch, as a mapped image does.
            with ceph.rbd.Image(ioctx, image_id):
                self.assertRaises(
                    exceptions.InUseByStore,
                    self.store.delete,
                    location_of(self.store, url),
                )
        self.assertIn(image_id, self.cluster.images())
        self.store.delete(location_of(self.store, url))
        self.assertNotIn(image_id, self.cluster.images())

    def test_legacy_locations_read_from_the_store_pool(self):
        data = b'legacy data'
        with self.cluster.ioctx() as ioctx:
            ceph.rbd.RBD().create(ioctx, 'legacy-head', len(data))
            with ceph.rbd.Image(ioctx, 'legacy-head') as image:
                image.write(data, 0)
                image.create_snap('snap')
        for url in (
            'rbd://legacy-head',
            'rbd://images/legacy-head/snap',
        ):
            self.assertEqual((data, len(data)), read_all(self.store, url))
            self.assertEqual(
                len(data), self.store.get_size(location_of(self.store, url))
            )
        self.store.delete(
            location_of(self.store, 'rbd://images/legacy-head/snap')
        )
        self.assertNotIn('legacy-head', self.cluster.images())

    def test_connection_is_shared(self):
        self.add(b'one')
        first = self.store._connection()
        self.add(b'two')
        self.assertIs(first, self.store._connection())

    def test_legacy_single_store_mode_writes_fsid_urls(self):
        conf = store_contract.new_conf()
        store = rbd_driver.Store(conf)
        for name, value in {
            'rbd_store_ceph_conf': self.cluster.conf_path,
            'rbd_store_user': self.cluster.user,
        }.items():
            conf.set_override(name, value, group='glance_store')
        store.configure(re_raise_bsc=True)
        self.assertIsNone(store.url_prefix)
        url, *_ = store.add(
            'single-' + str(uuid.uuid4()), io.BytesIO(b's'), 1, 'md5'
        )
        self.assertTrue(url.startswith('rbd://%s/images/' % self.cluster.fsid))
        loc = location.Location('rbd', rbd_driver.StoreLocation, conf, uri=url)
        store.delete(loc)


class TwoClustersTest(CephTestCase):
    """Two edge sites: two clusters, two fsids, two stores."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = None
        if cls.cluster is not None:
            cls.other = ceph.CephCluster()
            cls.other.setUp()

    @classmethod
    def tearDownClass(cls):
        if cls.other is not None:
            cls.other.cleanUp()
        super().tearDownClass()

    def test_each_store_writes_to_its_own_cluster(self):
        conf = store_contract.new_conf({'edge1': 'rbd', 'edge2': 'rbd'})
        for store_id, cluster in (
            ('edge1', self.cluster),
            ('edge2', self.other),
        ):
            conf.set_override(
                'rbd_store_ceph_conf', cluster.conf_path, group=store_id
            )
            conf.set_override('rbd_store_user', cluster.user, group=store_id)
        multi_backend.create_multi_stores(conf)
        edge1 = multi_backend.get_store_from_store_identifier('edge1')
        edge2 = multi_backend.get_store_from_store_identifier('edge2')
        self.assertNotEqual(self.cluster.fsid, self.other.fsid)
        self.assertEqual(
            (
                'rbd://%s/images/' % self.cluster.fsid,
                'rbd://%s/images/' % self.other.fsid,
            ),
            (edge1.url_prefix, edge2.url_prefix),
        )
        url, *_ = edge2.add('img', io.BytesIO(b'edge2 data'), 10, 'sha256')
        self.assertIn('img', self.other.images())
        self.assertNotIn('img', self.cluster.images())
        self.assertTrue(url.startswith(edge2.url_prefix))


class UnreachableClusterTest(CephTestCase):
    """A cluster that is down at start and comes back."""

    def test_store_starts_read_only_and_recovers(self):
        self.cluster.stop()
        self.addCleanup(self._ensure_running)
        logger = self.useFixture(fixtures.FakeLogger(level=logging.WARNING))
        started = time.monotonic()
        store = self.make_store(rados_connect_timeout=2)
        self.assertLess(time.monotonic() - started, 2 + 3)
        self.assertIn('edge1', logger.output)
        self.assertIn('read-only', logger.output)
        # The fsid in ceph.conf keeps the prefix while the cluster is down.
        self.assertEqual(
            'rbd://%s/images/' % self.cluster.fsid, store.url_prefix
        )
        self.assertFalse(store.is_capable(BitMasks.WRITE_ACCESS))
        self.assertTrue(store.is_capable(BitMasks.READ_ACCESS))
        loc = location_of(store, store.url_prefix + 'any/snap')
        started = time.monotonic()
        self.assertRaises(exceptions.RemoteServiceUnavailable, store.get, loc)
        self.assertLess(time.monotonic() - started, 1)
        self.assertRaises(
            exceptions.StoreAddDisabled,
            store.add,
            'id',
            io.BytesIO(b'x'),
            1,
            'sha256',
        )
        self.cluster.start()
        deadline = time.monotonic() + 30
        while not store.is_capable(BitMasks.WRITE_ACCESS):
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.5)
        url, *_ = store.add('back', io.BytesIO(b'back'), 4, 'sha256')
        self.assertEqual(b'back', read_all(store, url)[0])

    def _ensure_running(self):
        if not self.cluster.running:
            self.cluster.start()

    def test_unreachable_monitor_without_a_cluster(self):
        # Nothing listens on the monitor port: configure waits at most
        # rados_connect_timeout, then the store is read-only.
        port = ceph._free_port()
        path = os.path.join(self.useFixture(fixtures.TempDir()).path, 'c')
        with open(path, 'w') as f:
            f.write(
                '[global]\nmon host = 127.0.0.1:%d\n'
                'auth client required = none\n' % port
            )
        started = time.monotonic()
        store = configured_store(
            store_conf(
                self.cluster, rbd_store_ceph_conf=path, rados_connect_timeout=1
            )
        )
        self.assertLess(time.monotonic() - started, 4)
        self.assertEqual('rbd://', store.url_prefix)
        self.assertIsNone(store.detail_properties['fsid'])
        self.assertFalse(store.is_capable(BitMasks.WRITE_ACCESS))
