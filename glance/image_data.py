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

from glance import domain
from glance import exception
from glance import format_inspection
from glance import gateway
from glance import leases
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
    requests one gets Conflict) under a lease, write the data while
    inspecting it, then ``record(claimed, stored)`` and end the lease in
    one transaction; ``abandon_write`` everything if anything fails."""
    if size is not None and size > cap:
        raise exception.ImageSizeLimitExceeded()
    claimed, write = begin_write(repo, stores, image, event, store_id)
    with leases.held(write.lease):
        reader = format_inspection.InspectingReader(
            LimitedReader(data, cap, size), image, rules
        )
        try:
            if store_id == STAGING_STORE:
                delete_staged(repo.context, stores, image.id)
            stored = stores.add(repo.context, image.id, reader, size, store_id)
        except BaseException as error:
            # The store removed what it wrote.
            with quietly('undo the %s of image %s' % (event, image.id)):
                abandon_write(repo, stores, write, error)
            raise
        try:
            verdict = reader.verdict()
            stored = dataclasses.replace(
                stored, virtual_size=verdict.virtual_size
            )
            with repo.transaction():
                try:
                    recorded = record(claimed, stored)
                except exception.NotFound:
                    # Deleted meanwhile (upstream: 410).
                    raise exception.ImageGone(image_id=image.id) from None
                _end_lease(repo, write)
            return recorded
        except BaseException as error:
            with quietly('undo the %s of image %s' % (event, image.id)):
                abandon_write(repo, stores, write, error, stored)
            raise


# --- writes under a lease, and their clean-up --------------------------


@dataclasses.dataclass(frozen=True)
class Write:
    """A running upload (``event`` 'upload') or stage ('stage') of
    ``image_id`` to ``store_id`` (in legacy single-store mode: the default
    store's type), under the lease of the internal task ``lease``."""

    lease: str
    image_id: str
    event: str
    store_id: str

    @property
    def status(self):
        """The image's status while the write runs."""
        return domain.LIFE_CYCLE[self.event]['queued']

    @classmethod
    def from_task(cls, task):
        return cls(
            lease=task.id,
            image_id=task.image_id,
            event=task.input['event'],
            store_id=task.input['store'],
        )


def begin_write(repo, stores, image, event, store_id):
    """Move ``image`` along ``event`` and take the write's lease, in one
    transaction (an image is never ``saving`` without a lease); the
    claimed image and the Write. Renew the lease with
    ``glance.leases.held(write.lease)`` while the data moves."""
    store_id = store_id or stores.default
    with repo.transaction():
        claimed = repo.change_status(image, event)
        lease = _tasks(repo).lease(
            domain.WRITE_TASK,
            image.id,
            {'event': event, 'store': store_id},
        )
    return claimed, Write(lease, image.id, event, store_id)


def abandon_write(repo, stores, write, error, stored=None, partial=False):
    """Undo a write that will not be recorded (``error`` says why: it is
    notified with an upload's failure): remove its data
    (``stored``, what the store returned; with ``partial``, whatever an
    interrupted add left in the store), then put the image back to
    ``queued`` (when it is still in the write's status) and end the lease,
    in one transaction.

    The one clean-up of failed, stalled and interrupted uploads and
    stages. When the data cannot be removed it raises, and the lease
    stays (the image in its status): a later sweep tries again, and no
    new write of the image can begin meanwhile.
    """
    if stored is not None:
        stores.delete(repo.context, stored.url, write.store_id)
    if partial:
        try:
            stores.discard_partial(write.store_id, write.image_id)
            if write.event == 'upload':
                _discard_unrecorded(repo, stores, write)
        except exception.UnknownStore:
            LOG.warning(
                'Partial data of image %s may stay in store %s, which is '
                'no longer configured',
                write.image_id,
                write.store_id,
            )
    with repo.transaction():
        # Writing first: SQLite refuses a transaction that read before
        # another one wrote.
        _tasks(repo).release(write.lease)
        try:
            image = repo.get(write.image_id)
        except exception.NotFound:
            image = None  # deleted meanwhile: nothing to put back
        if image is not None and image.status == write.status:
            repo.write_failed(image, error)


def _discard_unrecorded(repo, stores, write):
    """Remove the complete data an upload whose process died between the
    store's add returning and the database recording it left where the
    store puts that image's data, so that a retry is no 409 (the store's
    Duplicate). Only when no live location row (of any image) names the
    image id: data a location references is never deleted. The caller
    holds the write's lease (the image stays ``saving``: no other write
    of it can begin); the check and the delete share a transaction."""
    urls = stores.final_urls(write.store_id, write.image_id)
    if not urls:
        return
    with repo.transaction():
        if repo.data_named(write.image_id):
            LOG.info(
                'The data of image %s in store %s stays: a location names it',
                write.image_id,
                write.store_id,
            )
            return
        for url in urls:
            stores.delete(repo.context, url, write.store_id)


def recover_writes(repo, stores, image_id=None, report=False):
    """Abandon every upload and stage (of ``image_id``, when given) whose
    lease ran out because its process died: partial data removed, image
    back to ``queued``. Never touches a write whose process renews its
    lease. How many were recovered (with ``report``: and how many could
    not be, their lease kept for a later try)."""
    recovered = failed = 0
    tasks = _tasks(repo)
    for task in tasks.claim_stale(domain.WRITE_TASK, leases.LEASE, image_id):
        write = Write.from_task(task)
        LOG.warning(
            'The %s of image %s to store %s lost its process; removing its '
            'partial data',
            write.event,
            write.image_id,
            write.store_id,
        )
        try:
            abandon_write(repo, stores, write, _DIED, partial=True)
        except Exception:
            LOG.exception(
                'Could not undo the %s of image %s (tried again in %d s)',
                write.event,
                write.image_id,
                leases.LEASE,
            )
            failed += 1
            continue
        recovered += 1
    return (recovered, failed) if report else recovered


_DIED = exception.GlanceException('The process writing the data died.')


def _end_lease(repo, write):
    """End the write's lease; Conflict when it was taken over (this
    process lost it: its data may be being removed)."""
    if not _tasks(repo).release(write.lease):
        raise exception.Conflict(
            'The %s of image %s was taken over after its lease ran out.'
            % (write.event, write.image_id)
        )


def _tasks(repo):
    # The internal lease rows: no notifications, the caller's transaction.
    return gateway.task_repo(repo.context)


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


def delete_image(repo, stores, image):
    """Delete the image with its data, as upstream: a store refusing to
    delete (StoreForbidden, StoreDataInUse, StoreUnavailable) keeps the
    image and the locations not yet removed, and raises.

    Each location goes in a transaction of its own that removes its row,
    checks no other live location holds the data and deletes the data
    (rolled back when the store refuses): the locations already gone
    stay gone, and no row is left without data. The data of a location
    no configured store holds cannot be reached: its row goes, logged.
    An upload or stage whose process died has its partial data removed
    now; a live one removes its own when it finds the image deleted.
    """
    if image.status in _WRITING:
        recover_writes(repo, stores, image.id)
    for loc in image.active_locations:
        with repo.transaction():
            repo.drop_location(loc)
            if not repo.unreferenced([loc]):
                continue
            if stores.multi and stores.store_of(loc) is None:
                LOG.warning(
                    'The data of a location of image %s stays: no '
                    'configured store holds it',
                    image.id,
                )
                continue
            stores.delete(repo.context, loc.url, stores.store_of(loc))
    with repo.transaction():
        repo.remove(image)
        if image.status in _STAGED:
            delete_staged(repo.context, stores, image.id)


# Statuses of an image whose data is being written, and those in which it
# may have staged data.
_WRITING = ('saving', 'uploading')
_STAGED = ('uploading', 'importing', 'queued')


def delete_data(context, stores, locations):
    """Delete the data of locations no longer recorded (failures are
    logged: they leave an orphan, never a dangling location)."""
    for loc in locations:
        try:
            stores.delete(context, loc.url, stores.store_of(loc))
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
