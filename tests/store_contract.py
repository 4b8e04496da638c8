"""Conformance tests every glance_store driver passes, and test helpers.

A driver's test module opts in with a ``testtools.TestCase`` subclass that
mixes in ``StoreContract`` and, in ``setUp``, sets ``self.store`` to a
configured multi-store-mode store registered in the location map::

    class TestFileStoreContract(store_contract.StoreContract,
                                testtools.TestCase):
        def setUp(self):
            super().setUp()
            self.useFixture(store_contract.store_maps.StoreMapsFixture())
            conf = store_contract.new_conf({'fast': 'file'})
            conf.set_override('filesystem_store_datadir',
                              self.useFixture(fixtures.TempDir()).path,
                              group='fast')
            multi_backend.create_multi_stores(conf)
            self.store = multi_backend.get_store_from_store_identifier(
                'fast')

        def absent_url(self):
            return self.store.url_prefix + '/no-such-image'

A read-only driver (no WRITE_ACCESS) also overrides ``put_image(image_id,
data) -> url`` to place data behind the store's back (e.g. on a local HTTP
server). The contract covers add (md5 and multihash checked against
hashlib), get, offset and chunked get (or the refusal when the store lacks
READ_OFFSET / READ_CHUNK), get_size, delete, NotFound for absent data,
``url_prefix`` / ``url_prefixes`` covering every URL the store returns, and
the capability checks (a read-only store refuses add and delete).

It also ties the two features together: glance's ``StoreIndex``, built
from the location map as glance-api builds it, resolves every URL the
store returns to the store's own id; no URL carries a credential (the
driver names its secrets in ``secrets``); an add of unknown size (0, as
glance passes it for chunked uploads) works; and a failed add leaves
nothing behind (the driver lists what it holds in ``stored_names()``).
"""

import hashlib
import io
import urllib.parse
import uuid

from oslo_config import cfg

from glance import store_resolution
from glance_store import capabilities
from glance_store import exceptions
from glance_store import location
from glance_store import multi_backend

BitMasks = capabilities.BitMasks

# Spans several read and write chunks and ends on a partial one.
IMAGE_DATA = bytes(range(256)) * (3 * 4096) + b'tail'


def new_conf(enabled_backends=None, default_backend=None):
    """A fresh ConfigOpts reading no config file; multi-store options are
    registered when ``enabled_backends`` (a dict) is given."""
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.DictOpt('enabled_backends'))
    conf(args=[], default_config_files=[], default_config_dirs=[])
    if enabled_backends:
        conf.set_override('enabled_backends', enabled_backends)
        multi_backend.register_store_opts(conf)
        conf.set_override(
            'default_backend',
            default_backend or next(iter(enabled_backends)),
            group='glance_store',
        )
    return conf


class _BrokenReader:
    """A body that fails after ``good`` bytes, as a client going away."""

    def __init__(self, good):
        self._left = good

    def read(self, size=65536):
        if self._left <= 0:
            raise OSError('the client went away')
        data = IMAGE_DATA[: min(size, self._left)]
        self._left -= len(data)
        return data


class StoreContract:
    """Mixin of driver conformance tests; see the module docstring."""

    store = None
    # Strings that must never appear in a URL the store returns.
    secrets = ()
    # Writable stores' tests define ``stored_names()``: the names of
    # everything the store holds (here or in their own base class).

    def absent_url(self):
        """A URL this store would own but that holds no data."""
        raise NotImplementedError

    def put_image(self, image_id, data):
        """Store ``data`` and return its URL (read-only stores override)."""
        url, size, md5, multihash, metadata = self.store.add(
            image_id, io.BytesIO(data), len(data), 'sha512'
        )
        self.assertEqual(len(data), size)
        self.assertEqual(hashlib.md5(data).hexdigest(), md5)
        self.assertEqual(hashlib.sha512(data).hexdigest(), multihash)
        self.assertEqual(self.store.backend_group, metadata['store'])
        return url

    def location(self, url):
        return location.get_location_from_uri_and_backend(
            url, self.store.backend_group, conf=self.store.conf
        )

    def _new_image(self):
        return self.put_image(str(uuid.uuid4()), IMAGE_DATA)

    def _read(self, url, **kwargs):
        data, size = self.store.get(self.location(url), **kwargs)
        content = b''.join(data)
        self.assertEqual(size, len(content))
        return content

    def test_contract_get_returns_what_was_stored(self):
        self.assertEqual(IMAGE_DATA, self._read(self._new_image()))

    def test_contract_get_size(self):
        url = self._new_image()
        self.assertEqual(
            len(IMAGE_DATA), self.store.get_size(self.location(url))
        )

    def test_contract_offset_and_chunk(self):
        url = self._new_image()
        if not self.store.is_capable(BitMasks.READ_RANDOM):
            self.assertRaises(
                exceptions.StoreRandomGetNotSupported,
                self.store.get,
                self.location(url),
                offset=10,
                chunk_size=20,
            )
            return
        self.assertEqual(
            IMAGE_DATA[1000:1300],
            self._read(url, offset=1000, chunk_size=300),
        )
        tail = len(IMAGE_DATA) - 5
        self.assertEqual(IMAGE_DATA[tail:], self._read(url, offset=tail))
        self.assertEqual(IMAGE_DATA[:7], self._read(url, chunk_size=7))

    def test_contract_absent_data_is_not_found(self):
        loc = self.location(self.absent_url())
        self.assertRaises(exceptions.NotFound, self.store.get, loc)
        self.assertRaises(exceptions.NotFound, self.store.get_size, loc)

    def test_contract_url_prefix_covers_returned_url(self):
        url = self._new_image()
        self.assertTrue(url.startswith(self.store.url_prefix))
        self.assertTrue(
            any(url.startswith(p) for p in self.store.url_prefixes),
            '%s is not under %s' % (url, self.store.url_prefixes),
        )

    def test_contract_delete(self):
        url = self._new_image()
        loc = self.location(url)
        if not self.store.is_capable(BitMasks.WRITE_ACCESS):
            self.assertRaises(
                exceptions.StoreDeleteNotSupported, self.store.delete, loc
            )
            return
        self.store.delete(loc)
        self.assertRaises(exceptions.NotFound, self.store.get, loc)
        self.assertRaises(exceptions.NotFound, self.store.delete, loc)

    def test_contract_add_honours_capabilities(self):
        if self.store.is_capable(BitMasks.WRITE_ACCESS):
            image_id = str(uuid.uuid4())
            self.put_image(image_id, b'once')
            self.assertRaises(
                exceptions.Duplicate, self.put_image, image_id, b'twice'
            )
            return
        self.assertRaises(
            exceptions.StoreAddDisabled,
            self.store.add,
            'id',
            io.BytesIO(b'x'),
            1,
            'sha512',
        )

    def test_contract_store_index_resolves_returned_urls(self):
        index = store_resolution.StoreIndex.from_location_map(
            location.SCHEME_TO_CLS_BACKEND_MAP
        )
        url = self._new_image()
        self.assertEqual(self.store.backend_group, index.resolve(url))

    def test_contract_urls_carry_no_credentials(self):
        url = self._new_image()
        parts = urllib.parse.urlsplit(url)
        self.assertEqual((None, None), (parts.username, parts.password))
        for secret in self.secrets:
            self.assertNotIn(secret, url)
            self.assertNotIn(secret, self.store.url_prefix)

    def _writable(self):
        """Whether the store takes data; a read-only one must refuse."""
        if self.store.is_capable(BitMasks.WRITE_ACCESS):
            return True
        self.assertRaises(
            exceptions.StoreAddDisabled,
            self.store.add,
            'id',
            io.BytesIO(b'x'),
            0,
            'sha512',
        )
        return False

    def test_contract_add_of_unknown_size(self):
        if not self._writable():
            return
        url, size, md5, _multihash, _metadata = self.store.add(
            str(uuid.uuid4()), io.BytesIO(IMAGE_DATA), 0, 'sha512'
        )
        self.assertEqual(len(IMAGE_DATA), size)
        self.assertEqual(hashlib.md5(IMAGE_DATA).hexdigest(), md5)
        self.assertEqual(IMAGE_DATA, self._read(url))

    def test_contract_failed_add_leaves_nothing_behind(self):
        if not self._writable():
            return
        before = set(self.stored_names())
        image_id = str(uuid.uuid4())
        for size in (len(IMAGE_DATA), 0):
            self.assertRaises(
                (OSError, exceptions.GlanceStoreException),
                self.store.add,
                image_id,
                _BrokenReader(len(IMAGE_DATA) // 2),
                size,
                'sha512',
            )
            self.assertEqual(before, set(self.stored_names()))
        # The id is free again: nothing half-written claims it.
        self.put_image(image_id, b'after the failure')

    def _assert_add_refuses_size(self, declared, fragment):
        if not self._writable():
            return
        before = set(self.stored_names())
        image_id = str(uuid.uuid4())
        error = self.assertRaises(
            exceptions.Invalid,
            self.store.add,
            image_id,
            io.BytesIO(IMAGE_DATA),
            declared,
            'sha512',
        )
        self.assertIn(fragment, str(error))
        self.assertIn('expected %d bytes' % declared, str(error))
        # What was written is removed and the id is free again.
        self.assertEqual(before, set(self.stored_names()))
        self.put_image(image_id, b'after the refusal')

    def test_contract_add_of_more_data_than_declared(self):
        # As upstream: Invalid "Size exceeds", raised before the data past
        # the declared size is written.
        self._assert_add_refuses_size(len(IMAGE_DATA) - 5, 'Size exceeds')

    def test_contract_add_of_less_data_than_declared(self):
        self._assert_add_refuses_size(len(IMAGE_DATA) + 5, 'Size mismatch')
