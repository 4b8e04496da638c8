"""The swift driver against a real Swift, and a real Keystone.

The Swift and Keystone servers are started by the fixtures (one per test
class); the tests skip, saying why, where tools/backends/swift.sh or
keystone.sh could not install them.
"""

import hashlib
import io
import logging
import os
import time
import uuid

import fixtures
import swiftclient
import testtools
from oslo_config import cfg

from glance import context as glance_context
from glance_store import backend
from glance_store import capabilities
from glance_store import exceptions
from glance_store import location
from glance_store import multi_backend
from glance_store._drivers import swift
from glance_store._drivers.swift import options
from tests import store_contract
from tests.fixtures import keystone as keystone_fixtures
from tests.fixtures import store_maps
from tests.fixtures import swift as swift_fixtures

BACKEND = 'swiftstore'
MB = options.ONE_MB
KEY = swift_fixtures.TEMPAUTH_USERS['glance'][1]
# A legacy URL's secret may hold "/": parsing must not split on it.
LEGACY_KEY = 'le/gacy:s3cret'


def write_references(test, text):
    path = os.path.join(test.useFixture(fixtures.TempDir()).path, 'refs')
    with open(path, 'w') as f:
        f.write(text)
    return path


def v1_reference(swift_server, name='ref1', account='glance'):
    user, key = swift_fixtures.TEMPAUTH_USERS[account]
    return (
        '[%s]\nauth_version = 1\nauth_address = %s\nuser = %s:%s\n'
        'key = %s\n\n' % (name, swift_server.auth_v1_url, account, user, key)
    )


def make_store(store_id=BACKEND, configure=True, **values):
    """A store of ``values``; BadStoreConfiguration is raised."""
    conf = cfg.ConfigOpts()
    conf([])
    store = swift.Store(conf, backend=store_id)
    values.setdefault('swift_store_create_container_on_put', True)
    for name, value in values.items():
        conf.set_override(name, value, group=store_id or 'glance_store')
    if configure:
        store.configure(re_raise_bsc=True)
    return store


def location_of(store, uri):
    return location.Location(
        'swift',
        swift.StoreLocation,
        store.conf,
        uri=uri,
        backend=store.backend_group,
    )


def read_all(store, uri, context=None, **kwargs):
    chunks, size = store.get(
        location_of(store, uri), context=context, **kwargs
    )
    return b''.join(chunks), size


def add(store, data, size=None, image_id=None, context=None, **kwargs):
    image_id = image_id or str(uuid.uuid4())
    size = len(data) if size is None else size
    result = store.add(
        image_id, io.BytesIO(data), size, 'sha256', context=context, **kwargs
    )
    return image_id, result


class FailingReader(io.BytesIO):
    def __init__(self, data, fail_after):
        super().__init__(data)
        self.fail_after = fail_after

    def read(self, size=-1):
        if self.tell() >= self.fail_after:
            raise OSError('client went away')
        return super().read(size)


class StoreLocationTest(testtools.TestCase):
    def parse(self, uri):
        loc = swift.StoreLocation({}, cfg.ConfigOpts())
        loc.parse_uri(uri)
        return loc

    def test_every_upstream_form(self):
        for uri, fields in (
            (
                'swift+config://ref1/glance/img',
                ('swift+config', 'ref1', 'glance', 'img'),
            ),
            (
                'swift+https://keystone.example.com:5000/v3/glance/img',
                (
                    'swift+https',
                    'keystone.example.com:5000/v3',
                    'glance',
                    'img',
                ),
            ),
            (
                'swift+http://10.0.0.1:8080/v1/AUTH_p1/glance_img/img',
                (
                    'swift+http',
                    '10.0.0.1:8080/v1/AUTH_p1',
                    'glance_img',
                    'img',
                ),
            ),
            ('swift://auth.example/glance/img', ('swift', 'auth.example')),
        ):
            loc = self.parse(uri)
            got = (loc.scheme, loc.address, loc.container, loc.obj)
            self.assertEqual(fields, got[: len(fields)])
            self.assertEqual(uri, loc.get_uri())

    def test_transport_of_each_scheme(self):
        for uri, http_url in (
            ('swift://a.example/v3/c/o', 'https://a.example/v3'),
            ('swift+https://a.example/c/o', 'https://a.example'),
            ('swift+http://a.example:80/c/o', 'http://a.example:80'),
        ):
            self.assertEqual(http_url, self.parse(uri).http_url)

    def test_legacy_credentials_are_dropped(self):
        loc = self.parse(
            'swift://tenant:user:%s@auth.example/v3/glance/img' % LEGACY_KEY
        )
        self.assertEqual('swift://auth.example/v3/glance/img', loc.get_uri())
        self.assertNotIn(LEGACY_KEY, repr(vars(loc)))
        self.assertNotIn('user', loc.get_uri())

    def test_bad_urls_are_refused_without_echoing_them(self):
        for uri in (
            's3://example.com/glance/img',
            'swift://u:%s@example.com/glance' % LEGACY_KEY,
            'swift+https://u:%s@example.com//img' % LEGACY_KEY,
            'swift+config://ref1/glance/',
            'swift+config://ref1/extra/glance/img',
        ):
            error = self.assertRaises(exceptions.BadStoreUri, self.parse, uri)
            self.assertNotIn(LEGACY_KEY, str(error))


class ConfigurationTest(testtools.TestCase):
    """What needs no server: nothing is sent while configuring."""

    def references(self):
        return write_references(
            self,
            '[ref1]\nuser = p:u\nkey = k1\nauth_address = '
            'https://keystone.example/v3\n\n[ref2]\nauth_version = 1\n'
            'user = a:u\nkey = k2\nauth_address = http://s.example/auth\n',
        )

    def test_url_prefixes(self):
        refs = self.references()
        for values, prefix in (
            ({'swift_store_config_file': refs}, 'swift+config://ref1/glance/'),
            (
                {
                    'swift_store_config_file': refs,
                    'default_swift_reference': 'ref2',
                    'swift_store_container': 'images',
                },
                'swift+config://ref2/images/',
            ),
            (
                {
                    'swift_store_auth_address': 'https://k.example:5000/v3/',
                    'swift_store_user': 'p:u',
                    'swift_store_key': 'secret',
                },
                'swift+https://k.example:5000/v3/glance/',
            ),
            (
                {
                    'swift_store_auth_address': 'http://k.example/v3',
                    'swift_store_user': 'p:u',
                    'swift_store_key': 'secret',
                },
                'swift+http://k.example/v3/glance/',
            ),
            (
                {
                    'swift_store_config_file': refs,
                    'swift_store_multiple_containers_seed': 2,
                },
                'swift+config://ref1/',
            ),
        ):
            store = make_store(**values)
            self.assertEqual(prefix, store.url_prefix)
            self.assertNotIn('secret', prefix)

    def test_no_url_prefix_multi_tenant_or_single_store_mode(self):
        self.assertIsNone(make_store(swift_store_multi_tenant=True).url_prefix)
        store = make_store(
            store_id=None, swift_store_config_file=self.references()
        )
        self.assertIsNone(store.url_prefix)

    def test_capabilities_and_schemes(self):
        store = make_store(swift_store_config_file=self.references())
        self.assertTrue(
            store.is_capable(
                capabilities.BitMasks.RW_ACCESS,
                capabilities.BitMasks.READ_RANDOM,
            )
        )
        self.assertEqual(
            {'swift', 'swift+http', 'swift+https', 'swift+config'},
            set(store.get_schemes()),
        )

    def test_upstream_defaults(self):
        conf = cfg.ConfigOpts()
        conf([])
        conf.register_opts(options.OPTIONS, group='g')
        self.assertEqual(
            (5120, 200, 'glance', 'ref1', 'publicURL', 'object-store', 0),
            (
                conf.g.swift_store_large_object_size,
                conf.g.swift_store_large_object_chunk_size,
                conf.g.swift_store_container,
                conf.g.default_swift_reference,
                conf.g.swift_store_endpoint_type,
                conf.g.swift_store_service_type,
                conf.g.swift_store_retry_get_count,
            ),
        )

    def test_bad_configurations_are_named_not_shown(self):
        refs = self.references()
        for values, named in (
            ({}, 'swift_store_config_file'),
            (
                {'swift_store_user': 'p:u', 'swift_store_key': 'secret'},
                'swift_store_auth_address',
            ),
            (
                {
                    'swift_store_config_file': refs,
                    'default_swift_reference': 'nope',
                },
                'nope',
            ),
            (
                {'swift_store_config_file': refs + '.missing'},
                'refs.missing',
            ),
            (
                {
                    'swift_store_config_file': refs,
                    'swift_buffer_on_upload': True,
                },
                'swift_upload_buffer_dir',
            ),
        ):
            store = make_store(configure=False, **values)
            error = self.assertRaises(
                exceptions.BadStoreConfiguration,
                store.configure,
                re_raise_bsc=True,
            )
            self.assertIn(named, str(error))
            for secret in ('secret', 'k1', 'k2'):
                self.assertNotIn(secret, str(error))
            self.assertFalse(
                store.is_capable(capabilities.BitMasks.WRITE_ACCESS)
            )

    def test_reference_without_key_is_refused(self):
        refs = write_references(self, '[ref1]\nuser = p:u\nauth_address = x\n')
        error = self.assertRaises(
            exceptions.BadStoreConfiguration,
            make_store,
            swift_store_config_file=refs,
        )
        self.assertIn('lacks key', str(error))

    def test_credentials_never_show_their_key(self):
        credentials = options.Credentials('https://k', 'p:u', 'k3y')
        self.assertNotIn('k3y', repr(credentials))
        self.assertEqual(('p', 'u'), credentials.project_and_user())
        self.assertFalse(credentials.v1)


class SwiftTestCase(testtools.TestCase):
    """One Swift (tempauth only) per class; one container per test."""

    keystone = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        reason = swift_fixtures.unavailable_reason()
        if reason:
            raise cls.skipException(reason)
        cls.swift = swift_fixtures.SwiftServer(keystone=cls.keystone)
        cls.swift.setUp()

    @classmethod
    def tearDownClass(cls):
        cls.swift.cleanUp()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.container = 'glance-%s' % uuid.uuid4().hex[:12]
        self.client = self.swift.client()
        self.refs = write_references(self, v1_reference(self.swift))
        self.logs = self.useFixture(
            fixtures.FakeLogger(name='glance_store', level=logging.DEBUG)
        )
        self.addCleanup(self.assertNoSecret, self.logs.output)

    def assertNoSecret(self, text, secrets=(KEY, LEGACY_KEY)):
        for secret in secrets:
            self.assertNotIn(secret, str(text))

    def make(self, **values):
        values.setdefault('swift_store_config_file', self.refs)
        values.setdefault('swift_store_container', self.container)
        return make_store(**values)

    def stored_names(self):
        """Every object of the test's container (none before it exists)."""
        try:
            return list(self.objects())
        except swiftclient.ClientException as error:
            if error.http_status != 404:
                raise
            return []

    def objects(self, container=None):
        """{name: bytes} of the objects in the test's container."""
        _, listing = self.client.get_container(
            container or self.container, full_listing=True
        )
        return {o['name']: o['bytes'] for o in listing}


class SwiftStoreTest(SwiftTestCase):
    def check_result(self, store, image_id, data, result):
        uri, size, checksum, multihash, metadata = result
        self.assertEqual(
            'swift+config://ref1/%s/%s' % (self.container, image_id), uri
        )
        self.assertTrue(uri.startswith(store.url_prefix))
        self.assertEqual(
            (len(data), hashlib.md5(data).hexdigest()), (size, checksum)
        )
        self.assertEqual(hashlib.sha256(data).hexdigest(), multihash)
        self.assertEqual({'store': BACKEND}, metadata)
        self.assertEqual((data, len(data)), read_all(store, uri))

    def segmented_store(self, **values):
        return self.make(
            swift_store_large_object_size=1,
            swift_store_large_object_chunk_size=1,
            **values,
        )

    def test_small_image_is_one_object(self):
        store = self.make()
        data = os.urandom(300 * 1024)
        image_id, result = add(store, data)
        self.check_result(store, image_id, data, result)
        self.assertEqual({image_id: len(data)}, self.objects())

    def test_short_last_segment_declares_its_own_length(self):
        # Upstream declared a full segment for a short last one: Swift then
        # waited 60 s for bytes that never came and the upload failed.
        store = self.segmented_store()
        data = os.urandom(2 * MB + 12345)
        started = time.monotonic()
        image_id, result = add(store, data)
        self.assertLess(time.monotonic() - started, 30)
        self.check_result(store, image_id, data, result)
        self.assertEqual(
            {
                image_id: 0,
                image_id + '-00001': MB,
                image_id + '-00002': MB,
                image_id + '-00003': 12345,
            },
            self.objects(),
        )
        headers = self.client.head_object(self.container, image_id)
        self.assertEqual(
            '%s/%s-' % (self.container, image_id),
            headers['x-object-manifest'],
        )
        self.assertEqual(
            len(data), store.get_size(location_of(store, result[0]))
        )

    def test_exact_multiple_and_unknown_size(self):
        store = self.segmented_store()
        for data, size, segments in (
            (os.urandom(2 * MB), None, [MB, MB]),
            (os.urandom(2 * MB + 1), 0, [MB, MB, 1]),
            (os.urandom(MB), 0, [MB]),
            (b'', 0, []),
        ):
            image_id, result = add(store, data, size=size)
            self.check_result(store, image_id, data, result)
            listed = self.objects()
            self.assertEqual(
                segments,
                [
                    listed[n]
                    for n in sorted(listed)
                    if n.startswith(image_id + '-')
                ],
            )

    def test_ranges_of_a_segmented_image(self):
        store = self.segmented_store()
        data = os.urandom(3 * MB)
        _, (uri, *_) = add(store, data)
        across = MB - 10
        self.assertEqual(
            (data[across : across + 100], 100),
            read_all(store, uri, offset=across, chunk_size=100),
        )
        self.assertEqual(
            (data[-7:], 7), read_all(store, uri, offset=len(data) - 7)
        )

    def test_delete_removes_manifest_and_segments(self):
        store = self.segmented_store()
        _, (uri, *_) = add(store, os.urandom(2 * MB + 1))
        kept, _ = add(store, b'small')
        store.delete(location_of(store, uri))
        self.assertEqual({kept: 5}, self.objects())
        self.assertRaises(
            exceptions.NotFound, store.delete, location_of(store, uri)
        )

    def test_failed_upload_leaves_nothing(self):
        store = self.segmented_store()
        data = os.urandom(3 * MB)
        for size in (len(data), 0):
            self.assertRaises(
                OSError,
                store.add,
                'img',
                FailingReader(data, 2 * MB + 5),
                size,
                'sha256',
            )
            self.assertEqual({}, self.objects())
        self.assertRaises(
            OSError,
            self.make().add,
            'small',
            FailingReader(data, MB),
            len(data),
            'sha256',
        )
        self.assertEqual({}, self.objects())

    def test_data_shorter_than_announced_is_refused(self):
        store = self.segmented_store()
        error = self.assertRaises(
            exceptions.Invalid,
            add,
            store,
            os.urandom(MB + 5),
            size=2 * MB,
            image_id='x',
        )
        self.assertIn('Size mismatch', str(error))
        self.assertEqual({}, self.objects())

    def test_data_longer_than_announced_is_refused(self):
        # Segmented or not, nothing past the declared size is stored, and
        # what was stored is removed.
        for store in (self.segmented_store(), self.make()):
            error = self.assertRaises(
                exceptions.Invalid,
                add,
                store,
                os.urandom(MB + 5),
                size=MB,
                image_id='x',
            )
            self.assertIn('Size exceeds', str(error))
            self.assertEqual({}, self.objects())

    def test_segments_of_an_interrupted_upload_are_replaced(self):
        store = self.segmented_store()
        # What a crash in the middle of an upload left: no manifest.
        self.client.put_container(self.container)
        for number in (1, 2, 3):
            self.client.put_object(
                self.container, 'img-%05d' % number, b'stale'
            )
        data = os.urandom(MB + 3)
        _, result = add(store, data, image_id='img')
        self.check_result(store, 'img', data, result)
        self.assertEqual(
            {'img': 0, 'img-00001': MB, 'img-00002': 3}, self.objects()
        )

    def test_discard_partial_removes_only_segments_without_manifest(self):
        store = self.segmented_store()
        store.discard_partial('img')  # no container yet
        self.client.put_container(self.container)
        for name in ('img-00001', 'img-00002', 'imgx-00001'):
            self.client.put_object(self.container, name, b'stale')
        data = os.urandom(MB + 3)
        add(store, data, image_id='done')
        store.discard_partial('img')
        store.discard_partial('done')
        self.assertEqual(
            {'imgx-00001': 5, 'done': 0, 'done-00001': MB, 'done-00002': 3},
            self.objects(),
        )

    def test_buffered_segments(self):
        buffers = self.useFixture(fixtures.TempDir()).path
        store = self.segmented_store(
            swift_buffer_on_upload=True, swift_upload_buffer_dir=buffers
        )
        data = os.urandom(2 * MB + 3)
        image_id, result = add(store, data)
        self.check_result(store, image_id, data, result)
        self.assertEqual([], os.listdir(buffers))

    def test_duplicate_is_refused_and_kept(self):
        store = self.make()
        image_id, _ = add(store, b'first')
        self.assertRaises(
            exceptions.Duplicate, add, store, b'second', image_id=image_id
        )
        self.assertEqual(
            b'first', self.client.get_object(self.container, image_id)[1]
        )

    def test_missing_container_is_a_clear_error(self):
        store = self.make(swift_store_create_container_on_put=False)
        error = self.assertRaises(
            exceptions.BackendException, add, store, b'x'
        )
        self.assertIn('swift_store_create_container_on_put', str(error))

    def test_multiple_containers(self):
        store = self.make(swift_store_multiple_containers_seed=3)
        _, (uri, *_) = add(store, b'x', image_id='abcdef-1')
        self.assertEqual(
            'swift+config://ref1/%s_abc/abcdef-1' % self.container, uri
        )
        self.assertTrue(uri.startswith(store.url_prefix))
        self.assertEqual(
            {'abcdef-1': 1}, self.objects(self.container + '_abc')
        )

    def test_legacy_urls_read_with_configured_credentials(self):
        host = self.swift.auth_v1_url.removeprefix('http://')
        store = self.make(
            swift_store_config_file=None,
            swift_store_auth_version='1',
            swift_store_auth_address=self.swift.auth_v1_url,
            swift_store_user='glance:glance',
            swift_store_key=KEY,
        )
        image_id, (uri, *_) = add(store, b'legacy data')
        self.assertEqual(
            'swift+http://%s/%s/%s' % (host, self.container, image_id), uri
        )
        for legacy in (
            'swift+http://glance:glance:%s@%s/%s/%s'
            % (LEGACY_KEY, host, self.container, image_id),
            # Stores with a reference file read these too.
            uri,
        ):
            self.assertEqual((b'legacy data', 11), read_all(store, legacy))
            by_reference = self.make(
                swift_store_config_file=write_references(
                    self, v1_reference(self.swift, name='other')
                ),
                default_swift_reference='other',
            )
            self.assertEqual(
                (b'legacy data', 11), read_all(by_reference, legacy)
            )

    def test_credentials_of_another_address_are_not_sent(self):
        store = self.make()
        url = 'swift+http://elsewhere.example/auth/v1.0/%s/x' % self.container
        error = self.assertRaises(
            exceptions.BackendException, read_all, store, url
        )
        self.assertIn('no credentials for', str(error))

    def test_absent_reference_is_a_clear_error(self):
        store = self.make()
        error = self.assertRaises(
            exceptions.BackendException,
            read_all,
            store,
            'swift+config://ref9/%s/x' % self.container,
        )
        self.assertIn('ref9', str(error))

    def test_single_store_mode(self):
        self.useFixture(store_maps.StoreMapsFixture())
        conf = store_contract.new_conf()
        backend.register_opts(conf)
        for name, value in (
            ('stores', ['swift']),
            ('default_store', 'swift'),
            ('swift_store_config_file', self.refs),
            ('swift_store_container', self.container),
            ('swift_store_create_container_on_put', True),
        ):
            conf.set_override(name, value, group='glance_store')
        backend.create_stores(conf)
        uri, size, _, _, metadata = backend.add_to_backend_with_multihash(
            conf, 'img', io.BytesIO(b'single'), 6, 'sha256'
        )
        self.assertEqual(
            ('swift+config://ref1/%s/img' % self.container, 6, {}),
            (uri, size, metadata),
        )
        chunks, size = backend.get_from_backend(uri)
        self.assertEqual(b'single', b''.join(chunks))


class ResumedDownloadTest(SwiftTestCase):
    """A TCP relay in front of the proxy breaks a download halfway."""

    def setUp(self):
        super().setUp()
        self.relay = self.useFixture(
            swift_fixtures.CutProxy(('127.0.0.1', self.swift.port))
        )
        self.data = os.urandom(3 * MB)

    def upload(self, **values):
        store = self.make(
            swift_store_endpoint=self.relay.url
            + '/v1/%s_glance' % self.swift.tempauth_prefix,
            swift_store_large_object_size=1,
            swift_store_large_object_chunk_size=1,
            **values,
        )
        _, (uri, *_) = add(store, self.data)
        return store, uri

    def test_download_resumes_where_it_broke(self):
        store, uri = self.upload(swift_store_retry_get_count=2)
        chunks, size = store.get(location_of(store, uri))
        self.relay.cut_after(MB + 777)
        self.assertEqual(self.data, b''.join(chunks))
        self.assertEqual(1, self.relay.cuts)
        self.assertIn('resuming', self.logs.output)

    def test_range_download_resumes_within_its_range(self):
        store, uri = self.upload(swift_store_retry_get_count=1)
        chunks, size = store.get(
            location_of(store, uri), offset=1000, chunk_size=2 * MB
        )
        self.relay.cut_after(MB)
        self.assertEqual(self.data[1000 : 1000 + 2 * MB], b''.join(chunks))
        self.assertEqual((1, 2 * MB), (self.relay.cuts, size))

    def test_without_retries_a_broken_download_fails_clearly(self):
        store, uri = self.upload()
        chunks, _ = store.get(location_of(store, uri))
        self.relay.cut_after(MB)
        error = self.assertRaises(
            exceptions.RemoteServiceUnavailable, b''.join, chunks
        )
        self.assertIn('broke at byte', str(error))


class SwiftDownTest(SwiftTestCase):
    def test_swift_down_is_unavailable_not_missing(self):
        store = self.make()
        _, (uri, *_) = add(store, b'data')
        loc = location_of(store, uri)
        self.swift.stop_proxy()
        self.addCleanup(self.swift.start_proxy)
        started = time.monotonic()
        for call in (
            lambda: add(store, b'x'),
            lambda: store.get(loc),
            lambda: store.get_size(loc),
            lambda: store.delete(loc),
        ):
            error = self.assertRaises(
                exceptions.RemoteServiceUnavailable, call
            )
            self.assertIn('cannot be reached', str(error))
        self.assertLess(time.monotonic() - started, 20)

    def test_wrong_key_is_a_clear_error_without_it(self):
        wrong = 'wr0ng-key-never-shown'
        refs = write_references(
            self, v1_reference(self.swift).replace(KEY, wrong)
        )
        store = self.make(swift_store_config_file=refs)
        loc = location_of(store, 'swift+config://ref1/%s/img' % self.container)
        for call in (
            lambda: add(store, b'x'),
            lambda: store.get(loc),
            lambda: store.delete(loc),
        ):
            error = self.assertRaises(exceptions.BackendException, call)
            self.assertIn('refused the credentials of store', str(error))
            self.assertIsNone(error.__cause__)
            self.assertNoSecret(error, (wrong, KEY))
        self.assertNoSecret(self.logs.output, (wrong,))


class TempauthContractTest(store_contract.StoreContract, SwiftTestCase):
    """The shared driver contract, Swift's own auth (v1) reference."""

    secrets = (KEY,)

    def setUp(self):
        super().setUp()
        self.useFixture(store_maps.StoreMapsFixture())
        conf = store_contract.new_conf({BACKEND: 'swift'})
        for name, value in (
            ('swift_store_config_file', self.refs),
            ('swift_store_container', self.container),
            ('swift_store_create_container_on_put', True),
        ):
            conf.set_override(name, value, group=BACKEND)
        multi_backend.create_multi_stores(conf)
        self.store = multi_backend.get_store_from_store_identifier(BACKEND)

    def absent_url(self):
        self.client.put_container(self.container)
        return self.store.url_prefix + 'no-such-image'


class KeystoneTestCase(SwiftTestCase):
    """Keystone and a Swift that takes its tokens, one each per class."""

    @classmethod
    def setUpClass(cls):
        reason = keystone_fixtures.unavailable_reason()
        if reason:
            raise cls.skipException(reason)
        cls.keystone = keystone_fixtures.KeystoneServer()
        cls.keystone.setUp()
        try:
            super().setUpClass()
            cls.keystone.add_endpoint(
                'object-store', cls.swift.url + '/v1/AUTH_$(project_id)s'
            )
            cls.alice = cls.keystone.create_project_user('alice')
            cls.bob = cls.keystone.create_project_user('bob')
        except BaseException:
            cls.keystone.cleanUp()
            raise

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.keystone.cleanUp()

    def v3_reference(self, name='ref1', user=None, password=None):
        user = user or self.alice
        return (
            '[%s]\nauth_version = 3\nauth_address = %s\nuser = %s:%s\n'
            'key = %s\nuser_domain_name = Default\n'
            'project_domain_id = default\n\n'
            % (
                name,
                self.keystone.auth_url,
                user.project_name,
                user.username,
                password or user.password,
            )
        )

    def account(self, user):
        return swiftclient.Connection(
            session=self.keystone.session(user), retries=0
        )

    def context(self, user):
        session = self.keystone.session(user)
        access = session.auth.get_access(session)
        return glance_context.RequestContext(
            auth_token=access.auth_token,
            project_id=user.project_id,
            user_id=user.user_id,
            service_catalog=access.service_catalog.catalog,
        )


class KeystoneStoreTest(store_contract.StoreContract, KeystoneTestCase):
    """Single- and multi-tenant stores with Keystone (one per class: it
    takes seconds to start), and the shared contract (v3 reference)."""

    def setUp(self):
        super().setUp()
        self.useFixture(store_maps.StoreMapsFixture())
        conf = store_contract.new_conf({BACKEND: 'swift'})
        for name, value in (
            (
                'swift_store_config_file',
                write_references(self, self.v3_reference()),
            ),
            ('swift_store_container', self.container),
            ('swift_store_create_container_on_put', True),
        ):
            conf.set_override(name, value, group=BACKEND)
        multi_backend.create_multi_stores(conf)
        self.store = multi_backend.get_store_from_store_identifier(BACKEND)
        self.secrets = (self.alice.password,)

    def absent_url(self):
        return self.store.url_prefix + 'no-such-image'

    def test_reference_with_keystone_v3(self):
        refs = write_references(self, self.v3_reference())
        store = self.make(swift_store_config_file=refs)
        image_id, (uri, *_) = add(store, b'v3 data')
        self.assertEqual(
            'swift+config://ref1/%s/%s' % (self.container, image_id), uri
        )
        self.assertEqual((b'v3 data', 7), read_all(store, uri))
        listed = self.account(self.alice).get_container(self.container)[1]
        self.assertEqual([image_id], [o['name'] for o in listed])
        self.assertNoSecret(self.logs.output, (self.alice.password,))

    def test_credentials_in_the_section(self):
        store = self.make(
            swift_store_config_file=None,
            swift_store_auth_version='3',
            swift_store_auth_address=self.keystone.auth_url,
            swift_store_user='alice:alice',
            swift_store_key=self.alice.password,
        )
        host = self.keystone.auth_url.removeprefix('http://')
        self.assertEqual(
            'swift+http://%s/%s/' % (host, self.container), store.url_prefix
        )
        image_id, (uri, *_) = add(store, b'section')
        self.assertEqual(store.url_prefix + image_id, uri)
        self.assertNotIn(self.alice.password, uri)
        self.assertEqual((b'section', 7), read_all(store, uri))

    def test_wrong_password_is_a_clear_error_without_it(self):
        wrong = 'wr0ng-password-never-shown'
        refs = write_references(self, self.v3_reference(password=wrong))
        store = self.make(swift_store_config_file=refs)
        error = self.assertRaises(
            exceptions.BackendException, add, store, b'x'
        )
        self.assertIn('Keystone refused the credentials', str(error))
        self.assertNoSecret(error, (wrong,))
        self.assertNoSecret(self.logs.output, (wrong,))

    def tenant_store(self, **values):
        return make_store(
            swift_store_multi_tenant=True,
            swift_store_container=self.container,
            **values,
        )

    def test_image_goes_to_the_owners_account(self):
        store = self.tenant_store()
        context = self.context(self.alice)
        image_id, (uri, size, *_) = add(store, b'owned', context=context)
        self.assertEqual(
            '%s/%s_%s/%s'
            % (
                self.swift.storage_url(self.alice.project_id).replace(
                    'http://', 'swift+http://'
                ),
                self.container,
                image_id,
                image_id,
            ),
            uri,
        )
        self.assertNotIn(context.auth_token, uri)
        container = '%s_%s' % (self.container, image_id)
        self.assertEqual(
            b'owned',
            self.account(self.alice).get_object(container, image_id)[1],
        )
        self.assertEqual((b'owned', 5), read_all(store, uri, context=context))

        # Bob may read once the container's ACL says so.
        bob = self.context(self.bob)
        error = self.assertRaises(
            exceptions.BackendException, read_all, store, uri, context=bob
        )
        self.assertNoSecret(error, (context.auth_token, bob.auth_token))
        store.set_acls(
            location_of(store, uri),
            read_tenants=[self.bob.project_id],
            context=context,
        )
        self.assertEqual((b'owned', 5), read_all(store, uri, context=bob))

        store.delete(location_of(store, uri), context=context)
        containers = self.account(self.alice).get_account()[1]
        self.assertNotIn(container, [c['name'] for c in containers])
        self.assertNoSecret(self.logs.output, (context.auth_token,))

    def test_segmented_and_admin_tenants(self):
        store = self.tenant_store(
            swift_store_large_object_size=1,
            swift_store_large_object_chunk_size=1,
            swift_store_admin_tenants=[self.bob.project_id],
        )
        context = self.context(self.alice)
        data = os.urandom(MB + 10)
        image_id, (uri, *_) = add(store, data, context=context)
        container = '%s_%s' % (self.container, image_id)
        headers = self.account(self.alice).head_container(container)
        self.assertEqual(
            '%s:*' % self.bob.project_id, headers['x-container-read']
        )
        self.assertEqual(
            (data, len(data)),
            read_all(store, uri, context=self.context(self.bob)),
        )
        store.delete(location_of(store, uri), context=context)
        self.assertRaises(
            swiftclient.ClientException,
            self.account(self.alice).head_container,
            container,
        )

    def test_catalog_in_keystonemiddleware_shape(self):
        store = self.tenant_store()
        context = self.context(self.alice)
        # keystonemiddleware hands services the v2 shape of the catalog.
        context.service_catalog = [
            {
                'type': 'object-store',
                'endpoints': [
                    {
                        'region': keystone_fixtures.REGION,
                        'publicURL': self.swift.storage_url(
                            self.alice.project_id
                        ),
                    }
                ],
            }
        ]
        _, (uri, *_) = add(store, b'v2 catalog', context=context)
        self.assertIn('AUTH_' + self.alice.project_id, uri)

    def test_without_a_token_or_catalog(self):
        store = self.tenant_store()
        error = self.assertRaises(
            exceptions.BackendException,
            add,
            store,
            b'x',
            context=glance_context.RequestContext(project_id='p'),
        )
        self.assertIn("caller's token", str(error))
        context = self.context(self.alice)
        context.service_catalog = []
        error = self.assertRaises(
            exceptions.BackendException, add, store, b'x', context=context
        )
        self.assertIn('no object-store endpoint', str(error))
