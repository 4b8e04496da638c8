"""Tests of glance.stores against real file stores in temporary dirs."""

import os

import fixtures
import testtools
from oslo_config import cfg

from glance import conf as glance_conf
from glance import context as glance_context
from glance import stores
from glance.db import images
from glance.db import migration
from glance.db import session
from glance_store import multi_backend
from glance_store import registry


class StoreMapsFixture(fixtures.Fixture):
    """glance_store keeps its stores process-wide: start and end empty."""

    def _setUp(self):
        registry.reset()
        self.addCleanup(registry.reset)


def write_conf(test, text):
    """A ConfigOpts with glance's options, parsed from ``text``."""
    path = os.path.join(test.useFixture(fixtures.TempDir()).path, 'g.conf')
    with open(path, 'w') as f:
        f.write(text)
    conf = cfg.ConfigOpts()
    glance_conf.register_opts(conf)
    conf(['--config-file', path], project='glance')
    return conf


def multi_store_conf(test, root, extra='', more_backends=''):
    """Two file stores under ``root``, fast (default) and cheap, plus the
    staging area; ``more_backends`` adds ``, id:type`` entries."""
    return write_conf(
        test,
        f"""
[DEFAULT]
enabled_backends = fast:file, cheap:file{more_backends}
node_staging_uri = file://{root}/staging
{extra}
[glance_store]
default_backend = fast
[fast]
filesystem_store_datadir = {root}/fast
store_description = Fast disks
weight = 10
[cheap]
filesystem_store_datadir = {root}/cheap
filesystem_store_chunk_size = 4096
""",
    )


class StoresAndImageTestCase(testtools.TestCase):
    """Stores from ``make_conf``, a fresh SQLite database and one queued
    image, for the modules that move image data."""

    extra_config = ''

    def make_conf(self, root, extra):
        return multi_store_conf(self, root, extra)

    def setUp(self):
        super().setUp()
        self.useFixture(StoreMapsFixture())
        self.root = self.useFixture(fixtures.TempDir()).path
        self.conf = self.make_conf(
            self.root,
            '%s\n[database]\nconnection = sqlite:///%s/glance.sqlite'
            % (self.extra_config, self.root),
        )
        session.configure(self.conf)
        migration.sync(self.conf)
        self.stores = stores.configure(self.conf)
        self.context = glance_context.get_admin_context()
        self.image = images.create(self.context, {'owner': 'p'})


class MultiStoreConfigureTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.useFixture(StoreMapsFixture())
        self.root = self.useFixture(fixtures.TempDir()).path
        self.conf = multi_store_conf(self, self.root)
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
        self.useFixture(StoreMapsFixture())
        conf = multi_store_conf(self, self.root, more_backends=', web:http')
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
        self.useFixture(StoreMapsFixture())

    def test_reserved_store_ids_are_refused(self):
        conf = write_conf(
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
        conf = write_conf(
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


def legacy_store_conf(test, root, extra=''):
    """Single-store mode: one file store below ``root``."""
    return write_conf(
        test,
        f"""
[DEFAULT]
node_staging_uri = file://{root}/staging
{extra}
[glance_store]
stores = file
default_store = file
filesystem_store_datadir = {root}/images
""",
    )


class LegacyConfigureTest(testtools.TestCase):
    def test_single_store_mode(self):
        self.useFixture(StoreMapsFixture())
        root = self.useFixture(fixtures.TempDir()).path
        configured = stores.configure(legacy_store_conf(self, root))
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
