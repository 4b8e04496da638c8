"""Tests of glance.stores against real file stores in temporary dirs."""

import fixtures
import testtools

from glance import stores
from glance_store import multi_backend
from tests.fixtures import store_maps
from tests.fixtures import stores as store_fixtures


class MultiStoreConfigureTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.useFixture(store_maps.StoreMapsFixture())
        self.root = self.useFixture(fixtures.TempDir()).path
        self.conf = store_fixtures.multi_store_conf(self, self.root)
        self.configured = stores.configure(self.conf)

    def test_describes_operator_stores_in_config_order(self):
        self.assertTrue(self.configured.multi)
        self.assertEqual('fast', self.configured.default)
        self.assertEqual(('fast', 'cheap'), self.configured.ids)

    def test_store_details(self):
        fast = self.configured.get('fast')
        cheap = self.configured.get('cheap')
        self.assertEqual(
            ('file', 'Fast disks', 10, False),
            (fast.type, fast.description, fast.weight, fast.read_only),
        )
        self.assertIsNone(cheap.description)
        self.assertEqual(0, cheap.weight)
        self.assertEqual(
            {
                'data_dir': self.root + '/cheap',
                'chunk_size': 4096,
                'thin_provisioning': False,
            },
            dict(cheap.properties),
        )
        self.assertIsNone(self.configured.get('nope'))

    def test_reserved_stores_live_in_the_staging_area(self):
        for store_id in stores.RESERVED_STORES:
            store = multi_backend.get_store_from_store_identifier(store_id)
            self.assertEqual(
                'file://%s/staging/%s' % (self.root, store_id),
                store.url_prefix,
            )
            self.assertIsNone(self.configured.get(store_id))

    def test_http_stores_are_read_only(self):
        self.useFixture(store_maps.StoreMapsFixture())
        conf = store_fixtures.multi_store_conf(
            self, self.root, more_backends=', web:http'
        )
        web = stores.configure(conf).get('web')
        self.assertEqual(('http', True), (web.type, web.read_only))
        self.assertEqual({}, dict(web.properties))

    def test_index_resolves_urls_of_operator_stores_only(self):
        index = self.configured.index
        self.assertEqual(
            'cheap', index.resolve('file://%s/cheap/x' % self.root)
        )
        self.assertIsNone(
            index.resolve(
                'file://%s/staging/os_glance_staging_store/x' % self.root
            )
        )


class RefusedConfigTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.useFixture(store_maps.StoreMapsFixture())

    def test_reserved_store_ids_are_refused(self):
        conf = store_fixtures.write_conf(
            self,
            """
[DEFAULT]
enabled_backends = os_glance_mine:file
[glance_store]
default_backend = os_glance_mine
""",
        )
        error = self.assertRaises(RuntimeError, stores.configure, conf)
        self.assertIn('os_glance_mine', str(error))

    def test_default_backend_must_be_enabled(self):
        root = self.useFixture(fixtures.TempDir()).path
        conf = store_fixtures.write_conf(
            self,
            f"""
[DEFAULT]
enabled_backends = fast:file
node_staging_uri = file://{root}/staging
[glance_store]
default_backend = slow
[fast]
filesystem_store_datadir = {root}/fast
""",
        )
        self.assertRaises(RuntimeError, stores.configure, conf)


class LegacyConfigureTest(testtools.TestCase):
    def test_single_store_mode(self):
        self.useFixture(store_maps.StoreMapsFixture())
        root = self.useFixture(fixtures.TempDir()).path
        configured = stores.configure(
            store_fixtures.legacy_store_conf(self, root)
        )
        self.assertFalse(configured.multi)
        self.assertEqual('file', configured.default)
        self.assertEqual((), configured.stores)
        self.assertIsNone(configured.index)
        # The staging area exists for image import all the same.
        staging = multi_backend.get_store_from_store_identifier(
            stores.STAGING_STORE
        )
        self.assertEqual(
            'file://%s/staging/%s' % (root, stores.STAGING_STORE),
            staging.url_prefix,
        )
