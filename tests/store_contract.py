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
"""

import hashlib
import io
import uuid

from oslo_config import cfg

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


class StoreContract:
    """Mixin of driver conformance tests; see the module docstring."""

    store = None

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
