"""Format inspection on every way data comes in, against the real
glance-api: images made by qemu-img (Debian's qemu-utils) in the test, sent
by upload, stage + glance-direct and web-download (from a local HTTP
server). Refused data answers 415 (upload, stage) or fails the import,
and leaves no byte in any store directory, the staging area or the
database."""

import os

import sqlalchemy as sa

from tests.fixtures import byte_server
from tests.fixtures import disk_images
from tests.functional.api import base

MiB = 1024 * 1024
UNSAFE = disk_images.UNSAFE
qemu_img = disk_images.qemu_img


class InspectionTestCase(base.DataTestCase):
    """A server that may fetch from a local HTTP server (``source``), and
    the requests and checks the tests share."""

    @classmethod
    def setUpClass(cls):
        reason = disk_images.missing()
        if reason:
            raise cls.skipException(reason)
        cls.source = byte_server.ByteServer(b'')
        cls.source.setUp()
        cls.server_args = dict(
            cls.server_args,
            extra_config='[import_filtering_opts]\n'
            'allowed_hosts = [127.0.0.1]\n'
            'allowed_ports = [80, %d]\n' % cls.source.port,
        )
        cls.good = qemu_img('-f', 'qcow2', size='64M')
        cls.evil = qemu_img('-f', 'qcow2', '-b', '/etc/passwd', '-F', 'raw')
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.source.cleanUp()

    def new_image(self, disk_format='qcow2'):
        return self.create_image(
            headers=base.ADMIN,
            disk_format=disk_format,
            container_format='bare',
        )['id']

    def put(self, image_id, what, data):
        return self.request(
            'PUT',
            '/v2/images/%s/%s' % (image_id, what),
            {'Content-Type': 'application/octet-stream'},
            data=data,
        )

    def import_(self, image_id, method, **extra):
        body = {'method': dict(name=method, **extra), 'stores': ['fast']}
        response = self.request(
            'POST', '/v2/images/%s/import' % image_id, json=body
        )
        self.assertEqual(202, response.status_code, response.text)
        return self.wait_for_import(image_id)

    def web_download(self, image_id, data):
        self.source.data = data
        return self.import_(
            image_id, 'web-download', uri=self.source.url('/img')
        )

    def assertNothingLeft(self, image_id, data=None):
        """No file of the image (nor a partial one) in any store or the
        staging area, no file holding the first KiB of ``data``, and no
        trace of data in the image's row: no size, checksum, hash, virtual
        size nor location."""
        self.assertEqual([], _files_of(self.server.tmp, image_id, data))
        engine = sa.create_engine(
            'sqlite:///%s/glance.sqlite' % self.server.tmp
        )
        with engine.connect() as db:
            row = db.execute(
                sa.text(
                    'SELECT size, checksum, os_hash_value, virtual_size '
                    'FROM images WHERE id = :id'
                ),
                {'id': image_id},
            ).one()
            locations = db.execute(
                sa.text(
                    'SELECT count(*) FROM image_locations WHERE image_id = :id'
                ),
                {'id': image_id},
            ).scalar()
        engine.dispose()
        self.assertEqual((None, None, None, None), tuple(row))
        self.assertEqual(0, locations)

    def assertRefused(self, response, message):
        self.assertEqual(415, response.status_code, response.text)
        self.assertIn(message, response.text)

    def assertImportFailed(self, image, status='queued', data=None):
        self.assertEqual(status, image['status'])
        self.assertEqual('fast', image['os_glance_failed_import'])
        self.assertNothingLeft(image['id'], data)


class FormatInspectionTest(InspectionTestCase):
    # --- upload ----------------------------------------------------------

    def test_upload_qcow2_with_backing_file_refused(self):
        image_id = self.new_image()
        self.assertRefused(self.put(image_id, 'file', self.evil), UNSAFE)
        image = self._show(image_id)
        self.assertEqual('queued', image['status'])
        self.assertIsNone(image['size'])
        self.assertNothingLeft(image_id)

    def test_upload_chunked_random_bytes_as_qcow2_refused(self):
        image_id = self.new_image()
        chunks = iter([os.urandom(MiB), os.urandom(MiB)])
        self.assertRefused(
            self.put(image_id, 'file', chunks),
            'Image disk_format qcow2 does not match stream data raw',
        )
        self.assertEqual('queued', self._show(image_id)['status'])
        self.assertNothingLeft(image_id)

    def test_upload_qcow2_gets_its_virtual_size(self):
        image_id = self.new_image()
        self.assertEqual(
            204, self.put(image_id, 'file', self.good).status_code
        )
        image = self._show(image_id)
        self.assertEqual('active', image['status'])
        self.assertEqual(len(self.good), image['size'])
        self.assertEqual(64 * MiB, image['virtual_size'])
        listed = self.request(
            'GET', '/v2/images?virtual_size=%d&id=in:%s' % (64 * MiB, image_id)
        ).json()['images']
        self.assertEqual([image_id], [i['id'] for i in listed])

    def test_upload_raw_virtual_size_is_its_size(self):
        image_id = self.new_image('raw')
        data = os.urandom(MiB + 3)
        self.assertEqual(204, self.put(image_id, 'file', data).status_code)
        self.assertEqual(len(data), self._show(image_id)['virtual_size'])

    # --- glance-direct ---------------------------------------------------

    def test_stage_unsafe_data_refused(self):
        image_id = self.new_image()
        self.assertRefused(self.put(image_id, 'stage', self.evil), UNSAFE)
        self.assertEqual('queued', self._show(image_id)['status'])
        self.assertNothingLeft(image_id)

    def test_glance_direct_qcow2_gets_its_virtual_size(self):
        image_id = self.new_image()
        self.assertEqual(
            204, self.put(image_id, 'stage', self.good).status_code
        )
        image = self.import_(image_id, 'glance-direct')
        self.assertEqual('active', image['status'])
        self.assertEqual(64 * MiB, image['virtual_size'])

    def test_glance_direct_of_data_no_longer_its_disk_format_fails(self):
        image_id = self.new_image()
        self.assertEqual(
            204, self.put(image_id, 'stage', self.good).status_code
        )
        # Inspected again on the way from staging to the stores.
        patched = self.patch(
            image_id,
            [{'op': 'replace', 'path': '/disk_format', 'value': 'vmdk'}],
            headers=base.ADMIN,
        )
        self.assertEqual(200, patched.status_code, patched.text)
        # The staged data is gone: so is the size its stage recorded.
        image = self.import_(image_id, 'glance-direct')
        self.assertIsNone(image['size'])
        self.assertImportFailed(image)

    # --- web-download ----------------------------------------------------

    def test_web_download_qcow2_with_backing_file_fails(self):
        image_id = self.new_image()
        self.assertImportFailed(self.web_download(image_id, self.evil))
        tasks = self.request('GET', '/v2/images/%s/tasks' % image_id).json()
        self.assertEqual(UNSAFE, tasks['tasks'][0]['message'])

    def test_web_download_random_bytes_as_qcow2_fails(self):
        image_id = self.new_image()
        image = self.web_download(image_id, os.urandom(MiB))
        self.assertImportFailed(image)

    def test_web_download_qcow2_gets_its_virtual_size(self):
        image_id = self.new_image()
        image = self.web_download(image_id, self.good)
        self.assertEqual('active', image['status'])
        self.assertEqual(64 * MiB, image['virtual_size'])


class FormatMatchNotRequiredTest(base.DataTestCase):
    """``require_image_format_match = False``: a mismatch passes (no
    virtual size), unsafe data is still refused."""

    server_args = dict(
        base.DataTestCase.server_args,
        extra_config='[image_format]\nrequire_image_format_match = False\n',
    )

    def test_mismatch_allowed_unsafe_refused(self):
        reason = disk_images.missing()
        if reason:
            self.skipTest(reason)
        headers = {'Content-Type': 'application/octet-stream'}
        mismatched = self.create_image(
            headers=base.ADMIN, disk_format='qcow2', container_format='bare'
        )['id']
        response = self.request(
            'PUT',
            '/v2/images/%s/file' % mismatched,
            headers,
            data=os.urandom(MiB),
        )
        self.assertEqual(204, response.status_code, response.text)
        image = self._show(mismatched)
        self.assertEqual('active', image['status'])
        self.assertIsNone(image['virtual_size'])
        unsafe = self.create_image(
            headers=base.ADMIN, disk_format='qcow2', container_format='bare'
        )['id']
        evil = qemu_img('-f', 'qcow2', '-b', '/etc/passwd', '-F', 'raw')
        response = self.request(
            'PUT', '/v2/images/%s/file' % unsafe, headers, data=evil
        )
        self.assertEqual(415, response.status_code, response.text)
        self.assertEqual('queued', self._show(unsafe)['status'])


class AcceptanceListTest(InspectionTestCase):
    """Every image of the acceptance list (tests.fixtures.disk_images) by
    each way data comes in: the safe ones get qemu-img's virtual size
    (and ``?virtual_size=`` finds them), the unsafe and mismatched ones
    are refused with upstream's message, leaving nothing behind. Each
    test goes through the whole list and reports every sample that went
    wrong."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.samples = disk_images.samples()

    def each_sample(self, send):
        failed = []
        for sample in self.samples:
            image_id = self.new_image(sample.disk_format)
            try:
                send(sample, image_id)
                if sample.refusal is None:
                    self.assertAccepted(sample, image_id)
            except Exception as error:
                failed.append('%s: %s' % (sample.name, error))
        self.assertEqual([], failed)

    def assertAccepted(self, sample, image_id):
        image = self._show(image_id)
        self.assertEqual('active', image['status'])
        self.assertEqual(len(sample.data), image['size'])
        self.assertEqual(sample.virtual_size, image['virtual_size'])
        listed = self.request(
            'GET',
            '/v2/images?virtual_size=%d&id=in:%s'
            % (sample.virtual_size, image_id),
        ).json()['images']
        self.assertEqual([image_id], [i['id'] for i in listed])

    def test_upload(self):
        def send(sample, image_id):
            response = self.put(image_id, 'file', sample.data)
            if sample.refusal is None:
                self.assertEqual(204, response.status_code, response.text)
                return
            self.assertRefused(response, sample.refusal)
            self.assertEqual('queued', self._show(image_id)['status'])
            self.assertNothingLeft(image_id, sample.data)

        self.each_sample(send)

    def test_glance_direct(self):
        def send(sample, image_id):
            response = self.put(image_id, 'stage', sample.data)
            if sample.refusal is None:
                self.assertEqual(204, response.status_code, response.text)
                image = self.import_(image_id, 'glance-direct')
                self.assertFalse(image.get('os_glance_failed_import'))
                return
            self.assertRefused(response, sample.refusal)
            self.assertEqual('queued', self._show(image_id)['status'])
            self.assertNothingLeft(image_id, sample.data)

        self.each_sample(send)

    def test_web_download(self):
        def send(sample, image_id):
            image = self.web_download(image_id, sample.data)
            if sample.refusal is None:
                self.assertFalse(image.get('os_glance_failed_import'))
                return
            self.assertImportFailed(image, data=sample.data)
            tasks = self.request(
                'GET', '/v2/images/%s/tasks' % image_id
            ).json()['tasks']
            self.assertEqual(sample.refusal, tasks[0]['message'])

        self.each_sample(send)


def _files_of(root, image_id, data):
    """Files below ``root`` named after the image or holding the first
    KiB of ``data``."""
    found = []
    needle = data[:1024] if data else None
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            if image_id in name:
                found.append(path)
            elif needle is not None:
                with open(path, 'rb') as f:
                    if needle in f.read():
                        found.append(path)
    return found
