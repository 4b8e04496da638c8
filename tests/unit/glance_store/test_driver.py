"""The Store base class, capabilities and exceptions."""

import testtools
from oslo_config import cfg

from glance_store import capabilities
from glance_store import driver
from glance_store import exceptions

BitMasks = capabilities.BitMasks


class FakeStore(driver.Store):
    OPTIONS = [cfg.IntOpt('fake_chunk_size', default=10)]
    _CAPABILITIES = BitMasks.READ_ACCESS | BitMasks.WRITE_ACCESS

    @capabilities.check
    def get(self, location, offset=0, chunk_size=None, context=None):
        return iter([b'data']), 4

    @driver.back_compat_add
    @capabilities.check
    def add(
        self,
        image_id,
        image_file,
        image_size,
        hashing_algo,
        context=None,
        verifier=None,
    ):
        return 'fake://' + image_id, 4, 'md5sum', hashing_algo, {}

    @capabilities.check
    def delete(self, location, context=None):
        return 'deleted'


class BrokenStore(FakeStore):
    def configure_add(self):
        raise exceptions.BadStoreConfiguration(
            store_name='broken', reason='no way'
        )


class TestStore(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.conf = cfg.ConfigOpts()
        self.conf([])

    def test_options_registered_in_single_and_shared_groups(self):
        store = FakeStore(self.conf)
        self.assertEqual(10, self.conf.glance_store.fake_chunk_size)
        self.assertEqual(10, self.conf.backend_defaults.fake_chunk_size)
        self.assertEqual(0, store.weight)
        self.assertIsNone(store.url_prefix)
        self.assertEqual((), store.url_prefixes)

    def test_backend_group_falls_back_to_backend_defaults(self):
        store = FakeStore(self.conf, backend='fast')
        self.conf.set_override('fake_chunk_size', 20, 'backend_defaults')
        self.assertEqual(20, store.option('fake_chunk_size'))
        self.conf.set_override('fake_chunk_size', 30, 'fast')
        self.assertEqual(30, store.option('fake_chunk_size'))
        self.conf.set_override('weight', 7, 'fast')
        self.assertEqual(7, store.weight)

    def test_url_prefix_is_read_only(self):
        store = FakeStore(self.conf, backend='fast')
        store._url_prefix = 'fake://x'
        self.assertEqual('fake://x', store.url_prefix)
        self.assertEqual(('fake://x',), store.url_prefixes)
        self.assertRaises(AttributeError, setattr, store, 'url_prefix', 'y')

    def test_bad_configuration_makes_store_read_only(self):
        store = BrokenStore(self.conf)
        store.configure()
        self.assertFalse(store.is_capable(BitMasks.WRITE_ACCESS))
        self.assertTrue(store.is_capable(BitMasks.READ_ACCESS))
        self.assertRaises(
            exceptions.StoreAddDisabled, store.add, 'id', None, 0, 'sha512'
        )
        self.assertRaises(
            exceptions.StoreDeleteNotSupported, store.delete, 'loc'
        )
        self.assertRaises(
            exceptions.BadStoreConfiguration,
            BrokenStore(self.conf).configure,
            re_raise_bsc=True,
        )

    def test_random_get_needs_capability(self):
        store = FakeStore(self.conf)
        self.assertEqual(4, store.get('loc')[1])
        self.assertRaises(
            exceptions.StoreRandomGetNotSupported, store.get, 'loc', 5
        )
        self.assertRaises(
            exceptions.StoreRandomGetNotSupported,
            store.get,
            'loc',
            chunk_size=5,
        )
        store.set_capabilities(BitMasks.READ_RANDOM)
        self.assertEqual(4, store.get('loc', 5, 5)[1])

    def test_back_compat_add_returns_four_values_without_algo(self):
        store = FakeStore(self.conf)
        self.assertEqual(
            ('fake://i', 4, 'md5sum', {}), store.add('i', None, 4, None)
        )
        self.assertEqual(
            ('fake://i', 4, 'md5sum', 'sha512', {}),
            store.add('i', None, 4, 'sha512'),
        )
        self.assertEqual(
            ('fake://i', 4, 'md5sum', 'sha256', {}),
            store.add('i', None, 4, hashing_algo='sha256'),
        )


class TestCapabilityBits(testtools.TestCase):
    def test_upstream_values(self):
        self.assertEqual(0b111, BitMasks.READ_RANDOM)
        self.assertEqual(0b111111, BitMasks.RW_RANDOM)
        self.assertEqual(0b1000000, BitMasks.DRIVER_REUSABLE)

    def test_unset_and_is_capable(self):
        store = capabilities.StoreCapability()
        store.set_capabilities(BitMasks.RW_RANDOM)
        store.unset_capabilities(BitMasks.WRITE_ACCESS)
        self.assertTrue(store.is_capable(BitMasks.READ_RANDOM))
        self.assertFalse(store.is_capable(BitMasks.WRITE_ACCESS))


class TestExceptions(testtools.TestCase):
    def test_message_template(self):
        e = exceptions.BadStoreConfiguration(store_name='s', reason='r')
        self.assertEqual('Store s is misconfigured: r', str(e))
        self.assertIsInstance(e, exceptions.GlanceStoreException)
        self.assertNotIsInstance(
            exceptions.BackendException(), exceptions.GlanceStoreException
        )
