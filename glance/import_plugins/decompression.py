"""``image_decompression``: staged data that is a gzip stream or a zip
archive of one file is replaced by what it holds (upstream's formats;
LHA archives, which upstream reads only with the optional ``lhafile``
library, are refused: this version does not use that library).

The image's ``container_format`` ``compressed`` means the user wants the
archive kept: such data is left alone, as upstream. The decompressed data
may not exceed ``image_size_cap`` (a small archive can expand without
bound), and must pass the format inspection as data of the image's
``disk_format`` before it replaces the staged data, with the configured
``[image_format]`` rules; unsafe or mismatched data fails the import.
"""

import gzip
import logging
import zipfile
import zlib

from glance import exception
from glance import format_inspection
from glance import import_plugins
from glance.stores import CHUNK_SIZE

LOG = logging.getLogger(__name__)

# (offset, magic) of each archive format.
GZIP = (0, b'\x1f\x8b\x08')
ZIP = (0, b'PK\x03\x04')
LHA = (2, b'-lh')
_HEADER = 5
FAILED = 'Image decompression failed'


def _matches(head, kind):
    offset, magic = kind
    return head[offset : offset + len(magic)] == magic


class Decompression:
    def __init__(self, conf):
        self.conf = conf

    def staged(self, job):
        image = job.image()
        if image.container_format == 'compressed':
            return
        with open(job.path, 'rb') as staged:
            head = staged.read(_HEADER)
        if _matches(head, GZIP):
            opener = _gzip_member
        elif _matches(head, ZIP):
            opener = _zip_member
        elif _matches(head, LHA):
            raise exception.InvalidImageData(
                'LHA archives are not supported; upload the image '
                'uncompressed or as gzip or zip.'
            )
        else:
            return
        scratch = job.scratch('decompression')
        try:
            with opener(job.path) as member, open(scratch, 'wb') as out:
                _copy_capped(member, out, self.conf.image_size_cap)
            rules = format_inspection.Rules.from_conf(self.conf)
            import_plugins.inspect_file(scratch, image.disk_format, rules)
            job.replace(scratch)
        finally:
            import_plugins.remove_quietly(scratch)
        LOG.info('Decompressed the staged data of image %s', job.image_id)


def _gzip_member(path):
    return gzip.open(path, 'rb')


class _ZipMember:
    """The one file of a zip archive, opened (never extracted by name:
    member names may hold paths)."""

    def __init__(self, path):
        self._archive = _zip_call(zipfile.ZipFile, path)
        members = [i for i in self._archive.infolist() if not i.is_dir()]
        if len(members) != 1:
            self._archive.close()
            raise exception.InvalidImageData(
                'A zip archive of an image must hold exactly one file.'
            )
        self._member = _zip_call(self._archive.open, members[0])

    def __enter__(self):
        return self._member

    def __exit__(self, *exc_info):
        self._member.close()
        self._archive.close()


def _zip_member(path):
    return _ZipMember(path)


def _zip_call(function, *args):
    try:
        return function(*args)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as e:
        # RuntimeError: encrypted; NotImplementedError: unknown method.
        LOG.warning('Unreadable zip archive: %s', e)
        raise exception.InvalidImageData(FAILED) from None


def _copy_capped(member, out, cap):
    """Copy at most ``cap`` bytes; more refuses the data (a bomb)."""
    written = 0
    while True:
        data = _read(member)
        if not data:
            return
        written += len(data)
        if written > cap:
            LOG.warning('Decompressed data exceeds image_size_cap %d', cap)
            raise exception.InvalidImageData(
                'The decompressed image is too large.'
            )
        out.write(data)


def _read(member):
    try:
        return member.read(CHUNK_SIZE)
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as e:
        # gzip.BadGzipFile is an OSError; a truncated stream an EOFError.
        LOG.warning('Unreadable compressed data: %s', e)
        raise exception.InvalidImageData(FAILED) from None
