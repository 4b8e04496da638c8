"""The S3 driver, against moto's S3 server running in another process."""

import hashlib
import io
import logging
import os
import time
import uuid

import fixtures
import testtools
from oslo_config import cfg

from glance import store_resolution
from glance_store import backend
from glance_store import capabilities
from glance_store import exceptions
from glance_store import location
from glance_store import multi_backend
from glance_store._drivers import s3
from tests import store_contract
from tests.fixtures import s3_server
from tests.fixtures import store_maps

BACKEND = 's3store'
MiB = 1024 * 1024
# A secret with "/" as real AWS secrets often have: legacy URL parsing
# must not split on it.
SECRET = s3_server.ANY_SECRET_KEY
ACCESS = s3_server.ANY_ACCESS_KEY


def set_options(conf, group, **options):
    values = {
        's3_store_access_key': ACCESS,
        's3_store_secret_key': SECRET,
        's3_store_bucket': 'glance',
    }
    values.update(options)
    for name, value in values.items():
        conf.set_override(name, value, group=group)


def make_conf(store_id=BACKEND, **options):
    conf = cfg.ConfigOpts()
    conf([])
    store = s3.Store(conf, backend=store_id)
    set_options(conf, store_id or 'glance_store', **options)
    return conf, store


def make_store(store_id=BACKEND, **options):
    """A configured store; BadStoreConfiguration is raised, not swallowed."""
    _, store = make_conf(store_id=store_id, **options)
    store.configure(re_raise_bsc=True)
    return store


def location_of(store, uri):
    return location.Location(
        's3',
        s3.StoreLocation,
        store.conf,
        uri=uri,
        backend=store.backend_group,
    )


def read_all(store, uri, **kwargs):
    chunks, size = store.get(location_of(store, uri), **kwargs)
    data = b''.join(chunks)
    return data, size


class FailingReader(io.BytesIO):
    """A client upload that breaks after ``fail_after`` bytes.

    ``on_failure`` runs just before, to look at the store mid-upload.
    """

    def __init__(self, data, fail_after, on_failure=lambda: None):
        super().__init__(data)
        self.fail_after = fail_after
        self.on_failure = on_failure

    def read(self, size=-1):
        if self.tell() >= self.fail_after:
            self.on_failure()
            raise OSError('client went away')
        return super().read(size)


class ShortReads(io.BytesIO):
    """A network stream: reads return less than asked for."""

    def read(self, size=-1):
        return super().read(min(size, 300 * 1024))


class NoCredentialsMixin:
    credentials = (ACCESS, SECRET)

    def assertNoCredentials(self, text):
        for credential in self.credentials:
            self.assertNotIn(credential, str(text))


class StoreLocationTest(testtools.TestCase, NoCredentialsMixin):
    def parse(self, uri):
        loc = s3.StoreLocation({}, cfg.ConfigOpts())
        loc.parse_uri(uri)
        return loc

    def test_credential_free_url_round_trips(self):
        uri = 's3+https://s3.example.com:8443/glance/an-image'
        loc = self.parse(uri)
        self.assertEqual(
            ('s3+https', 's3.example.com:8443', 'glance', 'an-image'),
            (loc.scheme, loc.host, loc.bucket, loc.key),
        )
        self.assertEqual(uri, loc.get_uri())

    def test_legacy_url_loses_its_credentials(self):
        loc = self.parse(
            's3://%s:%s@s3.example.com/glance/an-image' % (ACCESS, SECRET)
        )
        self.assertEqual('s3://s3.example.com/glance/an-image', loc.get_uri())
        self.assertNoCredentials(vars(loc))

    def test_secret_with_at_sign_is_split_on_the_last_one(self):
        loc = self.parse('s3+http://key:se@c/ret@10.0.0.1:80/glance/img')
        self.assertEqual('s3+http://10.0.0.1:80/glance/img', loc.get_uri())

    def test_host_may_carry_a_path(self):
        loc = self.parse('s3+https://example.com/s3/api/glance/img')
        self.assertEqual(
            ('example.com/s3/api', 'glance', 'img'),
            (loc.host, loc.bucket, loc.key),
        )

    def test_bad_urls_are_refused_without_echoing_them(self):
        for uri in (
            'swift://example.com/glance/img',
            's3://example.com/glance',
            's3://%s:%s@example.com//img' % (ACCESS, SECRET),
            's3+https://example.com/glance/',
        ):
            error = self.assertRaises(exceptions.BadStoreUri, self.parse, uri)
            self.assertNoCredentials(error)


class ConfigurationTest(testtools.TestCase):
    """Checks that need no S3 server: nothing is sent at configure time."""

    def test_url_prefix_follows_the_host_scheme(self):
        # Upstream's form: only https shows in the scheme. An http store
        # also claims the s3+http URLs earlier versions of ours wrote.
        for host, prefixes in (
            ('https://s3.example.com', ['s3+https://s3.example.com/glance']),
            (
                'http://10.0.0.1:9000/',
                [
                    's3://10.0.0.1:9000/glance',
                    's3+http://10.0.0.1:9000/glance',
                ],
            ),
            ('s3.example.com', ['s3://s3.example.com/glance']),
            ('https://example.com/s3/', ['s3+https://example.com/s3/glance']),
        ):
            store = make_store(s3_store_host=host)
            self.assertEqual(prefixes[0], store.url_prefix)
            self.assertEqual(tuple(prefixes), store.url_prefixes)

    def test_store_index_resolves_both_forms_of_an_http_store(self):
        store = make_store(s3_store_host='http://10.0.0.1:9000')
        index = store_resolution.StoreIndex(
            {BACKEND: (store.get_schemes(), store.url_prefixes)}
        )
        for url in (
            's3://10.0.0.1:9000/glance/img',
            's3+http://10.0.0.1:9000/glance/img',
            's3://%s:%s@10.0.0.1:9000/glance/img' % (ACCESS, SECRET),
        ):
            self.assertEqual(BACKEND, index.resolve(url))
        self.assertIsNone(index.resolve('s3://10.0.0.1:9000/other/img'))

    def test_region_botocore_refuses_leaves_the_store_configured(self):
        # As upstream: glance-api starts; the store's requests fail.
        store = make_store(
            s3_store_host='https://s3.example', s3_store_region_name='no way!'
        )
        self.assertTrue(store.is_capable(capabilities.BitMasks.WRITE_ACCESS))
        loc = location_of(store, 's3+https://s3.example/glance/img')
        for call in (
            lambda: store.add('img', io.BytesIO(b'x'), 1, 'sha256'),
            lambda: store.get(loc),
            lambda: store.get_size(loc),
            lambda: store.delete(loc),
        ):
            error = self.assertRaises(exceptions.BackendException, call)
            self.assertIn("s3_store_region_name 'no way!'", str(error))

    def test_endpoint_botocore_refuses_makes_the_store_read_only(self):
        _, store = make_conf(s3_store_host='https://exa mple')
        error = self.assertRaises(
            exceptions.BadStoreConfiguration,
            store.configure,
            re_raise_bsc=True,
        )
        self.assertIn('s3_store_host', str(error))

    def test_checksum_options_have_upstreams_defaults(self):
        store = make_store(s3_store_host='https://s3.example')
        for name, default in (
            ('s3_store_enable_data_integrity_protection', False),
            ('s3_store_request_checksum_calculation', 'when_required'),
            ('s3_store_response_checksum_validation', 'when_required'),
        ):
            self.assertEqual(default, store.option(name))
        self.assertRaises(
            ValueError,
            make_store,
            s3_store_host='https://s3.example',
            s3_store_request_checksum_calculation='always',
        )

    def test_no_url_prefix_in_single_store_mode(self):
        store = make_store(store_id=None, s3_store_host='https://s3.example')
        self.assertIsNone(store.url_prefix)

    def test_capabilities(self):
        store = make_store(s3_store_host='https://s3.example.com')
        self.assertTrue(
            store.is_capable(
                capabilities.BitMasks.RW_ACCESS,
                capabilities.BitMasks.READ_RANDOM,
            )
        )
        self.assertFalse(
            store.is_capable(capabilities.BitMasks.DRIVER_REUSABLE)
        )
        self.assertEqual(('s3', 's3+http', 's3+https'), store.get_schemes())

    def test_bad_upload_options_make_the_store_read_only(self):
        for options in (
            {'s3_store_bucket': None},
            {'s3_store_large_object_chunk_size': 4},
            {'s3_store_large_object_size': -1},
            {'s3_store_thread_pools': 0},
        ):
            _, store = make_conf(s3_store_host='https://s3.example', **options)
            self.assertRaises(
                exceptions.BadStoreConfiguration,
                store.configure,
                re_raise_bsc=True,
            )
            self.assertTrue(
                store.is_capable(capabilities.BitMasks.READ_ACCESS)
            )
            self.assertFalse(
                store.is_capable(capabilities.BitMasks.WRITE_ACCESS)
            )

    def test_missing_credentials_are_named_not_shown(self):
        _, store = make_conf(
            s3_store_host='https://s3.example', s3_store_secret_key=None
        )
        error = self.assertRaises(
            exceptions.BadStoreConfiguration,
            store.configure,
            re_raise_bsc=True,
        )
        self.assertIn('s3_store_secret_key', str(error))
        self.assertNotIn(ACCESS, str(error))

    def test_bucket_url_format_is_checked(self):
        self.assertRaises(
            ValueError,
            make_store,
            s3_store_host='https://s3.example',
            s3_store_bucket_url_format='sideways',
        )


class S3ServerTestCase(testtools.TestCase, NoCredentialsMixin):
    """Runs one moto server per test class; one bucket per test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = s3_server.MotoS3Server()
        cls.server.setUp()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanUp()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.bucket = 'glance-%s' % uuid.uuid4().hex[:12]
        self.s3 = self.server.client()
        logs = self.useFixture(
            fixtures.FakeLogger(name='glance_store', level=logging.DEBUG)
        )
        self.addCleanup(lambda: self.assertNoCredentials(logs.output))

    def server_options(self, **options):
        return dict(
            s3_store_host=self.server.endpoint,
            s3_store_bucket=self.bucket,
            **options,
        )

    def store(self, **options):
        return make_store(**self.server_options(**options))

    def create_bucket(self):
        self.s3.create_bucket(Bucket=self.bucket)

    def assertNoObjectNorUpload(self, key):
        uploads = self.s3.list_multipart_uploads(Bucket=self.bucket)
        self.assertEqual([], uploads.get('Uploads', []))
        listing = self.s3.list_objects_v2(Bucket=self.bucket)
        self.assertNotIn(key, [o['Key'] for o in listing.get('Contents', [])])


class S3StoreTest(S3ServerTestCase):
    def setUp(self):
        super().setUp()
        self.create_bucket()

    def add(self, store, data, size=None, algo='sha256', image_id=None):
        image_id = image_id or str(uuid.uuid4())
        if size is None:
            size = len(data)
        return image_id, store.add(image_id, io.BytesIO(data), size, algo)

    def check_add_result(self, store, image_id, data, result, algo):
        uri, size, checksum, multihash, metadata = result
        self.assertEqual(
            's3://127.0.0.1:%d/%s/%s'
            % (self.server.port, self.bucket, image_id),
            uri,
        )
        self.assertTrue(uri.startswith(store.url_prefix + '/'))
        self.assertEqual(len(data), size)
        self.assertEqual(hashlib.md5(data).hexdigest(), checksum)
        self.assertEqual(hashlib.new(algo, data).hexdigest(), multihash)
        self.assertEqual({'store': BACKEND}, metadata)
        self.assertNoCredentials(result)
        self.assertEqual((data, len(data)), read_all(store, uri))

    def etag(self, image_id):
        head = self.s3.head_object(Bucket=self.bucket, Key=image_id)
        return head['ETag']

    def test_small_image_round_trip_in_one_put(self):
        store = self.store()
        data = os.urandom(300 * 1024)
        image_id, result = self.add(store, data)
        self.check_add_result(store, image_id, data, result, 'sha256')
        # A multipart object's ETag ends with "-<number of parts>".
        self.assertNotIn('-', self.etag(image_id))

    def test_large_image_round_trip_in_parts(self):
        store = self.store(
            s3_store_large_object_size=1,
            s3_store_large_object_chunk_size=5,
            s3_store_thread_pools=2,
        )
        data = os.urandom(11 * MiB + 123)
        image_id, result = self.add(store, data, algo='sha512')
        self.check_add_result(store, image_id, data, result, 'sha512')
        self.assertTrue(self.etag(image_id).endswith('-3"'))

    def test_short_reads_still_make_full_parts(self):
        store = self.store(
            s3_store_large_object_size=1, s3_store_large_object_chunk_size=5
        )
        data = os.urandom(11 * MiB)
        uri, size, checksum, _, _ = store.add(
            'img', ShortReads(data), len(data), 'sha256'
        )
        self.assertEqual((data, len(data)), read_all(store, uri))
        self.assertEqual(hashlib.md5(data).hexdigest(), checksum)
        self.assertTrue(self.etag('img').endswith('-3"'))

    def test_unknown_size_is_measured(self):
        store = self.store(
            s3_store_large_object_size=1, s3_store_large_object_chunk_size=5
        )
        data = os.urandom(6 * MiB)
        image_id, result = self.add(store, data, size=0)
        self.check_add_result(store, image_id, data, result, 'sha256')
        self.assertTrue(self.etag(image_id).endswith('-2"'))

    def test_empty_image(self):
        store = self.store()
        image_id, result = self.add(store, b'')
        self.check_add_result(store, image_id, b'', result, 'sha256')

    def test_legacy_add_returns_four_values(self):
        store = self.store()
        uri, size, checksum, metadata = store.add(
            'legacy-caller', io.BytesIO(b'abc'), 3
        )
        self.assertEqual(hashlib.md5(b'abc').hexdigest(), checksum)
        self.assertEqual((3, {'store': BACKEND}), (size, metadata))

    def test_ranged_reads(self):
        store = self.store()
        data = os.urandom(200 * 1024)
        _, result = self.add(store, data)
        uri = result[0]
        self.assertEqual(
            (data[1000:1100], 100),
            read_all(store, uri, offset=1000, chunk_size=100),
        )
        self.assertEqual(
            (data[150000:], len(data) - 150000),
            read_all(store, uri, offset=150000),
        )
        self.assertEqual((data[:10], 10), read_all(store, uri, chunk_size=10))

    def test_reads_are_streamed_in_chunks(self):
        store = self.store()
        data = os.urandom(3 * s3.Store.READ_CHUNKSIZE + 5)
        _, result = self.add(store, data)
        chunks, _ = store.get(location_of(store, result[0]))
        self.assertEqual(
            [s3.Store.READ_CHUNKSIZE] * 3 + [5], [len(c) for c in chunks]
        )

    def test_get_size_and_delete(self):
        store = self.store()
        _, result = self.add(store, b'x' * 1234)
        loc = location_of(store, result[0])
        self.assertEqual(1234, store.get_size(loc))
        store.delete(loc)
        self.assertRaises(exceptions.NotFound, store.get, loc)
        self.assertRaises(exceptions.NotFound, store.get_size, loc)
        self.assertRaises(exceptions.NotFound, store.delete, loc)

    def test_duplicate_is_refused_and_kept(self):
        store = self.store()
        image_id, result = self.add(store, b'first')
        self.assertRaises(
            exceptions.Duplicate, self.add, store, b'second', image_id=image_id
        )
        self.assertEqual((b'first', 5), read_all(store, result[0]))

    def test_interrupted_multipart_upload_leaves_nothing(self):
        store = self.store(
            s3_store_large_object_size=1, s3_store_large_object_chunk_size=5
        )
        data = os.urandom(12 * MiB)
        in_progress = []

        def record_uploads():
            listing = self.s3.list_multipart_uploads(Bucket=self.bucket)
            in_progress.extend(listing.get('Uploads', []))

        reader = FailingReader(data, 7 * MiB, on_failure=record_uploads)
        self.assertRaises(
            OSError, store.add, 'broken', reader, len(data), 'sha256'
        )
        self.assertEqual(['broken'], [u['Key'] for u in in_progress])
        self.assertNoObjectNorUpload('broken')

    def test_discard_partial_aborts_what_a_killed_add_left(self):
        store = self.store()
        self.s3.create_bucket(Bucket=self.bucket)
        for key in ('killed', 'killed-not', 'other'):
            upload = self.s3.create_multipart_upload(
                Bucket=self.bucket, Key=key
            )
            self.s3.upload_part(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload['UploadId'],
                PartNumber=1,
                Body=b'part',
            )
        store.discard_partial('killed')
        listing = self.s3.list_multipart_uploads(Bucket=self.bucket)
        self.assertEqual(
            ['killed-not', 'other'],
            sorted(u['Key'] for u in listing.get('Uploads', [])),
        )
        store.discard_partial('never-written')

    def test_discard_partial_without_a_bucket(self):
        self.store().discard_partial('killed')

    def test_interrupted_small_upload_leaves_nothing(self):
        store = self.store()
        self.assertRaises(
            OSError,
            store.add,
            'broken',
            FailingReader(b'x' * 1000, 10),
            1000,
            'sha256',
        )
        self.assertNoObjectNorUpload('broken')

    def test_legacy_credentialed_url_is_read_with_configured_keys(self):
        store = self.store()
        image_id, _ = self.add(store, b'legacy bytes')
        uri = 's3+http://OLDKEY:old/secret@127.0.0.1:%d/%s/%s' % (
            self.server.port,
            self.bucket,
            image_id,
        )
        self.assertEqual((b'legacy bytes', 12), read_all(store, uri))
        self.assertNotIn('old/secret', location_of(store, uri).get_store_uri())

    def test_url_written_by_earlier_versions_is_read(self):
        store = self.store()
        image_id, result = self.add(store, b'written as s3+http')
        former = result[0].replace('s3://', 's3+http://', 1)
        self.assertEqual((b'written as s3+http', 18), read_all(store, former))
        store.delete(location_of(store, former))
        self.assertNoObjectNorUpload(image_id)

    def test_large_object_size_zero_uploads_every_image_in_parts(self):
        # Upstream accepts 0 (every image goes multipart); it must not
        # make the store read-only.
        store = self.store(
            s3_store_large_object_size=0, s3_store_large_object_chunk_size=5
        )
        self.assertTrue(store.is_capable(capabilities.BitMasks.WRITE_ACCESS))
        for data in (b'small', b''):
            image_id, result = self.add(store, data)
            self.check_add_result(store, image_id, data, result, 'sha256')
        # A multipart ETag ends in "-<number of parts>".
        image_id, _ = self.add(store, b'parts')
        self.assertTrue(self.etag(image_id).strip('"').endswith('-1'))
        image_id, _ = self.add(store, b'')
        self.assertFalse(self.etag(image_id).strip('"').endswith('-1'))

    def test_multipart_upload_of_more_data_than_declared(self):
        store = self.store(
            s3_store_large_object_size=5, s3_store_large_object_chunk_size=5
        )
        data = os.urandom(11 * MiB)
        for declared, fragment in (
            (len(data) - 1, 'Size exceeds'),
            (len(data) + 1, 'Size mismatch'),
        ):
            error = self.assertRaises(
                exceptions.Invalid,
                self.add,
                store,
                data,
                size=declared,
                image_id='sized',
            )
            self.assertIn(fragment, str(error))
            self.assertNoObjectNorUpload('sized')

    def test_checksums_only_when_required_by_default(self):
        # S3-compatible services lacking data integrity protection refuse
        # the checksums botocore adds by default: none are sent unless
        # the operator turns the protection on.
        for options, expected in (
            ({}, False),
            ({'s3_store_enable_data_integrity_protection': True}, False),
            (
                {
                    's3_store_enable_data_integrity_protection': True,
                    's3_store_request_checksum_calculation': 'when_supported',
                },
                True,
            ),
        ):
            image_id, _ = self.add(self.store(**options), b'checked')
            head = self.s3.head_object(
                Bucket=self.bucket, Key=image_id, ChecksumMode='ENABLED'
            )
            self.assertEqual(
                expected,
                any(
                    k.startswith('Checksum') and k != 'ChecksumType'
                    for k in head
                ),
                (options, head),
            )

    def test_store_without_upload_options_still_reads(self):
        image_id, _ = self.add(self.store(), b'data')
        _, reader = make_conf(
            s3_store_host=self.server.endpoint, s3_store_bucket=None
        )
        reader.configure()
        uri = 's3+http://127.0.0.1:%d/%s/%s' % (
            self.server.port,
            self.bucket,
            image_id,
        )
        self.assertEqual((b'data', 4), read_all(reader, uri))
        self.assertRaises(
            exceptions.StoreAddDisabled, self.add, reader, b'more'
        )


class S3StoreContractTest(store_contract.StoreContract, S3ServerTestCase):
    """The shared driver contract, through the public multi-store API."""

    def setUp(self):
        super().setUp()
        self.useFixture(store_maps.StoreMapsFixture())
        self.create_bucket()
        conf = store_contract.new_conf({BACKEND: 's3'})
        set_options(conf, BACKEND, **self.server_options())
        multi_backend.create_multi_stores(conf)
        self.store = multi_backend.get_store_from_store_identifier(BACKEND)

    secrets = (ACCESS, SECRET)

    def absent_url(self):
        return self.store.url_prefix + '/no-such-image'

    def stored_names(self):
        # Objects and unfinished multipart uploads alike.
        listing = self.s3.list_objects_v2(Bucket=self.bucket)
        uploads = self.s3.list_multipart_uploads(Bucket=self.bucket)
        return [o['Key'] for o in listing.get('Contents', [])] + [
            'upload:' + u['Key'] for u in uploads.get('Uploads', [])
        ]


class SingleStoreModeTest(S3ServerTestCase):
    """Legacy ``[glance_store] stores = s3`` through the backend API."""

    def test_round_trip_and_legacy_url(self):
        self.useFixture(store_maps.StoreMapsFixture())
        self.create_bucket()
        conf = store_contract.new_conf()
        backend.register_opts(conf)
        conf.set_override('stores', ['s3'], group='glance_store')
        conf.set_override('default_store', 's3', group='glance_store')
        set_options(conf, 'glance_store', **self.server_options())
        backend.create_stores(conf)
        backend.verify_default_store(conf)
        uri, size, checksum, multihash, metadata = (
            backend.add_to_backend_with_multihash(
                conf, 'img', io.BytesIO(b'legacy'), 6, 'sha256'
            )
        )
        self.assertEqual(({}, 6), (metadata, size))
        self.assertTrue(uri.startswith('s3://127.0.0.1:'))
        credentialed = uri.replace('://', '://%s:%s@' % (ACCESS, SECRET))
        for url in (uri, credentialed):
            chunks, size = backend.get_from_backend(url)
            self.assertEqual((b'legacy', 6), (b''.join(chunks), size))
        backend.delete_from_backend(credentialed)
        self.assertRaises(
            exceptions.NotFound, backend.get_size_from_backend, uri
        )


class MissingBucketTest(S3ServerTestCase):
    def test_missing_bucket_is_a_clear_error(self):
        store = self.store()
        error = self.assertRaises(
            exceptions.BackendException,
            store.add,
            'img',
            io.BytesIO(b'data'),
            4,
            'sha256',
        )
        self.assertIn(self.bucket, str(error))
        self.assertIn('s3_store_create_bucket_on_put', str(error))
        self.assertNoCredentials(error)
        names = [b['Name'] for b in self.s3.list_buckets()['Buckets']]
        self.assertNotIn(self.bucket, names)

    def test_missing_bucket_is_created_when_allowed(self):
        store = self.store(s3_store_create_bucket_on_put=True)
        uri = store.add('img', io.BytesIO(b'data'), 4, 'sha256')[0]
        self.assertEqual((b'data', 4), read_all(store, uri))


class CredentialsTest(S3ServerTestCase):
    """moto checks signatures only once authentication is switched on."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.access, cls.secret = cls.server.enforce_authentication()
        cls.credentials = (ACCESS, SECRET, cls.access, cls.secret)

    def setUp(self):
        super().setUp()
        self.s3 = self.server.client(
            access_key=self.access, secret_key=self.secret
        )
        self.create_bucket()

    def test_valid_credentials_work(self):
        store = self.store(
            s3_store_access_key=self.access, s3_store_secret_key=self.secret
        )
        uri = store.add('img', io.BytesIO(b'data'), 4, 'sha256')[0]
        self.assertEqual((b'data', 4), read_all(store, uri))

    def test_wrong_credentials_are_a_clear_error_without_them(self):
        good = self.store(
            s3_store_access_key=self.access, s3_store_secret_key=self.secret
        )
        uri = good.add('img', io.BytesIO(b'data'), 4, 'sha256')[0]
        for access, secret in (
            (self.access, SECRET),
            (ACCESS, self.secret),
        ):
            store = self.store(
                s3_store_access_key=access, s3_store_secret_key=secret
            )
            loc = location_of(store, uri)
            for call, args in (
                (store.add, ('new', io.BytesIO(b'x'), 1, 'sha256')),
                (store.get, (loc,)),
                (store.get_size, (loc,)),
            ):
                error = self.assertRaises(
                    exceptions.BackendException, call, *args
                )
                self.assertIn('refused the credentials', str(error))
                self.assertNoCredentials(error)
                self.assertIsNone(error.__cause__)


class ServerDownTest(testtools.TestCase):
    def test_unreachable_service_fails_fast_and_clearly(self):
        endpoint = 'http://127.0.0.1:%d' % s3_server.free_port()
        store = make_store(s3_store_host=endpoint)
        loc = location_of(store, 's3+http://x/glance/img')
        started = time.monotonic()
        for call in (
            lambda: store.add('img', io.BytesIO(b'x'), 1, 'sha256'),
            lambda: store.get(loc),
            lambda: store.get_size(loc),
            lambda: store.delete(loc),
        ):
            error = self.assertRaises(
                exceptions.RemoteServiceUnavailable, call
            )
            self.assertIn('cannot be reached', str(error))
            self.assertNotIn(SECRET, str(error))
        self.assertLess(time.monotonic() - started, 20)
