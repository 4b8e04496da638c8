"""The filesystem driver, against real temporary directories."""

import errno
import hashlib
import io
import json
import logging
import os
import resource
import threading
import time

import fixtures
import testtools

from glance_store import backend
from glance_store import exceptions
from glance_store import location
from glance_store import multi_backend
from glance_store._drivers import filesystem
from tests import store_contract
from tests.fixtures import store_maps

DATA = store_contract.IMAGE_DATA


class FileStoreTestCase(testtools.TestCase):
    """Helpers building file stores in multi-store mode."""

    def setUp(self):
        super().setUp()
        self.useFixture(store_maps.StoreMapsFixture())
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def make_store(self, store_id='fast', **options):
        """A configured and registered store ``store_id``; ``options``
        default to one datadir named after the store."""
        conf = store_contract.new_conf({store_id: 'file'})
        if 'filesystem_store_datadirs' not in options:
            options.setdefault(
                'filesystem_store_datadir', os.path.join(self.tmp, store_id)
            )
        for name, value in options.items():
            conf.set_override(name, value, group=store_id)
        multi_backend.create_multi_stores(conf)
        return multi_backend.get_store_from_store_identifier(store_id)

    def location(self, store, url):
        return location.get_location_from_uri_and_backend(
            url, store.backend_group, conf=store.conf
        )

    def add(self, store, image_id='image', data=DATA):
        return store.add(image_id, io.BytesIO(data), len(data), 'sha512')


class TestFileStoreContract(store_contract.StoreContract, FileStoreTestCase):
    def setUp(self):
        super().setUp()
        self.store = self.make_store()

    def absent_url(self):
        return self.store.url_prefix + '/no-such-image'

    def stored_names(self):
        return os.listdir(self.store.url_prefix[len('file://') :])


class TestUrlPrefixes(FileStoreTestCase):
    def test_single_datadir(self):
        store = self.make_store()
        prefix = 'file://%s/fast' % self.tmp
        self.assertEqual(prefix, store.url_prefix)
        self.assertEqual((prefix,), store.url_prefixes)

    def test_trailing_slashes_and_dots_are_normalised(self):
        datadir = os.path.join(self.tmp, 'a', '..', 'fast') + '//'
        store = self.make_store(filesystem_store_datadir=datadir)
        self.assertEqual('file://%s/fast' % self.tmp, store.url_prefix)
        url = self.add(store)[0]
        self.assertEqual('file://%s/fast/image' % self.tmp, url)

    def test_root_datadir_keeps_its_slash(self):
        self.assertEqual('/', filesystem._normalised_dir('//'))

    def test_several_datadirs(self):
        datadirs = [
            os.path.join(self.tmp, 'low') + '/:1',
            os.path.join(self.tmp, 'high') + ':5',
            os.path.join(self.tmp, 'plain'),
        ]
        store = self.make_store(filesystem_store_datadirs=datadirs)
        self.assertEqual(
            (
                'file://%s/high' % self.tmp,
                'file://%s/low' % self.tmp,
                'file://%s/plain' % self.tmp,
            ),
            store.url_prefixes,
        )
        # The highest priority directory gets new images.
        self.assertEqual(store.url_prefixes[0], store.url_prefix)
        self.assertTrue(self.add(store)[0].startswith(store.url_prefix))

    def test_single_store_mode_has_no_prefix(self):
        conf = store_contract.new_conf()
        backend.register_opts(conf)
        conf.set_override('stores', ['file'], group='glance_store')
        conf.set_override(
            'filesystem_store_datadir', self.tmp, group='glance_store'
        )
        backend.create_stores(conf)
        store = backend.get_store_from_scheme('file')
        self.assertIsNone(store.url_prefix)
        self.assertEqual((), store.url_prefixes)


class TestDatadirChoice(FileStoreTestCase):
    def test_most_free_space_among_equal_priorities(self):
        small = os.path.join(self.tmp, 'small')
        big = os.path.join(self.tmp, 'big')
        free = {small: 10**8, big: 10**9}
        self.useFixture(
            fixtures.MonkeyPatch(
                'glance_store._drivers.filesystem._free_bytes', free.get
            )
        )
        store = self.make_store(filesystem_store_datadirs=[small, big])
        self.assertEqual('file://%s/image' % big, self.add(store)[0])

    def test_lower_priority_when_higher_is_full(self):
        full = os.path.join(self.tmp, 'full')
        spare = os.path.join(self.tmp, 'spare')
        free = {full: 10, spare: 10**9}
        self.useFixture(
            fixtures.MonkeyPatch(
                'glance_store._drivers.filesystem._free_bytes', free.get
            )
        )
        store = self.make_store(
            filesystem_store_datadirs=[full + ':9', spare + ':1']
        )
        self.assertEqual('file://%s/image' % spare, self.add(store)[0])
        self.assertRaises(
            exceptions.StorageFull,
            store.add,
            'huge',
            io.BytesIO(b''),
            10**10,
            'sha512',
        )


class TestConfiguration(FileStoreTestCase):
    def assertBadConfig(self, fragment, **options):
        store = self.make_store(**options)
        self.assertFalse(
            store.is_capable(filesystem.capabilities.BitMasks.WRITE_ACCESS)
        )
        error = self.assertRaises(
            exceptions.BadStoreConfiguration,
            store.configure,
            re_raise_bsc=True,
        )
        self.assertIn(fragment, str(error))

    def test_datadir_and_datadirs_both_set(self):
        self.assertBadConfig(
            'not both',
            filesystem_store_datadir=self.tmp,
            filesystem_store_datadirs=[self.tmp + ':1'],
        )

    def test_blank_datadir_beside_datadirs(self):
        # Upstream's multi-datadir configs blank its non-empty default.
        other = os.path.join(self.tmp, 'other')
        store = self.make_store(
            filesystem_store_datadir='',
            filesystem_store_datadirs=[self.tmp + ':1', other + ':2'],
        )
        self.assertEqual(
            ('file://' + other, 'file://' + self.tmp), store.url_prefixes
        )

    def test_bad_priority(self):
        self.assertBadConfig(
            'bad priority', filesystem_store_datadirs=[self.tmp + ':high']
        )

    def test_directory_named_twice(self):
        self.assertBadConfig(
            'twice',
            filesystem_store_datadirs=[self.tmp + ':1', self.tmp + '/:2'],
        )

    def test_missing_datadir(self):
        self.assertBadConfig('is not set', filesystem_store_datadir='')

    def test_uncreatable_directory(self):
        blocker = os.path.join(self.tmp, 'file')
        open(blocker, 'w').close()
        self.assertBadConfig(
            'cannot create directory',
            filesystem_store_datadir=os.path.join(blocker, 'images'),
        )

    def test_unwritable_directory(self):
        # Tests may run as root, for whom every directory is writable.
        self.useFixture(
            fixtures.MonkeyPatch(
                'os.access', lambda path, mode: path != self.tmp
            )
        )
        self.assertBadConfig(
            'is not writable', filesystem_store_datadir=self.tmp
        )

    def test_read_only_store_keeps_its_prefix(self):
        blocker = os.path.join(self.tmp, 'file')
        open(blocker, 'w').close()
        datadir = os.path.join(blocker, 'images')
        store = self.make_store(filesystem_store_datadir=datadir)
        self.assertEqual(('file://' + datadir,), store.url_prefixes)

    def test_file_perm_and_metadata_file(self):
        metadata_file = os.path.join(self.tmp, 'meta.json')
        with open(metadata_file, 'w') as f:
            json.dump([{'id': 'vol-1', 'mountpoint': self.tmp}], f)
        store = self.make_store(
            filesystem_store_file_perm=640,
            filesystem_store_metadata_file=metadata_file,
        )
        url, _, _, _, metadata = self.add(store)
        self.assertEqual(
            {'id': 'vol-1', 'mountpoint': self.tmp, 'store': 'fast'},
            metadata,
        )
        mode = os.stat(url[len('file://') :]).st_mode & 0o777
        self.assertEqual(0o640, mode)

    def test_files_follow_the_umask_without_file_perm(self):
        for umask, expected in ((0o022, 0o644), (0o027, 0o640)):
            old = os.umask(umask)
            try:
                store = self.make_store(store_id='u%o' % umask)
            finally:
                os.umask(old)
            url = self.add(store)[0]
            mode = os.stat(url[len('file://') :]).st_mode & 0o777
            self.assertEqual(expected, mode)

    def test_file_perm_for_others_opens_the_datadir(self):
        datadir = os.path.join(self.tmp, 'open')
        os.makedirs(datadir, mode=0o700)
        self.make_store(
            filesystem_store_datadir=datadir, filesystem_store_file_perm=644
        )
        self.assertEqual(0o711, os.stat(datadir).st_mode & 0o777)

    def test_file_perm_for_group_only_opens_the_datadir_to_the_group(self):
        datadirs = [os.path.join(self.tmp, name) for name in ('a', 'b')]
        for datadir in datadirs:
            os.makedirs(datadir, mode=0o700)
        self.make_store(
            filesystem_store_datadirs=[d + ':1' for d in datadirs],
            filesystem_store_file_perm=640,
        )
        for datadir in datadirs:
            self.assertEqual(0o710, os.stat(datadir).st_mode & 0o777)

    def test_file_perm_must_let_owner_read(self):
        self.assertBadConfig('owner read', filesystem_store_file_perm=40)

    def test_metadata_file_with_values_that_are_not_strings(self):
        # As upstream: refused when the store is configured, instead of
        # every add failing on the location metadata.
        metadata_file = os.path.join(self.tmp, 'meta.json')
        for extra in ({'size': 5}, {'tags': ['a', 1]}, {'nested': {'x': 0}}):
            entry = dict({'id': 'vol-1', 'mountpoint': self.tmp}, **extra)
            with open(metadata_file, 'w') as f:
                json.dump(entry, f)
            self.assertBadConfig(
                'unsupported type',
                filesystem_store_metadata_file=metadata_file,
            )

    def test_metadata_file_with_nested_strings_is_accepted(self):
        metadata_file = os.path.join(self.tmp, 'meta.json')
        entry = {'id': 'v', 'mountpoint': self.tmp, 'extra': {'k': ['s']}}
        with open(metadata_file, 'w') as f:
            json.dump(entry, f)
        store = self.make_store(filesystem_store_metadata_file=metadata_file)
        self.assertEqual(dict(entry, store='fast'), self.add(store)[4])


class TestTimeout(FileStoreTestCase):
    """filesystem_store_timeout, against a FIFO: opening one blocks until
    a writer comes, as a call on a hung network mount blocks."""

    def setUp(self):
        super().setUp()
        self.store = self.make_store(filesystem_store_timeout=1)

    def hung_file(self, store_id='fast'):
        fifo = os.path.join(self.tmp, store_id, 'hung')
        os.mkfifo(fifo)
        self.addCleanup(self.release, fifo)
        return fifo

    def release(self, fifo):
        # Lets a blocked open() return, so its thread ends.
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError as e:
            if e.errno != errno.ENXIO:  # no reader is waiting
                raise

    def test_defaults_are_upstreams(self):
        conf = self.store.conf
        self.assertEqual(0, conf.backend_defaults.filesystem_store_timeout)
        self.assertEqual(
            10, conf.backend_defaults.filesystem_store_thread_pool_size
        )
        self.assertEqual(
            75, conf.backend_defaults.filesystem_store_threadpool_threshold
        )

    def test_hung_call_times_out(self):
        loc = self.location(self.store, 'file://' + self.hung_file())
        started = time.monotonic()
        error = self.assertRaises(
            exceptions.TimeoutError, self.store.get_size, loc
        )
        self.assertLess(time.monotonic() - started, 30)
        self.assertIn('filesystem_store_timeout', str(error))
        # Other calls still work meanwhile.
        url = self.add(self.store)[0]
        self.assertEqual(
            len(DATA), self.store.get_size(self.location(self.store, url))
        )
        self.store.delete(self.location(self.store, url))

    def test_busy_pool_is_logged(self):
        store = self.make_store(
            'slow',
            filesystem_store_timeout=1,
            filesystem_store_thread_pool_size=2,
            filesystem_store_threadpool_threshold=50,
        )
        fifo = self.hung_file('slow')
        logs = self.useFixture(fixtures.FakeLogger(level=logging.WARNING))
        loc = self.location(store, 'file://' + fifo)
        self.assertRaises(exceptions.TimeoutError, store.get_size, loc)
        self.assertIn('threads for file system calls are busy', logs.output)

    def test_without_timeout_calls_run_in_the_caller(self):
        store = self.make_store('direct')
        url = self.add(store)[0]
        calls = []
        real_unlink = os.unlink

        def unlink(path):
            calls.append(threading.current_thread())
            real_unlink(path)

        self.useFixture(fixtures.MonkeyPatch('os.unlink', unlink))
        store.delete(self.location(store, url))
        self.assertEqual([threading.current_thread()], calls)


class TestAddFaults(FileStoreTestCase):
    def setUp(self):
        super().setUp()
        self.store = self.make_store()
        self.datadir = os.path.join(self.tmp, 'fast')

    def assertDatadirEmpty(self):
        self.assertEqual([], os.listdir(self.datadir))

    def test_interrupted_upload_leaves_no_file(self):
        class BrokenUpload(io.RawIOBase):
            reads = 0

            def read(self, size=-1):
                self.reads += 1
                if self.reads > 2:
                    raise OSError(errno.ECONNRESET, 'client went away')
                return b'x' * size

        self.assertRaises(
            OSError, self.store.add, 'image', BrokenUpload(), 0, 'sha512'
        )
        self.assertDatadirEmpty()

    def test_disk_full_is_storage_full(self):
        def full(fd, data):
            raise OSError(errno.ENOSPC, 'No space left on device')

        self.useFixture(fixtures.MonkeyPatch('os.write', full))
        self.assertRaises(exceptions.StorageFull, self.add, self.store)
        self.assertDatadirEmpty()

    def test_file_too_large_is_storage_full(self):
        # A real EFBIG: the file size limit of the process (Python ignores
        # SIGXFSZ, so the write fails instead of killing the process).
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (len(DATA) // 2, hard))
        try:
            self.assertRaises(exceptions.StorageFull, self.add, self.store)
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        self.assertDatadirEmpty()

    def test_permission_denied_is_write_denied(self):
        def denied(fd, data):
            raise OSError(errno.EACCES, 'Permission denied')

        self.useFixture(fixtures.MonkeyPatch('os.write', denied))
        self.assertRaises(exceptions.StorageWriteDenied, self.add, self.store)
        self.assertDatadirEmpty()

    def test_duplicate(self):
        self.add(self.store)
        self.assertRaises(exceptions.Duplicate, self.add, self.store)

    def test_image_id_must_be_a_file_name(self):
        self.assertRaises(
            exceptions.BadStoreUri, self.add, self.store, '../escape'
        )

    def test_thin_provisioning_writes_holes(self):
        store = self.make_store('thin', filesystem_thin_provisioning=True)
        zeros = bytes(8 * 1024 * 1024)
        url, size, md5, _, _ = self.add(store, data=zeros + b'end' + zeros)
        path = url[len('file://') :]
        self.assertEqual(2 * len(zeros) + 3, os.path.getsize(path))
        self.assertEqual(hashlib.md5(zeros + b'end' + zeros).hexdigest(), md5)
        self.assertLess(os.stat(path).st_blocks * 512, len(zeros))
        with open(path, 'rb') as f:
            self.assertEqual(zeros + b'end' + zeros, f.read())

    def test_writeback_starts_every_window(self):
        calls = []

        def fadvise(fd, offset, length, advice):
            calls.append((offset, length, advice))

        window = 1024 * 1024
        self.useFixture(
            fixtures.MonkeyPatch(
                'glance_store._drivers.filesystem.WRITEBACK_WINDOW', window
            )
        )
        self.useFixture(fixtures.MonkeyPatch('os.posix_fadvise', fadvise))
        data = os.urandom(5 * window + 10)
        url, size, _, _, _ = self.add(self.store, data=data)
        # Chunks are 1 MiB: a window is started after each full one.
        self.assertEqual(
            [(i * window, window, os.POSIX_FADV_DONTNEED) for i in range(5)],
            calls,
        )
        with open(url[len('file://') :], 'rb') as f:
            self.assertEqual(data, f.read())


class TestPathConfinement(FileStoreTestCase):
    def setUp(self):
        super().setUp()
        self.store = self.make_store()
        self.outside = os.path.join(self.tmp, 'secret')
        with open(self.outside, 'w') as f:
            f.write('secret')

    def assertRefused(self, url):
        loc = self.location(self.store, url)
        for operation in (
            self.store.get,
            self.store.get_size,
            self.store.delete,
        ):
            error = self.assertRaises(exceptions.BadStoreUri, operation, loc)
            self.assertIn('outside the data directories', str(error))
        self.assertTrue(os.path.exists(self.outside))

    def test_path_outside_datadir(self):
        self.assertRefused('file://' + self.outside)

    def test_dot_dot_escape(self):
        self.assertRefused('file://%s/fast/../secret' % self.tmp)

    def test_symlink_escape(self):
        link = os.path.join(self.tmp, 'fast', 'link')
        os.symlink(self.outside, link)
        self.assertRefused('file://' + link)

    def test_sibling_with_common_prefix(self):
        os.mkdir(os.path.join(self.tmp, 'fast2'))
        sibling = os.path.join(self.tmp, 'fast2', 'image')
        os.rename(self.outside, sibling)
        self.outside = sibling
        self.assertRefused('file://' + sibling)

    def test_former_datadir_listed_in_datadirs_stays_readable(self):
        # The operator moved the store from "fast" to "new": listing the
        # former directory (lowest priority) keeps its images readable.
        url = self.add(self.store, image_id='old-image')[0]
        moved = self.make_store(
            'moved',
            filesystem_store_datadirs=[
                os.path.join(self.tmp, 'new') + ':10',
                os.path.join(self.tmp, 'fast') + ':0',
            ],
        )
        loc = self.location(moved, url)
        self.assertEqual(DATA, b''.join(moved.get(loc)[0]))
        self.assertIn('file://%s/fast' % self.tmp, moved.url_prefixes)
        # New images still go to the new directory.
        self.assertTrue(
            self.add(moved)[0].startswith('file://%s/new/' % self.tmp)
        )

    def test_former_datadir_as_a_read_only_store(self):
        # Or a store of its own: one whose directory is not writable is
        # read-only but still serves the files it holds.
        url = self.add(self.store, image_id='old-image')[0]
        former = os.path.join(self.tmp, 'fast')
        self.useFixture(
            fixtures.MonkeyPatch('os.access', lambda path, mode: False)
        )
        old = self.make_store('old', filesystem_store_datadir=former)
        self.assertFalse(
            old.is_capable(filesystem.capabilities.BitMasks.WRITE_ACCESS)
        )
        self.assertEqual(DATA, b''.join(old.get(self.location(old, url))[0]))

    def test_relative_location_is_bad(self):
        self.assertRaises(
            exceptions.BadStoreUri, self.location, self.store, 'file://x/y'
        )

    def test_local_path(self):
        url = self.add(self.store)[0]
        path = self.store.get_local_path(self.location(self.store, url))
        self.assertEqual(url[len('file://') :], path)


class TestLegacySingleStore(FileStoreTestCase):
    def setUp(self):
        super().setUp()
        self.conf = store_contract.new_conf()
        backend.register_opts(self.conf)
        self.conf.set_override(
            'filesystem_store_datadir', self.tmp, group='glance_store'
        )

    def test_defaults(self):
        self.assertEqual(['file', 'http'], self.conf.glance_store.stores)
        self.assertEqual('file', self.conf.glance_store.default_store)

    def test_round_trip(self):
        self.assertEqual(4, backend.create_stores(self.conf))
        backend.verify_default_store(self.conf)
        self.assertEqual(
            {'file', 'filesystem', 'http', 'https'},
            set(backend.get_known_schemes()),
        )
        url, size, md5, multihash, metadata = (
            backend.add_to_backend_with_multihash(
                self.conf, 'legacy', io.BytesIO(DATA), len(DATA), 'sha256'
            )
        )
        self.assertEqual('file://%s/legacy' % self.tmp, url)
        self.assertEqual(hashlib.sha256(DATA).hexdigest(), multihash)
        self.assertEqual({}, metadata)
        self.assertEqual(len(DATA), backend.get_size_from_backend(url))
        data, size = backend.get_from_backend(url, offset=3, chunk_size=4)
        self.assertEqual(DATA[3:7], b''.join(data))
        backend.delete_from_backend(url)
        self.assertRaises(exceptions.NotFound, backend.get_from_backend, url)

    def test_add_without_multihash_returns_four_values(self):
        backend.create_stores(self.conf)
        url, size, md5, metadata = backend.add_to_backend(
            self.conf, 'old', io.BytesIO(b'abc'), 3
        )
        self.assertEqual(hashlib.md5(b'abc').hexdigest(), md5)
        self.assertEqual({}, metadata)

    def test_default_store_must_exist(self):
        self.conf.set_override('stores', ['http'], group='glance_store')
        backend.create_stores(self.conf)
        self.assertRaises(
            RuntimeError, backend.verify_default_store, self.conf
        )


class TestDiscardPartial(FileStoreTestCase):
    def test_removes_only_the_partial_files_of_that_image(self):
        store = self.make_store()
        datadir = store.url_prefix[len('file://') :]
        names = ('.img.x1y2.part', '.img.z3.part', '.other.a1.part', 'img')
        for name in names:
            with open(os.path.join(datadir, name), 'wb') as f:
                f.write(b'partial')
        store.discard_partial('img')
        self.assertEqual(
            ['.other.a1.part', 'img'], sorted(os.listdir(datadir))
        )
