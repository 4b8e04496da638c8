"""Import plugins against the real glance-api: image_conversion,
image_decompression and inject_image_metadata, configured as upstream
(``[image_import_opts] image_import_plugins``), on images qemu-img makes
in the test. Converted data is checked with qemu-img and hashed here;
refused data leaves nothing in the stores or the staging area."""

import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import tempfile
import zipfile

import fixtures
import testtools

from tests.fixtures import byte_server
from tests.fixtures import server as server_fixtures
from tests.functional.api import base

MiB = 1024 * 1024
VIRTUAL = 16 * MiB
UNSAFE = 'Image failed safety checks'
MISMATCH = 'Image disk_format qcow2 does not match stream data raw'


def qemu_img(*args, tmp):
    subprocess.run(['qemu-img', *args], check=True, cwd=tmp)


def read(path):
    with open(path, 'rb') as f:
        return f.read()


class Images:
    """Test images made with qemu-img: ``raw`` (random data at the start
    of a 16 MiB disk), ``qcow2`` (the same disk), ``backing`` and
    ``data_file`` (qcow2 naming a host file)."""

    def __init__(self):
        with tempfile.TemporaryDirectory() as tmp:
            self.raw = os.urandom(MiB) + bytes(VIRTUAL - MiB)
            with open(os.path.join(tmp, 'disk.raw'), 'wb') as f:
                f.write(self.raw)
            qemu_img(
                'convert',
                '-f',
                'raw',
                '-O',
                'qcow2',
                'disk.raw',
                'disk.qcow2',
                tmp=tmp,
            )
            self.qcow2 = read(os.path.join(tmp, 'disk.qcow2'))
            qemu_img(
                'create',
                '-q',
                '-f',
                'qcow2',
                '-b',
                '/etc/passwd',
                '-F',
                'raw',
                'backing.qcow2',
                tmp=tmp,
            )
            self.backing = read(os.path.join(tmp, 'backing.qcow2'))
            qemu_img(
                'create',
                '-q',
                '-f',
                'qcow2',
                '-o',
                'data_file=%s' % os.path.join(tmp, 'host.raw'),
                'data.qcow2',
                '1M',
                tmp=tmp,
            )
            self.data_file = read(os.path.join(tmp, 'data.qcow2'))


def stored_info(path):
    out = subprocess.run(
        ['qemu-img', 'info', '--output=json', path],
        check=True,
        capture_output=True,
    ).stdout
    return json.loads(out)


class PluginTestCase(base.DataTestCase):
    plugins = ''
    extra = ''

    @classmethod
    def setUpClass(cls):
        if shutil.which('qemu-img') is None:
            raise cls.skipException(
                'qemu-img missing: bash tools/backends/qemu.sh install'
            )
        cls.images = Images()
        cls.source = byte_server.ByteServer(b'')
        cls.source.setUp()
        cls.server_args = dict(
            cls.server_args,
            extra_config=byte_server.ALLOW_LOCAL
            + '[image_import_opts]\nimage_import_plugins = [%s]\n'
            % cls.plugins
            + cls.extra,
        )
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.source.cleanUp()

    def new_image(self, disk_format='qcow2', container_format='bare', **kw):
        return self.create_image(
            headers=kw.pop('headers', base.ADMIN),
            disk_format=disk_format,
            container_format=container_format,
            **kw,
        )['id']

    def stage(self, image_id, data, headers=base.ADMIN):
        response = self.request(
            'PUT',
            '/v2/images/%s/stage' % image_id,
            dict(headers, **{'Content-Type': 'application/octet-stream'}),
            data=data,
        )
        self.assertEqual(204, response.status_code, response.text)

    def import_(self, image_id, method, headers=base.ADMIN, **extra):
        body = {'method': dict(name=method, **extra), 'stores': ['fast']}
        response = self.request(
            'POST', '/v2/images/%s/import' % image_id, headers, json=body
        )
        self.assertEqual(202, response.status_code, response.text)
        return self.wait_for_import(image_id)

    def glance_direct(self, image_id, data, headers=base.ADMIN):
        self.stage(image_id, data, headers)
        return self.import_(image_id, 'glance-direct', headers)

    def upload_and_copy(self, image_id, data):
        """Upload ``data`` to store fast, then copy-image it to cheap."""
        response = self.request(
            'PUT',
            '/v2/images/%s/file' % image_id,
            {'Content-Type': 'application/octet-stream'},
            data=data,
        )
        self.assertEqual(204, response.status_code, response.text)
        body = {'method': {'name': 'copy-image'}, 'stores': ['cheap']}
        response = self.request(
            'POST', '/v2/images/%s/import' % image_id, json=body
        )
        self.assertEqual(202, response.status_code, response.text)
        return self.wait_for_import(image_id)

    def stored(self, image_id, store='fast'):
        return os.path.join(self.server.tmp, store, image_id)

    def task_message(self, image_id):
        tasks = self.request('GET', '/v2/images/%s/tasks' % image_id).json()
        return tasks['tasks'][0]['message']

    def assertNothingLeft(self, image_id):
        left = [
            os.path.join(folder, name)
            for folder, _dirs, names in os.walk(self.server.tmp)
            for name in names
            if image_id in name
        ]
        self.assertEqual([], left)

    def assertImportFailed(self, image, message):
        self.assertEqual('queued', image['status'])
        self.assertEqual('fast', image['os_glance_failed_import'])
        self.assertEqual('', image['os_glance_importing_to_stores'])
        self.assertEqual(message, self.task_message(image['id']))
        self.assertNothingLeft(image['id'])

    def assertHoldsRaw(self, image, raw):
        """The image's data in store fast is ``raw``, recorded with its
        hashes and virtual size."""
        path = self.stored(image['id'])
        info = stored_info(path)
        self.assertEqual('raw', info['format'])
        self.assertEqual(raw, read(path))
        self.assertEqual('active', image['status'])
        self.assertEqual('raw', image['disk_format'])
        self.assertEqual('bare', image['container_format'])
        self.assertEqual(len(raw), image['size'])
        self.assertEqual(info['virtual-size'], image['virtual_size'])
        self.assertEqual(hashlib.md5(raw).hexdigest(), image['checksum'])
        self.assertEqual(
            hashlib.new(image['os_hash_algo'], raw).hexdigest(),
            image['os_hash_value'],
        )


class ConversionTest(PluginTestCase):
    plugins = 'image_conversion'
    extra = '[image_conversion]\noutput_format = raw\n'

    def test_glance_direct_qcow2_stored_as_raw(self):
        image_id = self.new_image()
        image = self.glance_direct(image_id, self.images.qcow2)
        self.assertHoldsRaw(image, self.images.raw)
        self.assertEqual(VIRTUAL, image['virtual_size'])
        self.assertNothingLeftStaged(image_id)

    def assertNothingLeftStaged(self, image_id):
        staging = os.path.join(self.server.tmp, 'staging')
        left = [
            name
            for _folder, _dirs, names in os.walk(staging)
            for name in names
            if image_id in name
        ]
        self.assertEqual([], left)

    def test_web_download_qcow2_stored_as_raw(self):
        image_id = self.new_image()
        self.source.data = self.images.qcow2
        image = self.import_(
            image_id, 'web-download', uri=self.source.url('/img')
        )
        self.assertHoldsRaw(image, self.images.raw)

    def test_raw_is_not_converted(self):
        image_id = self.new_image('raw')
        image = self.glance_direct(image_id, self.images.raw)
        self.assertHoldsRaw(image, self.images.raw)
        self.assertNotIn(
            'Converted image %s' % image_id, self.server.read_log()
        )

    def test_copy_image_is_not_converted(self):
        # Upstream runs no plugin for copy-image.
        image_id = self.new_image()
        image = self.upload_and_copy(image_id, self.images.qcow2)
        self.assertEqual('fast,cheap', image['stores'])
        self.assertEqual('qcow2', image['disk_format'])
        self.assertEqual(
            self.images.qcow2, read(self.stored(image_id, 'cheap'))
        )

    # Unsafe data refused before qemu-img reads it. A container other than
    # bare is not inspected on stage (as upstream), so the plugin's own
    # inspection is what refuses it.

    def assertRefusedBeforeConversion(self, data, message):
        image_id = self.new_image(container_format='ovf')
        image = self.glance_direct(image_id, data)
        self.assertImportFailed(image, message)
        log = self.server.read_log()
        self.assertIn('Image %s refused before conversion' % image_id, log)
        self.assertNotIn('Converted image %s' % image_id, log)
        self.assertEqual('qcow2', image['disk_format'])

    def test_qcow2_with_backing_file_refused(self):
        self.assertRefusedBeforeConversion(self.images.backing, UNSAFE)

    def test_qcow2_with_data_file_refused(self):
        self.assertRefusedBeforeConversion(self.images.data_file, UNSAFE)

    def test_random_bytes_as_qcow2_refused(self):
        self.assertRefusedBeforeConversion(os.urandom(MiB), MISMATCH)

    def test_bare_unsafe_data_refused_on_stage(self):
        image_id = self.new_image()
        response = self.request(
            'PUT',
            '/v2/images/%s/stage' % image_id,
            {'Content-Type': 'application/octet-stream'},
            data=self.images.backing,
        )
        self.assertEqual(415, response.status_code, response.text)
        self.assertNothingLeft(image_id)


class LegacyStoreConversionTest(PluginTestCase):
    """Single-store mode: the staging area is the same reserved store."""

    server_args = {}
    plugins = 'image_conversion'

    def test_glance_direct_qcow2_stored_as_raw(self):
        image_id = self.new_image()
        self.stage(image_id, self.images.qcow2)
        response = self.request(
            'POST',
            '/v2/images/%s/import' % image_id,
            json={'method': {'name': 'glance-direct'}},
        )
        self.assertEqual(202, response.status_code, response.text)
        image = self.wait_for_import(image_id)
        path = os.path.join(self.server.tmp, 'images', image_id)
        self.assertEqual('raw', stored_info(path)['format'])
        self.assertEqual(self.images.raw, read(path))
        self.assertEqual('raw', image['disk_format'])
        self.assertEqual(VIRTUAL, image['virtual_size'])
        self.assertEqual(
            hashlib.md5(self.images.raw).hexdigest(), image['checksum']
        )


class DecompressionTest(PluginTestCase):
    plugins = 'image_decompression'
    extra = '[DEFAULT]\nimage_size_cap = %d\n' % (4 * VIRTUAL)

    def test_gzip_of_qcow2(self):
        image_id = self.new_image()
        image = self.glance_direct(image_id, gzip.compress(self.images.qcow2))
        self.assertEqual('active', image['status'])
        self.assertEqual(self.images.qcow2, read(self.stored(image_id)))
        self.assertEqual(len(self.images.qcow2), image['size'])
        self.assertEqual(VIRTUAL, image['virtual_size'])
        self.assertEqual(
            hashlib.md5(self.images.qcow2).hexdigest(), image['checksum']
        )

    def test_zip_of_raw_by_web_download(self):
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, 'w', zipfile.ZIP_DEFLATED) as z:
            z.writestr('../../disk.raw', self.images.raw)
        self.source.data = archive.getvalue()
        image_id = self.new_image('raw')
        image = self.import_(
            image_id, 'web-download', uri=self.source.url('/img')
        )
        self.assertEqual('active', image['status'])
        self.assertEqual(self.images.raw, read(self.stored(image_id)))

    def test_compressed_container_is_kept(self):
        data = gzip.compress(self.images.raw)
        image_id = self.new_image('raw', 'compressed')
        image = self.glance_direct(image_id, data)
        self.assertEqual('active', image['status'])
        self.assertEqual(data, read(self.stored(image_id)))

    def test_unsafe_content_refused(self):
        image_id = self.new_image()
        image = self.glance_direct(
            image_id, gzip.compress(self.images.backing)
        )
        self.assertImportFailed(image, UNSAFE)

    def test_mismatched_content_refused(self):
        image_id = self.new_image()
        image = self.glance_direct(image_id, gzip.compress(os.urandom(MiB)))
        self.assertImportFailed(image, MISMATCH)

    def test_zip_of_two_files_refused(self):
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, 'w') as z:
            z.writestr('a', self.images.qcow2)
            z.writestr('b', self.images.qcow2)
        image_id = self.new_image()
        image = self.glance_direct(image_id, archive.getvalue())
        self.assertImportFailed(
            image, 'A zip archive of an image must hold exactly one file.'
        )

    def test_bomb_refused(self):
        bomb = gzip.compress(bytes(4 * VIRTUAL + 1))
        image_id = self.new_image('raw')
        image = self.glance_direct(image_id, bomb)
        self.assertImportFailed(image, 'The decompressed image is too large.')


class DecompressionAndConversionTest(PluginTestCase):
    plugins = 'image_decompression, image_conversion'

    def test_gzip_of_qcow2_stored_as_raw(self):
        image_id = self.new_image()
        image = self.glance_direct(image_id, gzip.compress(self.images.qcow2))
        self.assertHoldsRaw(image, self.images.raw)


class InjectionTest(PluginTestCase):
    plugins = 'inject_image_metadata'
    extra = (
        '[inject_metadata_properties]\n'
        'ignore_user_roles = service\n'
        'inject = hw_scsi_model:virtio-scsi,os_glance_lock:x,'
        'disk_format:vmdk\n'
    )

    def test_injected_for_a_member(self):
        image_id = self.new_image('raw', headers=base.OWNER)
        image = self.glance_direct(image_id, self.images.raw, base.OWNER)
        self.assertEqual('active', image['status'])
        self.assertEqual('virtio-scsi', image['hw_scsi_model'])
        self.assertEqual('raw', image['disk_format'])
        self.assertNotIn('os_glance_lock', image)

    def test_not_injected_for_an_ignored_role(self):
        service = dict(base.OWNER, **{'X-Roles': 'member,service'})
        image_id = self.new_image('raw', headers=service)
        image = self.glance_direct(image_id, self.images.raw, service)
        self.assertEqual('active', image['status'])
        self.assertNotIn('hw_scsi_model', image)

    def test_not_injected_on_copy_image(self):
        # The admin has no ignored role here: copy-image runs no plugin.
        image_id = self.new_image('raw')
        image = self.upload_and_copy(image_id, self.images.raw)
        self.assertEqual('fast,cheap', image['stores'])
        self.assertNotIn('hw_scsi_model', image)

    def test_injected_for_an_admin_without_ignored_role(self):
        image_id = self.new_image('raw')
        image = self.glance_direct(image_id, self.images.raw)
        self.assertEqual('virtio-scsi', image['hw_scsi_model'])


class UnknownPluginTest(testtools.TestCase):
    def test_glance_api_refuses_to_start(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        result = server_fixtures.run_command(
            'glance.cmd.api',
            server_fixtures.MINIMAL + '[image_import_opts]\n'
            'image_import_plugins = [no_op, image_convertion]\n',
            tmp,
        )
        self.assertNotEqual(0, result.returncode)
        self.assertIn(
            'no image import plugin named image_convertion',
            result.stdout + result.stderr,
        )
