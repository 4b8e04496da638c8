"""Image bytes in and out of the stores: upload and download.

Upload streams the request body into one store while the driver hashes it
(md5 + multihash), then records size, hashes, the location and ``active``
in one transaction. Whatever goes wrong after the image left ``queued``,
the bytes written are removed and the image goes back to ``queued``.

Download picks a location whose store is known (its ``store`` metadata, or
the store index for locations written before multi-store), and streams it,
honouring a byte range.
"""

import copy
import dataclasses
import logging
import re

from glance import exception
from glance.db import images
from glance.db import locations
from glance.db import session
from glance.stores import RESERVED_STORES
from glance.stores import STAGING_STORE
from glance_store import backend
from glance_store import exceptions as store_exceptions
from glance_store import location
from glance_store import multi_backend

LOG = logging.getLogger(__name__)

HASHING_ALGO = 'sha512'
# Large reads keep per-chunk overhead (syscalls, hashing calls) small.
CHUNK_SIZE = 1024 * 1024


class SizeMismatch(exception.Invalid):
    msg_fmt = (
        'Image data size %(actual)s does not match the declared size '
        '%(declared)s.'
    )


class SourceFailed(exception.Invalid):
    msg_fmt = 'Reading the image data failed: %(reason)s'


class UnknownStore(exception.Invalid):
    msg_fmt = 'Store %(store_id)s is not available on this deployment.'


class StoreFull(exception.GlanceException):
    msg_fmt = 'Store %(store_id)s has no space left for this image.'


class StoreUnavailable(exception.GlanceException):
    msg_fmt = 'The store holding the image data is unavailable: %(reason)s'


class RangeNotSatisfiable(exception.GlanceException):
    msg_fmt = 'Requested range not satisfiable (image size %(size)s).'


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


@dataclasses.dataclass(frozen=True)
class Stored:
    """What a store returned for newly written data."""

    url: str
    size: int
    checksum: str
    multihash: str
    metadata: dict


def upload(context, image, data, size, store_id, conf, stores):
    """Write ``data`` (a file-like body) as the image's data.

    ``size`` is the declared size or None (chunked body); ``store_id`` the
    target store in multi-store mode (None: the default store).
    """
    store_id = target_store(stores, store_id)
    return _write(
        context, conf, stores, image, data, size, store_id, 'saving', activate
    )


def stage(context, image, data, size, conf, stores):
    """Write ``data`` to the staging store for a glance-direct import."""
    return _write(
        context,
        conf,
        stores,
        image,
        data,
        size,
        STAGING_STORE,
        'uploading',
        _record_staged_size,
    )


def _write(context, conf, stores, image, data, size, store_id, status, done):
    """Claim the queued image with ``status``, write the data, then call
    ``done(context, image, stored)``; undo everything if anything fails."""
    _check_size(size, conf.image_size_cap)
    claimed = _claim(context, image, status)
    reader = LimitedReader(data, conf.image_size_cap, size)
    try:
        stored = add(context, conf, stores, image.id, reader, size, store_id)
    except BaseException:
        _set_status_quietly(context, claimed, 'queued')
        raise
    try:
        return done(context, claimed, stored)
    except BaseException:
        delete_quietly(context, stores, stored.url, store_id)
        _set_status_quietly(context, claimed, 'queued')
        raise


def _record_staged_size(context, image, stored):
    staged = copy.deepcopy(image)
    staged.size = stored.size
    return images.save(context, staged, image)


def target_store(stores, store_id):
    """The store an upload goes to (None in legacy mode)."""
    if not stores.multi:
        return None
    store_id = store_id or stores.default
    info = stores.get(store_id)
    if info is None:
        raise UnknownStore(store_id=store_id)
    if info.read_only:
        raise exception.Invalid('Store %s is read-only.' % store_id)
    return store_id


def _check_size(size, cap):
    if size is not None and size > cap:
        raise exception.ImageSizeLimitExceeded()


def _claim(context, image, status):
    """Move a queued image to ``status`` (compare-and-set: of two
    concurrent requests one gets Conflict)."""
    if image.status != 'queued':
        raise exception.Conflict(
            'Image %s is %s; data can only be written to a queued image.'
            % (image.id, image.status)
        )
    return set_status(context, image, status)


def set_status(context, image, status):
    changed = copy.deepcopy(image)
    changed.status = status
    return images.save(context, changed, image)


def _set_status_quietly(context, image, status):
    try:
        set_status(context, image, status)
    except Exception:
        LOG.exception('Could not set image %s back to %s', image.id, status)


def by_store_id(stores, store_id):
    """Whether glance_store knows ``store_id`` by id: every store in
    multi-store mode, the reserved (staging) stores in both modes."""
    return stores.multi or store_id in RESERVED_STORES


def add(context, conf, stores, image_id, reader, size, store_id):
    """Write to a store, translating store errors to domain errors.

    In single-store mode any ``store_id`` but a reserved one means the
    default store."""
    try:
        if by_store_id(stores, store_id):
            result = multi_backend.add_with_multihash(
                conf,
                image_id,
                reader,
                size or 0,
                store_id,
                HASHING_ALGO,
                context=context,
            )
        else:
            result = backend.add_to_backend_with_multihash(
                conf,
                image_id,
                reader,
                size or 0,
                HASHING_ALGO,
                context=context,
            )
    except store_exceptions.StorageFull:
        raise StoreFull(store_id=store_id or stores.default)
    except store_exceptions.Duplicate as e:
        raise exception.Conflict(str(e))
    except store_exceptions.UnknownScheme:
        raise UnknownStore(store_id=store_id)
    except (
        store_exceptions.StorageWriteDenied,
        store_exceptions.StoreAddDisabled,
        store_exceptions.RemoteServiceUnavailable,
        store_exceptions.BackendException,
        # Client-side read errors arrive as SourceFailed, so an OSError
        # here is the store's.
        OSError,
    ) as e:
        raise StoreUnavailable(reason=_reason(e))
    return Stored(*result)


def _reason(error):
    # An OSError's text names server paths; its strerror is enough.
    return error.strerror if isinstance(error, OSError) else str(error)


def activate(context, image, stored):
    """Record the new data and make the image active, in one transaction."""
    active = copy.deepcopy(image)
    active.status = 'active'
    active.size = stored.size
    active.checksum = stored.checksum
    active.os_hash_algo = HASHING_ALGO
    active.os_hash_value = stored.multihash
    with session.writer.using(context):
        images.save(context, active, image)
        locations.add(context, image.id, stored.url, stored.metadata)
        return images.get(context, image.id)


def delete_quietly(context, stores, url, store_id):
    """Remove written data; failures are logged (they leave an orphan)."""
    try:
        _delete_data(context, stores, url, store_id)
    except Exception:
        LOG.exception('Could not delete image data of a failed write')


def _delete_data(context, stores, url, store_id):
    try:
        if by_store_id(stores, store_id):
            multi_backend.delete(url, store_id, context=context)
        else:
            backend.delete_from_backend(url, context=context)
    except store_exceptions.NotFound:
        pass  # already gone: what the caller wanted
    except (store_exceptions.HasSnapshot, store_exceptions.InUseByStore):
        raise exception.Conflict(
            'The image data in store %s is in use and cannot be deleted.'
            % store_id
        )


def delete_from_store(context, image, store_id, stores):
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
        if location_store(stores, loc) == store_id
    ]
    if not held:
        raise exception.NotFound(
            'Image %s is not present in store %s.' % (image.id, store_id)
        )
    _delete_data(context, stores, held[0].url, store_id)
    locations.delete(context, held[0].id)


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
    missing, unavailable = [], []
    for loc in image.active_locations:
        store_id = location_store(stores, loc)
        if stores.multi and store_id is None:
            unavailable.append('no configured store holds a location')
            continue
        try:
            return _open(context, stores, loc.url, store_id, image, wanted)
        except store_exceptions.NotFound:
            missing.append(store_id)
        except StoreUnavailable as e:
            unavailable.append(str(e))
    LOG.warning(
        'Image %s has no readable location (missing from %s; %s)',
        image.id,
        missing,
        unavailable,
    )
    if unavailable:
        raise StoreUnavailable(reason='; '.join(unavailable))
    raise exception.NotFound('Image data for %s not found.' % image.id)


def location_store(stores, loc):
    """Store id of a location: recorded, or resolved from its URL."""
    if not stores.multi:
        return None
    if stores.get(loc.store) is not None:
        return loc.store
    return stores.index.resolve(loc.url)


def _open(context, stores, url, store_id, image, wanted):
    offset, length = wanted or (0, image.size)
    try:
        path = _local_path(stores, url, store_id)
        if path is not None:
            return _open_local_file(path, image.size, offset, length)
        if stores.multi:
            chunks, size = multi_backend.get(
                url,
                store_id,
                offset=offset,
                chunk_size=length if wanted else None,
                context=context,
            )
        else:
            chunks, size = backend.get_from_backend(
                url,
                offset=offset,
                chunk_size=length if wanted else None,
                context=context,
            )
    except (
        store_exceptions.RemoteServiceUnavailable,
        store_exceptions.BackendException,
        store_exceptions.StoreGetNotSupported,
        store_exceptions.UnknownScheme,
        store_exceptions.BadStoreUri,
        store_exceptions.Forbidden,
        OSError,
    ) as e:
        raise StoreUnavailable(reason=_reason(e))
    if image.size is None:
        offset, length = 0, size
    return Download(
        size=image.size or size, offset=offset, length=length, chunks=chunks
    )


def _local_path(stores, url, store_id):
    """Path of the data when its store is a local file store that says
    where (multi-store mode), else None."""
    if not by_store_id(stores, store_id):
        return None
    store = multi_backend.get_store_from_store_identifier(store_id)
    if not hasattr(store, 'get_local_path'):
        return None
    loc = location.get_location_from_uri_and_backend(
        url, store_id, conf=store.conf
    )
    return store.get_local_path(loc)


def _open_local_file(path, size, offset, length):
    try:
        fileobj = open(path, 'rb')
    except FileNotFoundError:
        raise store_exceptions.NotFound('Image data not found at %s' % path)
    except OSError as e:
        raise StoreUnavailable(reason=_reason(e))
    if size is None:
        size = length = fileobj.seek(0, 2)
    fileobj.seek(offset)
    return Download(
        size=size,
        offset=offset,
        length=length,
        chunks=_file_chunks(fileobj, length),
        file=fileobj if length == size else None,
    )


def _file_chunks(fileobj, length):
    with fileobj:
        while length > 0:
            data = fileobj.read(min(CHUNK_SIZE, length))
            if not data:
                return
            length -= len(data)
            yield data
