"""What image data really is, learnt while it streams in.

``InspectingReader`` wraps the reader a store's ``add`` consumes and hands
every chunk to oslo.utils' format inspectors (they keep only the few
header and footer regions they need), so inspection costs no extra pass
and no extra memory. ``Inspectors`` feeds them as oslo.utils'
``InspectWrapper`` does, except that an inspector that has ruled itself
out and holds every region it asked for is fed no more (what it would
still be fed cannot change the verdict): past the first chunks of a
stream only the inspectors of the detected format (and raw's byte count)
still run, so the cost per chunk does not grow with the formats known.
At the end of the stream it judges the data against the image's
``disk_format`` by upstream's rules and raises
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
        self._source = source
        self._inspectors = Inspectors() if inspects(image) else None
        self._verdict = None
        self._error = None

    def read(self, size=-1):
        data = self._source.read(size)
        inspectors = self._inspectors
        if inspectors is not None and not inspectors.finished:
            inspectors.eat(data)
            if not data:
                self.verdict()
        return data

    def verdict(self):
        """The judgement of the data read (the stream has ended); raises
        InvalidImageData as often as asked when it refuses the data."""
        if self._inspectors is None:
            return Verdict()
        if self._error is None and self._verdict is None:
            if hasattr(self._source, 'close'):
                self._source.close()
            self._inspectors.finish()
            try:
                self._verdict = judge(
                    self._inspectors, self._disk_format, self._rules
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


class Inspectors:
    """An inspector of each format oslo.utils knows, fed a stream chunk by
    chunk; ``formats`` and ``format`` once ``finish()`` was called, as
    ``InspectWrapper``'s (every inspector is asked, also those that
    failed on the data or were fed no more).

    Fed as ``InspectWrapper`` feeds them (the same chunks, the empty one
    at the end too; one that raises is fed no more) but for one saving:
    an inspector whose regions are all complete (none captures the end of
    the stream), whose last chunk added no region and that does not match
    the data is *settled*. What it holds no longer changes (complete
    regions capture nothing more, and its post-read step, which depends
    only on what it holds, would only repeat itself), so it would still
    not match at the end and is fed no more. Only its byte count would
    differ, which nothing reads of an inspector that does not match. An
    inspector of the detected format is fed to the end: its safety checks
    and sizes are the library's, on every byte.
    """

    def __init__(self):
        self.all = [kind() for kind in format_inspector.ALL_FORMATS.values()]
        self._fed = list(self.all)
        # Fed without asking whether they settled: raw (it matches any
        # data; its byte count is the raw virtual size) and those that
        # match with every region complete (they could only settle by
        # no longer matching, which what they hold rules out).
        self._steady = {i for i in self.all if i.NAME == 'raw'}
        self.finished = False

    def eat(self, chunk):
        fed = []
        for inspector in self._fed:
            steady = inspector in self._steady
            before = None if steady else inspector.context_info.keys()
            try:
                inspector.eat_chunk(chunk)
            except Exception as error:
                LOG.debug('Not %s data: %s', inspector, error)
                continue
            if not steady:
                state = _state(inspector, before)
                if state is _SETTLED:
                    continue
                if state is _STEADY:
                    self._steady.add(inspector)
            fed.append(inspector)
        self._fed = fed

    def finish(self):
        self.finished = True
        for inspector in self.all:
            inspector.finish()

    @property
    def formats(self):
        """The formats the data matches (raw alone when none)."""
        matches = [
            inspector
            for inspector in self.all
            if inspector.NAME != 'raw' and inspector.format_match
        ]
        return matches or [i for i in self.all if i.NAME == 'raw']

    @property
    def format(self):
        """The one format the data matches (raw when none)."""
        matches = self.formats
        if len(matches) > 1:
            raise format_inspector.ImageFormatError(
                'Multiple formats detected: %s' % ','.join(map(str, matches))
            )
        return matches[0]


_SETTLED = 'settled'
_STEADY = 'steady'


def _state(inspector, regions_before):
    """_SETTLED, _STEADY (matches, holds all it needs) or None."""
    # ``complete`` is False while an end-of-stream region is open.
    if inspector.context_info.keys() != regions_before:
        return None
    if not inspector.complete:
        return None
    try:
        return _STEADY if inspector.format_match else _SETTLED
    except Exception:
        # Not decided yet (e.g. a vmdk descriptor not parsed): keep on.
        return None


def judge(inspectors, disk_format, rules):
    """A Verdict on the data ``Inspectors`` saw, by upstream's rules:
    the detected format must be ``disk_format`` (a raw image may hold
    anything recognisable, ``iso`` may carry a GPT in front, formats the
    inspector does not know pass when nothing was recognised); whatever
    was detected must pass its safety checks."""
    try:
        inspector = _detected(inspectors)
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


def _detected(inspectors):
    matches = {str(inspector): inspector for inspector in inspectors.formats}
    if matches.keys() == {'iso', 'gpt'}:
        # A bootable ISO may have a GPT boot loader in front of it.
        return matches['iso']
    return inspectors.format


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
