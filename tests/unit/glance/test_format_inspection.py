"""The inspecting reader: what it refuses, what it measures, and that it
passes the bytes through unchanged while they stream."""

import io
import itertools
import os
import shutil
import struct
import subprocess

import fixtures
import testtools
from oslo_utils.imageutils import format_inspector

from glance import domain
from glance import exception
from glance import format_inspection
from tests.fixtures import disk_images

MiB = 1024 * 1024


def image(disk_format, container_format='bare'):
    return domain.Image(
        id='x', disk_format=disk_format, container_format=container_format
    )


def mbr(partitions):
    """512 bytes of an MBR holding ``partitions`` (type, start lba)."""
    sector = bytearray(512)
    for i, (os_type, start) in enumerate(partitions):
        entry = struct.pack(
            '<B3BB3BII', 0, 0, 2, 0, os_type, 0, 0, 0, start, 8
        )
        sector[446 + 16 * i : 462 + 16 * i] = entry
    sector[510:512] = b'\x55\xaa'
    return bytes(sector)


class Chunked:
    """A body read in small pieces, as a store driver reads it."""

    def __init__(self, data, most=4096):
        self._file = io.BytesIO(data)
        self._most = most

    def read(self, size):
        return self._file.read(min(size, self._most))


def consume(reader):
    out = bytearray()
    while True:
        chunk = reader.read(65536)
        if not chunk:
            return bytes(out)
        out += chunk


class InspectingReaderTest(testtools.TestCase):
    def inspect(self, data, disk_format, rules=None):
        reader = format_inspection.InspectingReader(
            Chunked(data),
            image(disk_format),
            rules or format_inspection.Rules(),
        )
        self.assertEqual(data, consume(reader))
        return reader.verdict()

    def assertRefused(self, message, data, disk_format, **rules):
        reader = format_inspection.InspectingReader(
            Chunked(data),
            image(disk_format),
            format_inspection.Rules(**rules),
        )
        # The end of the stream raises, inside the store's add.
        error = self.assertRaises(exception.InvalidImageData, consume, reader)
        self.assertEqual(message, error.msg)
        # And again when asked after the write.
        error = self.assertRaises(exception.InvalidImageData, reader.verdict)
        self.assertEqual(message, error.msg)

    def test_raw_virtual_size_is_its_size(self):
        data = os.urandom(3 * 65536 + 17)
        self.assertEqual(
            format_inspection.Verdict('raw', len(data)),
            self.inspect(data, 'raw'),
        )

    def test_random_bytes_are_not_qcow2(self):
        self.assertRefused(
            'Image disk_format qcow2 does not match stream data raw',
            os.urandom(100000),
            'qcow2',
        )

    def test_mismatch_allowed_when_not_required(self):
        verdict = self.inspect(
            os.urandom(100000),
            'qcow2',
            format_inspection.Rules(require_match=False),
        )
        self.assertEqual(format_inspection.Verdict(), verdict)

    def test_formats_it_cannot_inspect_pass_unrecognised_data(self):
        self.assertEqual(
            format_inspection.Verdict('raw', None),
            self.inspect(b'kernel' * 1000, 'aki'),
        )

    def test_other_containers_are_not_inspected(self):
        reader = format_inspection.InspectingReader(
            Chunked(b'QFI\xfb' + b'\0' * 1000), image('qcow2', 'ova')
        )
        consume(reader)
        self.assertEqual(format_inspection.Verdict(), reader.verdict())

    def test_raw_with_mbr_partition_table(self):
        data = mbr([(0x83, 2048)]) + b'\0' * 65536
        self.assertEqual('gpt', self.inspect(data, 'raw').format)

    def test_bad_mbr_refused_unless_nonfatal(self):
        # A protective GPT entry with a second partition beside it.
        data = mbr([(0xEE, 1), (0x83, 2048)]) + b'\0' * 65536
        self.assertRefused('Image failed safety checks', data, 'raw')
        verdict = self.inspect(
            data, 'raw', format_inspection.Rules(gpt_nonfatal={'mbr'})
        )
        self.assertEqual('gpt', verdict.format)

    def test_rules_from_conf(self):
        conf = self.useFixture(_Conf()).conf
        conf.set_override('require_image_format_match', False, 'image_format')
        conf.set_override(
            'gpt_safety_checks_nonfatal', ['mbr'], 'image_format'
        )
        self.assertEqual(
            format_inspection.Rules(
                require_match=False,
                gpt_nonfatal=frozenset({'mbr'}),
                vmdk_allowed_types=('streamOptimized', 'monolithicSparse'),
            ),
            format_inspection.Rules.from_conf(conf),
        )


class _Conf(fixtures.Fixture):
    def _setUp(self):
        from oslo_config import cfg

        from glance.conf import image_format

        self.conf = cfg.ConfigOpts()
        image_format.register_opts(self.conf)
        self.conf([])


class QemuImagesTest(testtools.TestCase):
    """Images qemu-img makes (Debian's qemu-utils)."""

    def setUp(self):
        super().setUp()
        if shutil.which('qemu-img') is None:
            self.skipTest('qemu-img missing: bash tools/backends/qemu.sh')
        self.dir = self.useFixture(fixtures.TempDir()).path

    def make(self, *options, size=None):
        path = os.path.join(self.dir, 'image')
        if os.path.exists(path):
            os.unlink(path)
        subprocess.run(
            ['qemu-img', 'create', '-q', *options, path]
            + ([size] if size else []),
            check=True,
        )
        with open(path, 'rb') as f:
            return f.read()

    def verdict(self, data, disk_format, **rules):
        reader = format_inspection.InspectingReader(
            Chunked(data), image(disk_format), format_inspection.Rules(**rules)
        )
        consume(reader)
        return reader.verdict()

    def test_qcow2_virtual_size(self):
        data = self.make('-f', 'qcow2', size='64M')
        self.assertEqual(
            format_inspection.Verdict('qcow2', 64 * MiB),
            self.verdict(data, 'qcow2'),
        )

    def test_qcow2_with_backing_file_refused_whatever_it_claims(self):
        data = self.make('-f', 'qcow2', '-b', '/etc/passwd', '-F', 'raw')
        for claimed in ('qcow2', 'raw'):
            error = self.assertRaises(
                exception.InvalidImageData, self.verdict, data, claimed
            )
            self.assertEqual('Image failed safety checks', error.msg)

    def test_qcow2_with_data_file_refused(self):
        data_file = os.path.join(self.dir, 'data')
        data = self.make(
            '-f', 'qcow2', '-o', 'data_file=' + data_file, size='1M'
        )
        error = self.assertRaises(
            exception.InvalidImageData, self.verdict, data, 'qcow2'
        )
        self.assertEqual('Image failed safety checks', error.msg)

    def test_vmdk_types(self):
        data = self.make(
            '-f', 'vmdk', '-o', 'subformat=monolithicSparse', size='8M'
        )
        self.assertEqual(8 * MiB, self.verdict(data, 'vmdk').virtual_size)
        error = self.assertRaises(
            exception.InvalidImageData,
            self.verdict,
            data,
            'vmdk',
            vmdk_allowed_types=('streamOptimized',),
        )
        self.assertEqual('Image failed safety checks', error.msg)

    def test_vhd_and_vhdx(self):
        for fmt in ('vpc', 'vhdx'):
            data = self.make('-f', fmt, size='16M')
            disk_format = {'vpc': 'vhd'}.get(fmt, fmt)
            verdict = self.verdict(data, disk_format)
            self.assertEqual(disk_format, verdict.format)
            self.assertGreaterEqual(verdict.virtual_size, 16 * MiB)

    def test_qcow2_claimed_vmdk_refused(self):
        data = self.make('-f', 'qcow2', size='1M')
        error = self.assertRaises(
            exception.InvalidImageData, self.verdict, data, 'vmdk'
        )
        self.assertEqual(
            'Image disk_format vmdk does not match stream data qcow2',
            error.msg,
        )


class SameVerdictsAsInspectWrapperTest(testtools.TestCase):
    """``Inspectors`` stops feeding the inspectors that ruled themselves
    out; the verdicts must be those of oslo.utils' InspectWrapper fed
    every chunk, for every image, claim, rule and chunk size."""

    CLAIMS = ('raw', 'qcow2', 'vmdk', 'vhd', 'vhdx', 'iso', 'vdi', 'aki')
    RULES = (
        format_inspection.Rules(),
        format_inspection.Rules(require_match=False),
        format_inspection.Rules(gpt_nonfatal=frozenset({'mbr'})),
        format_inspection.Rules(vmdk_allowed_types=('streamOptimized',)),
    )
    CHUNKS = (512, 65537, 4 * MiB)

    def setUp(self):
        super().setUp()
        reason = disk_images.missing()
        if reason:
            self.skipTest(reason)

    def corpus(self):
        images = {s.name: s.data for s in disk_images.samples()}
        images.update(
            vdi=disk_images.qemu_img('-f', 'vdi', size='16M'),
            qed=disk_images.qemu_img('-f', 'qed', size='16M'),
            two_gb_extents=disk_images.qemu_img(
                '-f', 'vmdk', '-o', 'subformat=twoGbMaxExtentSparse', size='8M'
            ),
            zeros=bytes(300000),
            bad_mbr=mbr([(0xEE, 1), (0x83, 2048)]) + bytes(65536),
            iso_behind_gpt=mbr([(0xEE, 1)]) + disk_images.iso()[512:],
        )
        for name, data in list(images.items()):
            for cut in (100, 4096, 70000):
                images['%s, first %d bytes' % (name, cut)] = data[:cut]
        return images

    def test_same_verdicts(self):
        for name, data in self.corpus().items():
            for chunk in self.CHUNKS:
                wrapper = format_inspector.InspectWrapper(Chunked(data, chunk))
                while wrapper.read(chunk):
                    pass
                wrapper.close()
                ours = format_inspection.Inspectors()
                source = Chunked(data, chunk)
                while True:
                    piece = source.read(chunk)
                    ours.eat(piece)
                    if not piece:
                        break
                ours.finish()
                for claim, rules in itertools.product(self.CLAIMS, self.RULES):
                    self.assertEqual(
                        _outcome(wrapper, claim, rules),
                        _outcome(ours, claim, rules),
                        '%s as %s, %r, %d-byte reads'
                        % (name, claim, rules, chunk),
                    )


def _outcome(inspectors, disk_format, rules):
    try:
        return format_inspection.judge(inspectors, disk_format, rules)
    except exception.InvalidImageData as error:
        # InspectWrapper names several formats in no particular order.
        head, _, names = error.msg.partition('Multiple formats detected: ')
        return head + ','.join(sorted(names.split(',')))
    except Exception as error:
        return type(error)
