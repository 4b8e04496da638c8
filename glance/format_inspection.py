"""What image data really is, learnt while it streams in.

``InspectingReader`` wraps the reader a store's ``add`` consumes and hands
every chunk to oslo.utils' format inspectors (they keep only the few
header and footer regions they need), so inspection costs no extra pass
and no extra memory. At the end of the stream it judges the data against
the image's ``disk_format`` by upstream's rules and raises
``InvalidImageData`` (415) when it is unsafe or of another format; the
store removes what it wrote, as for any failed read. ``verdict()``
returns the judgement (``Verdict``: detected format and virtual size) and
raises the same error; call it once the write returned, before recording
anything.

Containers other than ``bare`` (ova, docker, ...) are not disk images and
pass uninspected, as upstream.
"""

import dataclasses
import logging

from oslo_utils.imageutils import format_inspector

from glance import exception

LOG = logging.getLogger(__name__)

# Upstream's [image_format] vmdk_allowed_types default.
VMDK_ALLOWED_TYPES = ('streamOptimized', 'monolithicSparse')
UNSAFE = 'Image failed safety checks'
MISMATCH = 'Image disk_format %s does not match stream data %s'
FAILED = 'Image format inspection failed'
# Kernel and ramdisk images may carry a deliberately broken MBR.
_MBR_TOLERANT = ('aki', 'ari')


@dataclasses.dataclass(frozen=True)
class Rules:
    """The ``[image_format]`` options inspection follows."""

    require_match: bool = True
    gpt_nonfatal: frozenset = frozenset()
    vmdk_allowed_types: tuple = VMDK_ALLOWED_TYPES

    @classmethod
    def from_conf(cls, conf):
        group = conf.image_format
        return cls(
            require_match=group.require_image_format_match,
            gpt_nonfatal=frozenset(group.gpt_safety_checks_nonfatal),
            vmdk_allowed_types=tuple(group.vmdk_allowed_types),
        )


@dataclasses.dataclass(frozen=True)
class Verdict:
    """``format`` None: not inspected (or not recognised with the match
    not required); ``virtual_size`` None when unknown."""

    format: str | None = None
    virtual_size: int | None = None


def inspects(image):
    return image.container_format in (None, 'bare')


class InspectingReader:
    """File-like ``read(size)`` over ``source`` that inspects what passes."""

    def __init__(self, source, image, rules=Rules()):
        self._disk_format = image.disk_format
        self._rules = rules
        self._wrapper = None
        self._reader = source
        if inspects(image):
            self._wrapper = format_inspector.InspectWrapper(source)
            self._reader = self._wrapper
        self._verdict = None
        self._error = None

    def read(self, size=-1):
        data = self._reader.read(size)
        if not data and self._wrapper is not None:
            self.verdict()
        return data

    def verdict(self):
        """The judgement of the data read (the stream has ended); raises
        InvalidImageData as often as asked when it refuses the data."""
        if self._wrapper is None:
            return Verdict()
        if self._error is None and self._verdict is None:
            self._wrapper.close()
            try:
                self._verdict = judge(
                    self._wrapper, self._disk_format, self._rules
                )
            except exception.InvalidImageData as error:
                self._error = error
            except Exception:
                LOG.exception('Unable to determine the image data format')
                if self._rules.require_match:
                    self._error = exception.InvalidImageData(FAILED)
                else:
                    self._verdict = Verdict()
        if self._error is not None:
            raise self._error
        return self._verdict


def judge(wrapper, disk_format, rules):
    """A Verdict on the data an InspectWrapper saw, by upstream's rules:
    the detected format must be ``disk_format`` (a raw image may hold
    anything recognisable, ``iso`` may carry a GPT in front, formats the
    inspector does not know pass when nothing was recognised); whatever
    was detected must pass its safety checks."""
    try:
        inspector = _detected(wrapper)
    except format_inspector.ImageFormatError as error:
        return _unmatched(str(error), disk_format, rules)
    detected = str(inspector)
    if detected == disk_format:
        virtual_size = inspector.virtual_size
    elif detected == 'raw' and disk_format not in format_inspector.ALL_FORMATS:
        virtual_size = None
    elif disk_format == 'raw':
        # Data of a rich format claimed to be raw is used as raw.
        virtual_size = inspector.actual_size
    else:
        return _unmatched(
            MISMATCH % (disk_format, detected), disk_format, rules
        )
    _check_safety(inspector, disk_format, rules)
    return Verdict(detected, virtual_size or None)


def _detected(wrapper):
    matches = {str(inspector): inspector for inspector in wrapper.formats}
    if matches.keys() == {'iso', 'gpt'}:
        # A bootable ISO may have a GPT boot loader in front of it.
        return matches['iso']
    return wrapper.format


def _unmatched(message, disk_format, rules):
    if rules.require_match:
        LOG.warning('Refusing image data: %s', message)
        raise exception.InvalidImageData(message)
    LOG.warning(
        'Image data is not of disk_format %s (%s); no virtual size known',
        disk_format,
        message,
    )
    return Verdict()


def _check_safety(inspector, disk_format, rules):
    try:
        inspector.safety_check()
    except format_inspector.SafetyCheckFailed as error:
        fatal = set(error.failures) - rules.gpt_nonfatal
        if disk_format in _MBR_TOLERANT:
            fatal.discard('mbr')
        if inspector.NAME != 'gpt' or fatal:
            LOG.warning('Image data of format %s: %s', inspector, error)
            raise exception.InvalidImageData(UNSAFE) from None
        LOG.warning('Non-fatal for gpt data: %s', error)
    except format_inspector.ImageFormatError as error:
        LOG.warning('Image data of format %s: %s', inspector, error)
        raise exception.InvalidImageData(UNSAFE) from None
    if inspector.NAME == 'vmdk':
        allowed = {kind.lower() for kind in rules.vmdk_allowed_types}
        if inspector.vmdktype not in allowed:
            LOG.warning(
                'VMDK create-type %s is not in vmdk_allowed_types',
                inspector.vmdktype,
            )
            raise exception.InvalidImageData(UNSAFE)
