"""Format inspection on every way data comes in, against the real
glance-api: images made by qemu-img (Debian's qemu-utils) in the test, sent
by upload, stage + glance-direct and web-download (from a local HTTP
server). Refused data answers 415 (upload, stage) or fails the import,
and leaves no byte in any store directory or the staging area."""

import os
import shutil
import subprocess
import tempfile

from tests.fixtures import byte_server
from tests.functional.api import base

MiB = 1024 * 1024
UNSAFE = 'Image failed safety checks'


def qemu_img(*options, size=None):
    """The bytes of an image ``qemu-img create`` makes."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'image')
        subprocess.run(
            ['qemu-img', 'create', '-q', *options, path]
            + ([size] if size else []),
            check=True,
        )
        with open(path, 'rb') as f:
            return f.read()


class FormatInspectionTest(base.DataTestCase):
    @classmethod
    def setUpClass(cls):
        if shutil.which('qemu-img') is None:
            raise cls.skipException(
                'qemu-img missing: bash tools/backends/qemu.sh install'
            )
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

    def assertNothingLeft(self, image_id):
        """No file of the image (nor a partial one) in any store or the
        staging area."""
        left = [
            os.path.join(folder, name)
            for folder, _dirs, names in os.walk(self.server.tmp)
            for name in names
            if image_id in name
        ]
        self.assertEqual([], left)

    def assertRefused(self, response, message):
        self.assertEqual(415, response.status_code, response.text)
        self.assertIn(message, response.text)

    def assertImportFailed(self, image, status='queued'):
        self.assertEqual(status, image['status'])
        self.assertEqual('fast', image['os_glance_failed_import'])
        self.assertNothingLeft(image['id'])

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
        self.assertImportFailed(self.import_(image_id, 'glance-direct'))

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
        if shutil.which('qemu-img') is None:
            self.skipTest('qemu-img missing: bash tools/backends/qemu.sh')
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
