"""What upstream glance (and other callers of upstream glance_store) use
of the library: the names, signatures, store attributes and exception
contract it relies on, here on the real file store in a temp dir.

The functional proof is tests/functional/interop/ (upstream glance-api
33 running on this glance_store).
"""

import inspect

import fixtures
import testtools
from oslo_config import cfg

import glance_store
from glance_store import backend
from glance_store import exceptions
from glance_store import location
from glance_store import multi_backend
from glance_store._drivers import filesystem
from glance_store._drivers import s3
from glance_store._drivers.swift import store as swift
from tests.fixtures import store_maps

# Module -> names upstream glance 33 calls (grep of its installed
# sources for glance_store usages), private ones included.
USED_BY_UPSTREAM_GLANCE = {
    glance_store: (
        'register_opts',
        'register_store_opts',
        'create_stores',
        'create_multi_stores',
        'verify_default_store',
        'verify_store',
        'get_store_from_store_identifier',
        'get_store_weight',
        'get_from_backend',
        'get_size_from_backend',
        'delete_from_backend',
        'get_known_schemes',
        'get_known_schemes_for_multi_store',
        'get_size_from_uri_and_backend',
        'add_to_backend_with_multihash',
        'add_with_multihash',
        'check_location_metadata',
        'set_acls',
        'set_acls_for_multi_store',
        'get',
        'delete',
        'location',
        'backend',
        'exceptions',
    ),
    backend: ('_load_store', 'register_opts'),
    multi_backend: ('_load_multi_store',),
    location: (
        'SCHEME_TO_CLS_BACKEND_MAP',
        'SCHEME_TO_CLS_MAP',
        'get_location_from_uri',
        'get_location_from_uri_and_backend',
        'Location',
    ),
}

# Exception classes upstream glance catches or raises, at package level
# and in glance_store.exceptions.
EXCEPTIONS = (
    'BackendException',
    'BadStoreUri',
    'Duplicate',
    'Forbidden',
    'HasSnapshot',
    'InUseByStore',
    'Invalid',
    'NotFound',
    'RemoteServiceUnavailable',
    'StorageFull',
    'StorageWriteDenied',
    'StoreAddDisabled',
    'StoreDeleteNotSupported',
    'StoreGetNotSupported',
    'StoreRandomGetNotSupported',
    'TimeoutError',
    'UnknownScheme',
    'UnsupportedBackend',
)


class UpstreamNamesTest(testtools.TestCase):
    def test_every_name_upstream_glance_uses_exists(self):
        missing = [
            '%s.%s' % (module.__name__, name)
            for module, names in USED_BY_UPSTREAM_GLANCE.items()
            for name in names
            if not hasattr(module, name)
        ]
        missing += [
            name
            for name in EXCEPTIONS
            if not (hasattr(glance_store, name) and hasattr(exceptions, name))
        ]
        self.assertEqual([], missing)

    def test_verify_functions_take_no_argument(self):
        # Upstream's take none; ours may take the configuration.
        for function in (
            backend.verify_default_store,
            multi_backend.verify_store,
        ):
            for parameter in inspect.signature(function).parameters.values():
                self.assertIsNot(parameter.default, inspect.Parameter.empty)


class LoadStoreTest(testtools.TestCase):
    """Upstream glance builds its legacy staging store this way."""

    def setUp(self):
        super().setUp()
        self.useFixture(store_maps.StoreMapsFixture())
        self.root = self.useFixture(fixtures.TempDir()).path

    def test_load_store_gives_an_unconfigured_store(self):
        conf = cfg.ConfigOpts()
        backend.register_opts(conf)
        conf.set_override(
            'filesystem_store_datadir', self.root + '/staging', 'glance_store'
        )
        store = backend._load_store(conf, 'file')
        self.assertIsInstance(store, filesystem.Store)
        self.assertIsNone(store.backend_group)
        store.configure()
        url, size, _, _, _ = backend.store_add_to_backend_with_multihash(
            'img', iter([b'abc']), 3, 'sha256', store
        )
        self.assertEqual(('file://%s/staging/img' % self.root, 3), (url, size))
        # Not published in the scheme maps.
        self.assertEqual({}, dict(location.SCHEME_TO_CLS_MAP))

    def test_load_store_class_only(self):
        self.assertIs(
            filesystem.Store,
            backend._load_store(None, 'file', invoke_load=False),
        )
        self.assertIs(
            filesystem.Store,
            multi_backend._load_multi_store(None, 'file', False),
        )

    def test_unknown_driver_is_none(self):
        conf = cfg.ConfigOpts()
        logs = self.useFixture(fixtures.FakeLogger())
        self.assertIsNone(backend._load_store(conf, 'no-such-driver'))
        self.assertIn('no-such-driver', logs.output)

    def test_load_multi_store_for_a_store_id(self):
        conf = cfg.ConfigOpts()
        conf([])
        store = multi_backend._load_multi_store(conf, 'file', backend='fast')
        self.assertEqual('fast', store.backend_group)


class StoreAttributesTest(testtools.TestCase):
    """The attributes upstream glance's /v2/info/stores/detail reads."""

    def setUp(self):
        super().setUp()
        self.root = self.useFixture(fixtures.TempDir()).path
        self.conf = cfg.ConfigOpts()
        self.conf([])

    def test_file_store(self):
        store = filesystem.Store(self.conf, backend='fast')
        self.conf.set_override(
            'filesystem_store_datadir', self.root + '/fast/', 'fast'
        )
        self.conf.set_override('filesystem_store_chunk_size', 4096, 'fast')
        store.configure()
        # The option as written, as upstream.
        self.assertEqual(self.root + '/fast/', store.datadir)
        self.assertEqual(4096, store.chunk_size)
        self.assertIs(False, store.thin_provisioning)
        self.assertIs(False, store.multiple_datadirs)
        self.assertEqual(4096, store.store_conf.filesystem_store_chunk_size)
        self.assertEqual(
            4096, store.store_conf.get('filesystem_store_chunk_size')
        )

    def test_file_store_with_datadirs(self):
        store = filesystem.Store(self.conf, backend='fast')
        self.conf.set_override(
            'filesystem_store_datadirs',
            [self.root + '/low:10', self.root + '/high:200'],
            'fast',
        )
        store.configure()
        self.assertEqual(self.root + '/high', store.datadir)
        self.assertIs(True, store.multiple_datadirs)

    def test_s3_sizes_in_bytes(self):
        store = s3.Store(self.conf, backend='s3')
        self.conf.set_override('s3_store_large_object_size', 3, 's3')
        self.conf.set_override('s3_store_large_object_chunk_size', 7, 's3')
        self.conf.set_override('s3_store_thread_pools', 4, 's3')
        self.assertEqual(3 * 2**20, store.s3_store_large_object_size)
        self.assertEqual(7 * 2**20, store.s3_store_large_object_chunk_size)
        self.assertEqual(4, store.s3_store_thread_pools)

    def test_swift_segment_size_in_bytes(self):
        store = swift.Store(self.conf, backend='sw')
        self.conf.set_override('swift_store_large_object_chunk_size', 2, 'sw')
        # glance_store's MB.
        self.assertEqual(2 * 1024000, store.large_object_chunk_size)


class ExceptionContractTest(testtools.TestCase):
    """Upstream's: %-formatting with upstream's argument names, never
    raising; ``msg`` and ``str()`` give the message."""

    def test_upstream_argument_names(self):
        cases = [
            (exceptions.NotFound, {'image': 'img-1'}, 'img-1'),
            (exceptions.UnknownScheme, {'scheme': 'zz'}, 'zz'),
            (exceptions.Duplicate, {'image': 'img-2'}, 'img-2'),
            (exceptions.UnknownHashingAlgo, {'algo': 'md4'}, 'md4'),
            (exceptions.MissingCredentialError, {'required': 'key'}, 'key'),
            (exceptions.AuthorizationRedirect, {'uri': 'https://k/'}, 'k'),
            (exceptions.AuthBadRequest, {'url': 'https://k/v3'}, 'k/v3'),
            (exceptions.AuthUrlNotFound, {'url': 'https://k/v3'}, 'k/v3'),
            (exceptions.MaxRedirectsExceeded, {'redirects': 5}, '5'),
            (exceptions.HostNotInitialized, {'host': 'h1'}, 'h1'),
            (exceptions.TimeoutError, {'timeout': 30}, '30'),
            (
                exceptions.DriverLoadFailure,
                {'driver_name': 'cinder'},
                'cinder',
            ),
            (
                exceptions.BadStoreConfiguration,
                {'store_name': 'fast', 'reason': 'why'},
                'why',
            ),
            (
                exceptions.StoreRandomGetNotSupported,
                {'offset': 11, 'chunk_size': 22},
                '22',
            ),
        ]
        for cls, kwargs, expected in cases:
            e = cls(**kwargs)
            self.assertIn(expected, e.msg, cls)
            self.assertEqual(e.msg, str(e))
            self.assertNotIn('%(', e.msg)

    def test_message_is_formatted_with_arguments(self):
        e = exceptions.Invalid(
            message='size %(size)d of %(id)s', size=3, id='x'
        )
        self.assertEqual('size 3 of x', e.msg)

    def test_message_without_arguments_is_kept(self):
        self.assertEqual('100% done', exceptions.Invalid('100% done').msg)

    def test_missing_or_wrong_arguments_never_raise(self):
        self.assertNotIn('%(', exceptions.NotFound().msg)
        self.assertEqual(
            'n %(x)d', exceptions.Invalid(message='n %(x)d', x='text').msg
        )
        # upstream glance raises NotFound(image=None).
        self.assertIn('None', exceptions.NotFound(image=None).msg)

    def test_bad_store_uri_hides_credentials(self):
        e = exceptions.BadStoreUri(uri='swift+https://user:key@host/c/o')
        self.assertIn('swift+https://host/c/o', e.msg)
        self.assertNotIn('key', e.msg)
        self.assertIn('why', exceptions.BadStoreUri(reason='why').msg)
        self.assertEqual('given', exceptions.BadStoreUri(message='given').msg)

    def test_redirect_exception_url_is_parsed(self):
        e = exceptions.RedirectException('https://u:p@host/path')
        self.assertEqual(('https', '/path'), (e.url.scheme, e.url.path))
        self.assertNotIn('u:p', str(e))
