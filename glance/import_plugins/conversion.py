"""``image_conversion``: the staged data converted to
``[image_conversion] output_format`` with ``qemu-img`` (Debian's
qemu-utils).

Nothing reaches qemu-img before oslo.utils' format inspector passed the
staged file: it must be of the image's ``disk_format`` (a GPT disk counts
as raw; an ISO is kept as it is) and pass the format's safety checks.
``qemu-img info`` then reads it with the format given explicitly (never
probed) under process limits, and must agree: same format, no backing
file, no data file, an allowed VMDK create-type. ``qemu-img convert``
writes a work file beside the staged data, which is inspected in turn as
data of the output format before it replaces the staged data; the image
then gets the output ``disk_format`` and ``container_format`` ``bare``.
Size, checksum, ``os_hash_value`` and ``virtual_size`` are those of the
converted data, recorded when it is copied to the stores.
"""

import dataclasses
import json
import logging
import os
import shutil
import sys

from oslo_concurrency import processutils

from glance import exception
from glance import format_inspection
from glance import import_plugins

LOG = logging.getLogger(__name__)

GiB = 1024**3
# qemu-img's resources: a crafted header must not make it spin or eat the
# host's memory (upstream bounds ``qemu-img info`` the same way).
INFO_LIMITS = processutils.ProcessLimits(cpu_time=8, address_space=GiB)
CONVERT_LIMITS = processutils.ProcessLimits(address_space=GiB)
FAILED = 'Image conversion failed'


class Conversion:
    def __init__(self, conf):
        self.conf = conf
        self.python = conf.wsgi.python_interpreter or sys.executable

    def staged(self, job):
        if shutil.which('qemu-img') is None:
            # Not the data's fault: the staged data stays for a retry.
            raise exception.GlanceException(
                'qemu-img is not available on this host'
            )
        image = job.image()
        source = image.disk_format
        target = self.conf.image_conversion.output_format
        try:
            detected = self._inspected(job.path, source)
            if detected == 'iso' and source == 'iso':
                LOG.debug('Image %s is an ISO: not converted', job.image_id)
                return
            if detected != source:
                _refuse(format_inspection.MISMATCH % (source, detected))
            info = _qemu_img_info(
                self.python, job.path, source, self._vmdk_allowed()
            )
        except exception.InvalidImageData as error:
            LOG.warning(
                'Image %s refused before conversion: %s', job.image_id, error
            )
            raise
        if source == target:
            LOG.debug('Image %s is %s already', job.image_id, target)
            return
        scratch = job.scratch('conversion')
        try:
            _qemu_img_convert(self.python, job.path, source, scratch, target)
            converted = self._inspected(scratch, target)
            if target != 'raw' and converted != target:
                _refuse(format_inspection.MISMATCH % (target, converted))
            job.replace(scratch)
        finally:
            import_plugins.remove_quietly(scratch)
        size = os.stat(job.path).st_size
        job.update(disk_format=target, container_format='bare', size=size)
        LOG.info(
            'Converted image %s from %s to %s (virtual size %s, %d bytes)',
            job.image_id,
            source,
            target,
            info.get('virtual-size'),
            size,
        )

    def _vmdk_allowed(self):
        return set(self.conf.image_format.vmdk_allowed_types)

    def _inspected(self, path, disk_format):
        """The format detected in ``path`` (gpt counts as raw), which must
        pass the safety checks as data of ``disk_format``; always matched,
        whatever ``require_image_format_match`` says (as upstream)."""
        rules = dataclasses.replace(
            format_inspection.Rules.from_conf(self.conf), require_match=True
        )
        verdict = import_plugins.inspect_file(path, disk_format, rules)
        return 'raw' if verdict.format == 'gpt' else verdict.format


def _refuse(message):
    LOG.warning('Refusing to convert image data: %s', message)
    raise exception.InvalidImageData(message)


def _qemu_img_info(python, path, disk_format, vmdk_allowed):
    """``qemu-img info`` of ``path`` read as ``disk_format``; refuses what
    the inspector may have missed."""
    out = _qemu_img(
        python,
        INFO_LIMITS,
        'info',
        '-f',
        disk_format,
        '--output=json',
        path,
    )
    try:
        info = json.loads(out)
    except ValueError:
        _refuse(FAILED)
    if info.get('format') != disk_format:
        _refuse(format_inspection.MISMATCH % (disk_format, info.get('format')))
    specific = (info.get('format-specific') or {}).get('data') or {}
    if 'backing-filename' in info or specific.get('data-file'):
        _refuse(format_inspection.UNSAFE)
    if disk_format == 'vmdk' and specific.get('create-type') not in (
        vmdk_allowed
    ):
        _refuse(format_inspection.UNSAFE)
    return info


def _qemu_img_convert(python, source_path, source_format, target_path, target):
    _qemu_img(
        python,
        CONVERT_LIMITS,
        'convert',
        '-f',
        source_format,
        '-O',
        target,
        source_path,
        target_path,
    )


def _qemu_img(python, limits, *args):
    """Run qemu-img; a failure refuses the data (the message keeps
    qemu-img's words out of the task: they name server paths)."""
    try:
        out, _err = processutils.execute(
            'qemu-img',
            *args,
            prlimit=limits,
            python_exec=python,
            env_variables=dict(os.environ, LC_ALL='C'),
        )
    except processutils.ProcessExecutionError as error:
        LOG.warning('qemu-img %s failed: %s', args[0], error.stderr)
        raise exception.InvalidImageData(FAILED) from None
    return out
