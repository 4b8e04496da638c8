"""Import plugins without a server: loading by entry point, the start-up
check, the rules of staging, metadata injection and what the file
inspection and the decompression refuse (real files, real qemu-img)."""

import gzip
import os
import shutil
import subprocess

import fixtures
import testtools
from oslo_config import cfg

from glance import conf as glance_conf
from glance import context
from glance import exception
from glance import format_inspection
from glance import import_plugins
from glance.import_plugins import conversion
from glance.import_plugins import decompression
from glance.import_plugins import injection

MiB = 1024 * 1024


def make_conf(**groups):
    conf = cfg.ConfigOpts()
    glance_conf.register_opts(conf)
    conf([], default_config_files=[])
    for group, values in groups.items():
        for name, value in values.items():
            conf.set_override(name, value, group=group)
    return conf


class LoadTest(testtools.TestCase):
    def test_configured_order(self):
        conf = make_conf(
            image_import_opts={
                'image_import_plugins': [
                    'inject_image_metadata',
                    'image_decompression',
                    'image_conversion',
                    'no_op',
                ]
            }
        )
        kinds = [type(p) for p in import_plugins.load(conf)]
        self.assertEqual(
            [
                injection.Injection,
                decompression.Decompression,
                conversion.Conversion,
                import_plugins.NoOp,
            ],
            kinds,
        )

    def test_none_by_default(self):
        self.assertEqual([], import_plugins.load(make_conf()))

    def test_unknown_name_refused(self):
        import_plugins.check_names(['no_op', 'image_conversion'])
        error = self.assertRaises(
            ValueError, import_plugins.check_names, ['no_op', 'nope']
        )
        self.assertIn('nope', str(error))

    def test_staging_match_relaxed_only_with_decompression(self):
        plain = make_conf(
            image_import_opts={'image_import_plugins': ['image_conversion']}
        )
        self.assertTrue(import_plugins.staging_rules(plain).require_match)
        relaxed = make_conf(
            image_import_opts={'image_import_plugins': ['image_decompression']}
        )
        self.assertFalse(import_plugins.staging_rules(relaxed).require_match)


class InjectionTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.plugin = injection.Injection(
            make_conf(
                inject_metadata_properties={
                    'inject': {
                        'hw_disk_bus': 'scsi',
                        'os_glance_import_task': 'x',
                        'size': '1',
                        'k' * 256: 'long',
                    },
                    'ignore_user_roles': ['admin', 'service'],
                }
            )
        )

    def properties(self, *roles):
        caller = context.RequestContext(roles=list(roles))
        return self.plugin.properties(caller, None)

    def test_member_gets_the_allowed_keys(self):
        self.assertEqual({'hw_disk_bus': 'scsi'}, self.properties('member'))

    def test_ignored_roles_get_nothing(self):
        self.assertEqual({}, self.properties('member', 'service'))
        self.assertEqual({}, self.properties('admin'))

    def test_roles_compare_exactly(self):
        self.assertEqual({'hw_disk_bus': 'scsi'}, self.properties('Service'))


class FilesTestCase(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, 'wb') as f:
            f.write(data)
        return path


class InspectFileTest(FilesTestCase):
    rules = format_inspection.Rules()

    def refused(self, path):
        return self.assertRaises(
            exception.InvalidImageData,
            import_plugins.inspect_file,
            path,
            'qcow2',
            self.rules,
        )

    def test_random_bytes_as_qcow2(self):
        path = self.write('x', os.urandom(MiB))
        error = self.refused(path)
        self.assertIn('does not match stream data raw', str(error))

    def test_qcow2_with_backing_file(self):
        if shutil.which('qemu-img') is None:
            self.skipTest('qemu-img missing: bash tools/backends/qemu.sh')
        path = os.path.join(self.tmp, 'evil')
        subprocess.run(
            ['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', '/etc/passwd']
            + ['-F', 'raw', path],
            check=True,
        )
        error = self.refused(path)
        self.assertEqual(format_inspection.UNSAFE, str(error))

    def test_raw_measured(self):
        path = self.write('x', bytes(3 * MiB))
        verdict = import_plugins.inspect_file(path, 'raw', self.rules)
        self.assertEqual(3 * MiB, verdict.virtual_size)


class DecompressionCapTest(FilesTestCase):
    def test_bomb_stops_at_the_cap(self):
        path = self.write('bomb', gzip.compress(bytes(8 * MiB)))
        out_path = os.path.join(self.tmp, 'out')
        with (
            decompression._gzip_member(path) as member,
            open(out_path, 'wb') as out,
        ):
            self.assertRaises(
                exception.InvalidImageData,
                decompression._copy_capped,
                member,
                out,
                2 * MiB,
            )
        self.assertLessEqual(os.path.getsize(out_path), 2 * MiB)

    def test_truncated_gzip_refused(self):
        data = gzip.compress(os.urandom(MiB))
        path = self.write('cut', data[: len(data) // 2])
        with (
            decompression._gzip_member(path) as member,
            open(os.path.join(self.tmp, 'out'), 'wb') as out,
        ):
            error = self.assertRaises(
                exception.InvalidImageData,
                decompression._copy_capped,
                member,
                out,
                4 * MiB,
            )
        self.assertEqual(decompression.FAILED, str(error))
