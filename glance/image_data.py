"""Image bytes in and out: upload, stage, download, per-store delete.

Upload streams the request body into one store while the driver hashes it
(md5 + multihash); the repository then records size, hashes, the location
and ``active`` in one transaction. Whatever goes wrong after the image left
``queued``, the bytes written are removed and the image goes back to
``queued``.

Download picks a location whose store is known (its recorded store, or the
store its URL prefix names) and streams it, honouring a byte range; it
never probes stores one by one.
"""

import contextlib
import dataclasses
import logging
import re

from glance import exception
from glance import format_inspection
from glance.stores import CHUNK_SIZE
from glance.stores import STAGING_STORE

LOG = logging.getLogger(__name__)
_RULES = format_inspection.Rules()


class SizeMismatch(exception.Invalid):
    msg_fmt = (
        'Image data size %(actual)s does not match the declared size '
        '%(declared)s.'
    )


class SourceFailed(exception.Invalid):
    msg_fmt = 'Reading the image data failed: %(reason)s'


class RangeNotSatisfiable(exception.GlanceException):
    msg_fmt = 'Requested range not satisfiable (image size %(size)s).'


@contextlib.contextmanager
def quietly(what):
    """Log and swallow the error of a clean-up step: it must not hide the
    error being handled, or it runs where nobody could catch it."""
    try:
        yield
    except Exception:
        LOG.exception('Could not %s', what)


class LimitedReader:
    """File-like view of a body that refuses to yield more than allowed.

    ``declared`` is the size the client announced (Content-Length or the
    image's size), ``cap`` the largest image accepted. A body ending early
    is a size mismatch; a client that went away is SourceFailed.
    """

    def __init__(self, source, cap, declared=None):
        self._source = source
        self._cap = cap
        self._declared = declared
        self.bytes_read = 0

    def read(self, size=CHUNK_SIZE):
        if size is None or size < 0:
            size = CHUNK_SIZE
        try:
            data = self._source.read(size)
        except OSError as e:
            # The client went away mid-body (webob and gunicorn raise
            # OSError subclasses).
            raise SourceFailed(reason=e)
        self.bytes_read += len(data)
        if self.bytes_read > self._cap:
            raise exception.ImageSizeLimitExceeded()
        declared = self._declared
        if declared is not None and (
            self.bytes_read > declared
            or (not data and self.bytes_read != declared)
        ):
            raise SizeMismatch(actual=self.bytes_read, declared=declared)
        return data


def upload(repo, stores, image, data, size, store_id, cap, rules=_RULES):
    """Write ``data`` (a file-like body of ``size`` bytes, None when
    chunked) to ``store_id`` (None: the default store) as the image's data
    and activate the image."""
    store_id = stores.writable(store_id)

    def record(claimed, stored):
        return repo.record_data(claimed, stored, stores.hashing_algo)

    return _write(
        repo, stores, image, data, size, store_id, cap, 'upload', record, rules
    )


def stage(repo, stores, image, data, size, cap, rules=_RULES):
    """Write ``data`` to the staging store for a glance-direct import
    (replacing what an earlier, failed attempt left there)."""

    def record(claimed, stored):
        return repo.update(claimed.id, _set_size(stored.size))

    return _write(
        repo,
        stores,
        image,
        data,
        size,
        STAGING_STORE,
        cap,
        'stage',
        record,
        rules,
    )


def _set_size(size):
    def change(image):
        image.size = size

    return change


def _write(
    repo, stores, image, data, size, store_id, cap, event, record, rules
):
    """Claim the image for ``event`` (compare-and-set: of two concurrent
    requests one gets Conflict), write the data while inspecting it, then
    ``record(claimed, stored)``; undo everything if anything fails."""
    if size is not None and size > cap:
        raise exception.ImageSizeLimitExceeded()
    claimed = repo.change_status(image, event)
    if store_id == STAGING_STORE:
        delete_staged(repo.context, stores, image.id)
    reader = format_inspection.InspectingReader(
        LimitedReader(data, cap, size), image, rules
    )
    try:
        stored = stores.add(repo.context, image.id, reader, size, store_id)
    except BaseException as error:
        with quietly('set image %s back to queued' % image.id):
            repo.write_failed(claimed, error)
        raise
    try:
        verdict = reader.verdict()
        stored = dataclasses.replace(stored, virtual_size=verdict.virtual_size)
        return record(claimed, stored)
    except BaseException as error:
        with quietly('delete the data of a failed write'):
            stores.delete(repo.context, stored.url, store_id)
        with quietly('set image %s back to queued' % image.id):
            repo.write_failed(claimed, error)
        raise


def delete_from_store(repo, stores, image, store_id):
    """Remove the image's data and location in one store (upstream's
    rules: active image, not its last location)."""
    if image.status != 'active':
        raise exception.Conflict(
            'Image %s is %s; data can only be removed from an active image.'
            % (image.id, image.status)
        )
    if len(image.active_locations) == 1:
        raise exception.Forbidden(
            'Cannot delete image data from the only store containing it.'
        )
    held = [
        loc
        for loc in image.active_locations
        if stores.store_of(loc) == store_id
    ]
    if not held:
        raise exception.NotFound(
            'Image %s is not present in store %s.' % (image.id, store_id)
        )
    # The row goes first, in the transaction that checks no other live
    # location holds the data; a store refusing the delete keeps the row.
    with repo.transaction():
        image = repo.remove_location(image, held[0])
        if repo.unreferenced(held[:1]):
            stores.delete(repo.context, held[0].url, store_id)
    return image


def delete_data(context, stores, locations, in_use_raises=False):
    """Delete the data of locations no longer recorded (failures are
    logged: they leave an orphan, never a dangling location).

    With ``in_use_raises`` a store refusing because the data is in use
    (an rbd snapshot with clones) raises StoreDataInUse instead."""
    for loc in locations:
        try:
            stores.delete(context, loc.url, stores.store_of(loc))
        except exception.StoreDataInUse:
            if in_use_raises:
                raise
            LOG.exception('Could not delete the data of a removed location')
        except Exception:
            LOG.exception('Could not delete the data of a removed location')


def delete_staged(context, stores, image_id):
    """Remove the image's staged data, if any."""
    stores.delete(context, stores.staged_url(image_id), STAGING_STORE)


# --- download ---------------------------------------------------------

_RANGE = re.compile(r'^bytes=(\d*)-(\d*)$')


def parse_range(header, size):
    """``(offset, length)`` asked for by a Range header, or None for all.

    Malformed or multi-range headers are ignored (the whole image is sent),
    as HTTP allows; a range starting past the end raises
    RangeNotSatisfiable.
    """
    match = _RANGE.match((header or '').replace(' ', ''))
    if not match or match.groups() == ('', ''):
        return None
    first, last = match.groups()
    if not first:
        length = min(int(last), size)
        if length == 0:
            raise RangeNotSatisfiable(size=size)
        return size - length, length
    first = int(first)
    if last and int(last) < first:
        return None
    if first >= size:
        raise RangeNotSatisfiable(size=size)
    last = min(int(last), size - 1) if last else size - 1
    return first, last - first + 1


@dataclasses.dataclass
class Download:
    """An open download: ``chunks`` iterates the bytes to send.

    ``file`` is also set for a whole local file, which the WSGI server can
    send with sendfile instead.
    """

    size: int
    offset: int
    length: int
    chunks: object = None
    file: object = None

    @property
    def partial(self):
        return self.length != self.size

    @property
    def content_range(self):
        last = self.offset + self.length - 1
        return 'bytes %d-%d/%d' % (self.offset, last, self.size)


def download(context, image, stores, range_header=None):
    """Open the image data; None when the image has none (yet)."""
    if image.status == 'deactivated' and not context.is_admin:
        raise exception.Forbidden(
            'The requested image has been deactivated. Image data download '
            'is forbidden.'
        )
    if not image.active_locations:
        return None
    wanted = parse_range(range_header, image.size) if image.size else None
    offset, length = wanted or (0, None)
    missing, unavailable = [], []
    for loc in image.active_locations:
        # A location no configured store holds is unavailable (never
        # probed store by store): Stores.open says so.
        store_id = stores.store_of(loc)
        try:
            opened = stores.open(context, loc.url, store_id, offset, length)
        except exception.ImageDataNotFound:
            missing.append(store_id)
            continue
        except (exception.StoreUnavailable, exception.Invalid) as e:
            unavailable.append(e.msg)
            continue
        size = image.size or opened.size
        return Download(
            size=size,
            offset=offset,
            length=size - offset if length is None else length,
            chunks=opened.chunks,
            file=opened.file,
        )
    LOG.warning(
        'Image %s has no readable location (missing from %s; %s)',
        image.id,
        missing,
        unavailable,
    )
    if unavailable:
        raise exception.StoreUnavailable(reason='; '.join(unavailable))
    raise exception.NotFound('Image data for %s not found.' % image.id)
