"""Tests of glance.image_data: ranges, the limited reader, upload cleanup."""

import hashlib
import io
import os
import shutil
import socket

import fixtures
import testtools

from glance import context as glance_context
from glance import domain
from glance import exception
from glance import image_data
from glance import stores
from glance.db import images
from tests.fixtures import store_maps
from tests.fixtures import stores as store_fixtures


class ParseRangeTest(testtools.TestCase):
    def test_no_header_means_everything(self):
        self.assertIsNone(image_data.parse_range(None, 10))
        self.assertIsNone(image_data.parse_range('', 10))

    def test_closed_range(self):
        self.assertEqual((2, 3), image_data.parse_range('bytes=2-4', 10))

    def test_open_range_runs_to_the_end(self):
        self.assertEqual((7, 3), image_data.parse_range('bytes=7-', 10))

    def test_last_byte_past_the_end_is_clipped(self):
        self.assertEqual((8, 2), image_data.parse_range('bytes=8-99', 10))

    def test_suffix_range(self):
        self.assertEqual((6, 4), image_data.parse_range('bytes=-4', 10))
        self.assertEqual((0, 10), image_data.parse_range('bytes=-50', 10))

    def test_malformed_or_multiple_ranges_are_ignored(self):
        for header in (
            'bytes=a-b',
            'items=1-2',
            'bytes=5-2',
            'bytes=-',
            'bytes=1-2,4-5',
        ):
            self.assertIsNone(image_data.parse_range(header, 10), header)

    def test_start_past_the_end_is_unsatisfiable(self):
        self.assertRaises(
            image_data.RangeNotSatisfiable,
            image_data.parse_range,
            'bytes=10-',
            10,
        )

    def test_empty_suffix_is_unsatisfiable(self):
        self.assertRaises(
            image_data.RangeNotSatisfiable,
            image_data.parse_range,
            'bytes=-0',
            10,
        )


class DownloadTest(testtools.TestCase):
    def test_content_range_and_partial(self):
        whole = image_data.Download(size=10, offset=0, length=10)
        part = image_data.Download(size=10, offset=2, length=3)
        self.assertFalse(whole.partial)
        self.assertTrue(part.partial)
        self.assertEqual('bytes 2-4/10', part.content_range)


class LimitedReaderTest(testtools.TestCase):
    def _drain(self, reader, chunk=4):
        data = b''
        while True:
            piece = reader.read(chunk)
            if not piece:
                return data
            data += piece

    def test_passes_data_through(self):
        reader = image_data.LimitedReader(io.BytesIO(b'0123456789'), 10, 10)
        self.assertEqual(b'0123456789', self._drain(reader))
        self.assertEqual(10, reader.bytes_read)

    def test_unknown_size_reads_to_the_end(self):
        reader = image_data.LimitedReader(io.BytesIO(b'abc'), 10)
        self.assertEqual(b'abc', self._drain(reader))

    def test_over_the_cap(self):
        reader = image_data.LimitedReader(io.BytesIO(b'x' * 11), 10)
        self.assertRaises(
            exception.ImageSizeLimitExceeded, self._drain, reader
        )

    def test_more_than_declared(self):
        reader = image_data.LimitedReader(io.BytesIO(b'x' * 6), 10, 5)
        self.assertRaises(image_data.SizeMismatch, self._drain, reader)

    def test_body_ending_early(self):
        reader = image_data.LimitedReader(io.BytesIO(b'x' * 4), 10, 5)
        self.assertRaises(image_data.SizeMismatch, self._drain, reader)

    def test_broken_source(self):
        class Broken:
            def read(self, size):
                raise OSError('connection reset')

        reader = image_data.LimitedReader(Broken(), 10)
        self.assertRaises(image_data.SourceFailed, reader.read, 4)

    def test_negative_size_reads_a_chunk(self):
        reader = image_data.LimitedReader(io.BytesIO(b'abc'), 10)
        self.assertEqual(b'abc', reader.read(-1))


class FileStoreDataTest(testtools.TestCase):
    """add/download/delete_from_store against real file stores."""

    def setUp(self):
        super().setUp()
        self.useFixture(store_maps.StoreMapsFixture())
        self.root = self.useFixture(fixtures.TempDir()).path
        self.conf = store_fixtures.multi_store_conf(
            self, self.root, 'image_size_cap = 100', ', web:http'
        )
        self.stores = stores.configure(self.conf)
        self.context = glance_context.get_admin_context()

    def _add(self, data, store_id='fast', image_id='img-1', size=None):
        reader = image_data.LimitedReader(
            io.BytesIO(data), self.conf.image_size_cap, size
        )
        return self.stores.add(self.context, image_id, reader, size, store_id)

    def _files(self, store_id):
        directory = os.path.join(self.root, store_id)
        return [name for name in os.listdir(directory)]

    def test_add_hashes_and_records_the_store(self):
        data = b'x' * 50
        stored = self._add(data, 'cheap')
        self.assertEqual('file://%s/cheap/img-1' % self.root, stored.url)
        self.assertEqual(50, stored.size)
        self.assertEqual(hashlib.md5(data).hexdigest(), stored.checksum)
        self.assertEqual(hashlib.sha512(data).hexdigest(), stored.multihash)
        self.assertEqual({'store': 'cheap'}, stored.metadata)

    def test_over_the_cap_leaves_nothing_in_the_store(self):
        self.assertRaises(
            exception.ImageSizeLimitExceeded, self._add, b'x' * 101
        )
        self.assertEqual([], self._files('fast'))

    def test_short_body_leaves_nothing_in_the_store(self):
        self.assertRaises(
            image_data.SizeMismatch, self._add, b'x' * 10, size=20
        )
        self.assertEqual([], self._files('fast'))

    def test_unknown_store(self):
        self.assertRaises(exception.UnknownStore, self.stores.writable, 'nope')
        self.assertEqual('fast', self.stores.writable(None))
        self.assertRaises(exception.Invalid, self.stores.writable, 'web')

    def _image(self, data, **values):
        stored = self._add(data)
        values.setdefault('status', 'active')
        return domain.Image(
            id='img-1',
            size=len(data),
            checksum=stored.checksum,
            locations=[domain.Location(url=stored.url, metadata={})],
            **values,
        )

    def test_download_whole_local_file_offers_the_file(self):
        image = self._image(b'0123456789')
        opened = image_data.download(self.context, image, self.stores)
        self.assertFalse(opened.partial)
        self.assertIsNotNone(opened.file)
        self.assertEqual(b'0123456789', b''.join(opened.chunks))

    def test_download_range(self):
        image = self._image(b'0123456789')
        opened = image_data.download(
            self.context, image, self.stores, 'bytes=2-4'
        )
        self.assertIsNone(opened.file)
        self.assertEqual('bytes 2-4/10', opened.content_range)
        self.assertEqual(b'234', b''.join(opened.chunks))

    def test_download_of_a_location_no_store_holds(self):
        image = self._image(b'abc')
        image.locations = [domain.Location(url='file:///elsewhere/x')]
        self.assertRaises(
            exception.StoreUnavailable,
            image_data.download,
            self.context,
            image,
            self.stores,
        )

    def test_a_store_that_is_down_only_affects_its_images(self):
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            dead = 'http://127.0.0.1:%d/img' % s.getsockname()[1]
        image = self._image(b'abc')
        image.locations.insert(0, domain.Location(url=dead))
        opened = image_data.download(self.context, image, self.stores)
        self.assertEqual(b'abc', b''.join(opened.chunks))
        image.locations = image.locations[:1]
        self.assertRaises(
            exception.StoreUnavailable,
            image_data.download,
            self.context,
            image,
            self.stores,
        )

    def test_download_of_missing_data(self):
        image = self._image(b'abc')
        os.unlink(os.path.join(self.root, 'fast', 'img-1'))
        self.assertRaises(
            exception.NotFound,
            image_data.download,
            self.context,
            image,
            self.stores,
        )

    def test_no_data_and_deactivated(self):
        queued = domain.Image(id='img-2')
        self.assertIsNone(
            image_data.download(self.context, queued, self.stores)
        )
        deactivated = self._image(b'abc', status='deactivated')
        user = glance_context.RequestContext(project_id='p', roles=['member'])
        self.assertRaises(
            exception.Forbidden,
            image_data.download,
            user,
            deactivated,
            self.stores,
        )


class UploadTest(store_fixtures.StoresAndImageTestCase):
    """upload/stage with a real SQLite database and real file stores."""

    extra_config = 'image_size_cap = 100'

    def _upload(self, data, size=None, store_id=None):
        return image_data.upload(
            self.repo,
            self.stores,
            self.image,
            io.BytesIO(data),
            size,
            store_id,
            self.conf.image_size_cap,
        )

    def _reread(self):
        return images.get(self.context, self.image.id)

    def test_upload_activates_with_hashes_and_location(self):
        data = b'y' * 60
        self._upload(data, 60, 'cheap')
        image = self._reread()
        self.assertEqual('active', image.status)
        self.assertEqual(60, image.size)
        self.assertEqual(hashlib.md5(data).hexdigest(), image.checksum)
        self.assertEqual('sha512', image.os_hash_algo)
        self.assertEqual(hashlib.sha512(data).hexdigest(), image.os_hash_value)
        [loc] = image.active_locations
        self.assertEqual({'store': 'cheap'}, loc.metadata)
        self.assertEqual('file://%s/cheap/%s' % (self.root, image.id), loc.url)

    def test_failed_upload_goes_back_to_queued_without_orphans(self):
        self.assertRaises(
            exception.ImageSizeLimitExceeded, self._upload, b'y' * 101
        )
        image = self._reread()
        self.assertEqual('queued', image.status)
        self.assertEqual([], image.locations)
        self.assertEqual([], os.listdir(os.path.join(self.root, 'fast')))

    def test_declared_size_over_the_cap_is_refused_before_reading(self):
        body = io.BytesIO(b'')
        self.assertRaises(
            exception.ImageSizeLimitExceeded,
            image_data.upload,
            self.repo,
            self.stores,
            self.image,
            body,
            101,
            None,
            self.conf.image_size_cap,
        )
        self.assertEqual('queued', self._reread().status)

    def test_store_failure_is_unavailable_and_requeues(self):
        shutil.rmtree(os.path.join(self.root, 'fast'))
        self.assertRaises(exception.StoreUnavailable, self._upload, b'a')
        self.assertEqual('queued', self._reread().status)

    def test_second_upload_of_the_same_image_conflicts(self):
        self._upload(b'a')
        self.assertRaises(exception.Conflict, self._upload, b'b')

    def test_concurrent_claim_loses(self):
        # Another request moved the image to saving after we read it.
        self.repo.change_status(self.image, 'upload')
        self.assertRaises(exception.Conflict, self._upload, b'a')
        self.assertEqual([], os.listdir(os.path.join(self.root, 'fast')))

    def test_stage_writes_to_the_staging_store(self):
        image_data.stage(
            self.repo,
            self.stores,
            self.image,
            io.BytesIO(b'staged'),
            6,
            self.conf.image_size_cap,
        )
        image = self._reread()
        self.assertEqual(('uploading', 6), (image.status, image.size))
        staged = os.path.join(
            self.root, 'staging', stores.STAGING_STORE, image.id
        )
        with open(staged, 'rb') as f:
            self.assertEqual(b'staged', f.read())
