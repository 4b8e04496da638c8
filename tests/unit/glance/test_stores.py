"""Tests of glance.stores against real file stores in temporary dirs."""

import fixtures
import testtools

from glance import domain
from glance import exception
from glance import stores
from glance_store import exceptions as store_exceptions
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


STAGING = stores.STAGING_STORE


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
        # The staging area exists for image import all the same, on a
        # store glance built itself (upstream's glance_store has no
        # reserved stores in this mode).
        self.assertEqual(
            'file://%s/staging/%s/x' % (root, stores.STAGING_STORE),
            configured.staged_url('x'),
        )
        self.assertRaises(
            store_exceptions.UnknownScheme,
            multi_backend.get_store_from_store_identifier,
            stores.STAGING_STORE,
        )
        stored = configured.add(None, 'x', iter([b'abc']), 3, STAGING)
        self.assertEqual(configured.staged_url('x'), stored.url)
        opened = configured.open(None, stored.url, STAGING)
        self.assertEqual(b'abc', b''.join(opened.chunks))
        self.assertEqual(3, configured.size(None, stored.url, STAGING))
        configured.delete(None, stored.url, STAGING)
        self.assertRaises(
            exception.ImageDataNotFound,
            configured.open,
            None,
            stored.url,
            STAGING,
        )

    def test_reserved_store_directory_from_its_section(self):
        self.useFixture(store_maps.StoreMapsFixture())
        root = self.useFixture(fixtures.TempDir()).path
        conf = store_fixtures.legacy_store_conf(
            self,
            root,
            extra='[%s]\nfilesystem_store_datadir = %s/elsewhere\n'
            % (STAGING, root),
        )
        configured = stores.configure(conf)
        self.assertEqual(
            'file://%s/elsewhere/x' % root, configured.staged_url('x')
        )


class StoreDoorTest(testtools.TestCase):
    """The rules glance.stores owns: which store holds a location, which
    locations clients may add, and how store errors leave."""

    def setUp(self):
        super().setUp()
        self.useFixture(store_maps.StoreMapsFixture())
        self.root = self.useFixture(fixtures.TempDir()).path
        self.stores = stores.configure(
            store_fixtures.multi_store_conf(self, self.root)
        )

    def url(self, store_id, name='x'):
        return 'file://%s/%s/%s' % (self.root, store_id, name)

    def test_store_of(self):
        cases = (
            ({'store': 'cheap'}, 'cheap', 'cheap'),
            ({}, 'cheap', 'cheap'),  # legacy: from the URL's prefix
            ({'store': 'renamed'}, 'fast', 'fast'),
            ({'store': ['not', 'a', 'store']}, 'fast', 'fast'),
        )
        for metadata, holder, expected in cases:
            location = domain.Location(self.url(holder), metadata)
            self.assertEqual(expected, self.stores.store_of(location))
        elsewhere = domain.Location('file:///elsewhere/x', {})
        self.assertIsNone(self.stores.store_of(elsewhere))

    def test_locations_clients_add(self):
        self.useFixture(store_maps.StoreMapsFixture())
        conf = store_fixtures.multi_store_conf(
            self,
            self.root,
            extra='[import_filtering_opts]\nallowed_ports = [80, 443]\n',
            more_backends=', web:http',
        )
        metadata = stores.configure(conf).location_metadata
        web = 'http://203.0.113.5/img'
        self.assertEqual({'store': 'web'}, metadata(web, {}))
        self.assertEqual(
            {'store': 'web', 'k': 'v'},
            metadata(web, {'store': 'web', 'k': 'v'}),
        )
        refused = (
            (web, {'store': 'nowhere'}, exception.UnknownStore),
            (web, {'store': 'fast'}, exception.Invalid),
            # A file location could alias another image's data.
            (self.url('fast'), {}, exception.InvalidLocation),
            (self.url('cheap'), {'store': 'cheap'}, exception.InvalidLocation),
            ('file:///elsewhere/x', {}, exception.InvalidLocation),
            ('filesystem:///x', {}, exception.InvalidLocation),
            ('swift+config://ref1/c/o', {}, exception.InvalidLocation),
            ('gopher://host/x', {}, exception.InvalidLocation),
            # The import filter applies before anything requests the URL.
            ('http://203.0.113.5:8080/img', {}, exception.InvalidLocation),
            ('ftp://203.0.113.5/img', {}, exception.InvalidLocation),
        )
        for url, given, error in refused:
            self.assertRaises(error, metadata, url, given)

    def test_store_errors_leave_as_glance_errors(self):
        cases = (
            (store_exceptions.NotFound(), exception.ImageDataNotFound),
            (store_exceptions.StorageFull(), exception.StoreFull),
            (store_exceptions.Duplicate(), exception.Conflict),
            (store_exceptions.HasSnapshot(), exception.StoreDataInUse),
            (store_exceptions.InUseByStore(), exception.StoreDataInUse),
            (store_exceptions.UnknownScheme(), exception.UnknownStore),
            (store_exceptions.BadStoreUri(), exception.InvalidLocation),
            (store_exceptions.Invalid(), exception.Invalid),
            (
                store_exceptions.RemoteServiceUnavailable(),
                exception.StoreUnavailable,
            ),
            (
                store_exceptions.StorageWriteDenied(),
                exception.StoreUnavailable,
            ),
            (store_exceptions.BackendException(), exception.StoreUnavailable),
            (
                PermissionError(13, 'denied', '/srv/x'),
                exception.StoreUnavailable,
            ),
        )
        for raised, expected in cases:
            error = self.assertRaises(expected, _translate, raised)
            self.assertNotIn('/srv/x', error.msg)

    def test_unknown_store_of_a_location_is_never_probed(self):
        self.assertRaises(
            exception.StoreUnavailable,
            self.stores.delete,
            None,
            self.url('fast'),
            None,
        )


def _translate(error):
    with stores._translated('fast'):
        raise error
