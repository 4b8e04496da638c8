"""Store image data as RBD images in a Ceph pool (Ceph's own bindings).

Each image is an rbd image named after the image id, with a protected
snapshot ``snap`` that nova and cinder clone copy-on-write. Locations are
``rbd://<fsid>/<pool>/<image>/<snap>``, each part quoted; the legacy forms
``rbd://<image>`` and ``rbd://<pool>/<image>/<snap>`` are read as well (in
the store's own pool and cluster).

One connection per store and process is opened on first use and shared by
the requests (librados handles are thread-safe). A cluster that cannot be
reached never holds glance-api up for more than ``rados_connect_timeout``:
the store starts read-only with a warning and becomes writable again on
the first use after the cluster answers, without a restart.
"""

import contextlib
import logging
import math
import os
import threading
import time
import urllib.parse

from oslo_config import cfg

from glance_store import capabilities
from glance_store import driver
from glance_store import exceptions
from glance_store import location
from glance_store.common import utils

try:
    import rados
    import rbd
except ImportError:  # Debian's python3-rados/python3-rbd; not on PyPI
    rados = rbd = None

LOG = logging.getLogger(__name__)

MiB = 1024 * 1024
SNAPSHOT = 'snap'
# A store whose cluster did not answer waits this long before trying again,
# so requests meanwhile fail at once instead of each waiting a timeout.
RECONNECT_INTERVAL = 5
# Bounds every monitor and OSD request, so that a cluster going away under
# an open connection fails a request instead of hanging it.
OPERATION_TIMEOUT = 60
# A watch of a client that died expires after osd_client_watch_timeout
# (30 s by default).
WATCH_EXPIRY = 35
# An image of unknown size grows by at least this much at a time.
MIN_GROWTH = 64 * MiB

OPTIONS = [
    cfg.IntOpt(
        'rbd_store_chunk_size',
        default=8,
        min=1,
        help='Size in MB of the RADOS objects images are split into (a '
        'power of two); also the size of each read and write.',
    ),
    cfg.StrOpt(
        'rbd_store_pool',
        default='images',
        help='RADOS pool in which images are stored.',
    ),
    cfg.StrOpt(
        'rbd_store_user',
        help='Ceph user (without "client.") glance authenticates as; '
        'unset lets librados choose (client.admin).',
    ),
    cfg.StrOpt(
        'rbd_store_ceph_conf',
        default='',
        help='Ceph configuration file of the cluster; empty lets librados '
        'search its default places (and CEPH_CONF). Its keyring must hold '
        'the key of rbd_store_user.',
    ),
    cfg.IntOpt(
        'rados_connect_timeout',
        default=10,
        help='Seconds to wait for the cluster when connecting. A value '
        'of 0 or less leaves librados its own timeout (300 s), which '
        'can hold glance-api up that long when the cluster is down.',
    ),
    cfg.BoolOpt(
        'rbd_thin_provisioning',
        default=False,
        help='Do not write chunks made only of zero bytes: they stay '
        'unallocated in Ceph.',
    ),
]


def _quote(part):
    return urllib.parse.quote(part, safe='')


def url_prefix(fsid, pool):
    """``rbd://<fsid>/<pool>/``: what every location of the store starts
    with."""
    return 'rbd://%s/%s/' % (_quote(fsid), _quote(pool))


class StoreLocation(location.StoreLocation):
    """``rbd://<fsid>/<pool>/<image>/<snapshot>`` or a legacy form.

    ``fsid`` and ``pool`` are None for ``rbd://<image>``, ``fsid`` for
    ``rbd://<pool>/<image>/<snapshot>``; ``snapshot`` is None for
    ``rbd://<image>``.
    """

    def process_specs(self):
        self.fsid = self.specs.get('fsid')
        self.pool = self.specs.get('pool')
        self.image = self.specs.get('image')
        self.snapshot = self.specs.get('snapshot')

    def get_uri(self):
        parts = (self.fsid, self.pool, self.image, self.snapshot)
        return 'rbd://' + '/'.join(_quote(p) for p in parts if p)

    def parse_uri(self, uri):
        self.validate_schemas(uri, ['rbd://'])
        pieces = uri[len('rbd://') :].split('/')
        if not all(pieces) or len(pieces) not in (1, 3, 4):
            raise exceptions.BadStoreUri(
                reason='expected rbd://<fsid>/<pool>/<image>/<snapshot>, '
                'rbd://<pool>/<image>/<snapshot> or rbd://<image>'
            )
        pieces = [urllib.parse.unquote(p) for p in pieces]
        if len(pieces) == 1:
            pieces = [None, None, pieces[0], None]
        elif len(pieces) == 3:
            pieces.insert(0, None)
        self.fsid, self.pool, self.image, self.snapshot = pieces


class Store(driver.Store):
    """Images are rbd images with a protected snapshot, in one pool."""

    # Offset and chunked reads are native; one instance (and connection)
    # serves every request.
    _CAPABILITIES = (
        capabilities.BitMasks.RW_ACCESS
        | capabilities.BitMasks.READ_RANDOM
        | capabilities.BitMasks.DRIVER_REUSABLE
    )
    OPTIONS = OPTIONS

    def __init__(self, conf, backend=None):
        super().__init__(conf, backend=backend)
        self.fsid = None
        self._lock = threading.Lock()
        self._cluster = None
        self._cluster_pid = None
        self._retry_at = 0.0
        self._configured = False

    def get_schemes(self):
        return ('rbd',)

    # -- configuration ------------------------------------------------

    def configure_add(self):
        chunk_mb = self.option('rbd_store_chunk_size')
        if chunk_mb & (chunk_mb - 1):
            raise self._bad_config(
                'rbd_store_chunk_size must be a power of two, not %d'
                % chunk_mb
            )
        self.chunk_size = chunk_mb * MiB
        self.READ_CHUNKSIZE = self.WRITE_CHUNKSIZE = self.chunk_size
        self.pool = self.option('rbd_store_pool')
        self.user = self.option('rbd_store_user') or None
        self.conf_file = self.option('rbd_store_ceph_conf') or None
        self.connect_timeout = self.option('rados_connect_timeout')
        self.thin_provisioning = self.option('rbd_thin_provisioning')
        if rados is None:
            # After the attributes above: stores/detail still shows them.
            raise self._bad_config(
                'the rados and rbd Python modules (python3-rados, '
                'python3-rbd) are not installed'
            )
        # The fsid in the configuration file names the cluster even while
        # it is down, so the store keeps its URL prefix.
        self.fsid = self._configured_fsid()
        self._configured = True
        try:
            # Connected in the parent, the handle would not survive a fork
            # into the API workers: they open their own on first use.
            with self._short_connection() as cluster:
                self._learn_fsid(cluster)
        except exceptions.RemoteServiceUnavailable as e:
            self._retry_at = time.monotonic() + RECONNECT_INTERVAL
            raise self._bad_config('%s; read-only until it answers' % e)
        finally:
            self._set_url_prefix()

    def _bad_config(self, reason):
        return exceptions.BadStoreConfiguration(
            store_name=self.backend_group or 'rbd', reason=reason
        )

    def _set_url_prefix(self):
        if not self.backend_group:
            return
        # Without an fsid the store can only claim every rbd URL, as
        # upstream's does.
        self._url_prefix = (
            url_prefix(self.fsid, self.pool) if self.fsid else 'rbd://'
        )

    def _configured_fsid(self):
        client = self._new_client()
        try:
            fsid = client.conf_get('fsid') or ''
        finally:
            client.shutdown()
        # librados answers the nil UUID when the file names no fsid.
        return fsid.strip('0-') and fsid or None

    def _learn_fsid(self, cluster):
        fsid = cluster.get_fsid()
        if self.fsid and fsid != self.fsid:
            LOG.warning(
                'Store %s: the cluster answering has fsid %s, its '
                "configuration file says %s; using the cluster's",
                self.group_name,
                fsid,
                self.fsid,
            )
        self.fsid = fsid

    @property
    def detail_properties(self):
        """Store facts for /v2/info/stores/detail that no option holds."""
        return {
            'chunk_size': getattr(self, 'chunk_size', None),
            'fsid': self.fsid,
        }

    # -- connection ---------------------------------------------------

    def _new_client(self):
        try:
            client = rados.Rados(
                conffile=self.conf_file or '', rados_id=self.user
            )
        except rados.Error as e:
            raise self._bad_config(
                'cannot read the Ceph configuration %s: %s'
                % (self.conf_file or '(default)', e)
            ) from None
        for name in ('rados_mon_op_timeout', 'rados_osd_op_timeout'):
            client.conf_set(name, str(OPERATION_TIMEOUT))
        return client

    def _connect(self):
        client = self._new_client()
        try:
            # The bindings ignore connect(timeout=...): librados' own
            # option bounds the wait.
            if self.connect_timeout > 0:
                client.conf_set(
                    'client_mount_timeout', str(self.connect_timeout)
                )
            client.connect()
        except rados.Error as e:
            client.shutdown()
            raise exceptions.RemoteServiceUnavailable(
                message='Ceph cluster of store %s cannot be reached (%s)'
                % (self.group_name, type(e).__name__)
            ) from None
        return client

    @contextlib.contextmanager
    def _short_connection(self):
        client = self._connect()
        try:
            yield client
        finally:
            client.shutdown()

    def _connection(self):
        """The process's connection, opened (again) when needed."""
        with self._lock:
            if self._cluster is not None and self._cluster_pid == os.getpid():
                return self._cluster
            # A handle inherited through fork is unusable; it is dropped,
            # not shut down (its threads live in the parent).
            self._cluster = None
            if not self._configured:
                raise exceptions.RemoteServiceUnavailable(
                    message='Store %s is not configured' % self.group_name
                )
            if time.monotonic() < self._retry_at:
                raise exceptions.RemoteServiceUnavailable(
                    message='Ceph cluster of store %s did not answer; '
                    'trying again shortly' % self.group_name
                )
            try:
                cluster = self._connect()
            except exceptions.RemoteServiceUnavailable:
                self._retry_at = time.monotonic() + RECONNECT_INTERVAL
                raise
            self._learn_fsid(cluster)
            self._cluster, self._cluster_pid = cluster, os.getpid()
            if not self.is_capable(capabilities.BitMasks.WRITE_ACCESS):
                LOG.info(
                    'Store %s: its Ceph cluster answers; writable again',
                    self.group_name,
                )
                self.set_capabilities(capabilities.BitMasks.WRITE_ACCESS)
            return cluster

    def is_capable(self, *wanted):
        # A store made read-only only by an unreachable cluster tries to
        # reconnect before refusing a write.
        if (
            self._configured
            and capabilities.BitMasks.WRITE_ACCESS in wanted
            and self._cluster is None
        ):
            try:
                self._connection()
            except exceptions.RemoteServiceUnavailable:
                pass
        return super().is_capable(*wanted)

    @contextlib.contextmanager
    def _ioctx(self, pool=None):
        """An I/O context on ``pool`` with rbd errors translated."""
        cluster = self._connection()
        try:
            with cluster.open_ioctx(pool or self.pool) as ioctx:
                yield ioctx
        except rados.ObjectNotFound:
            raise exceptions.NotFound(
                image='pool %s of store %s' % (pool, self.group_name)
            ) from None
        except (rados.Error, rbd.Error) as e:
            if isinstance(e, (rbd.ConnectionShutdown, rados.TimedOut)):
                self._forget_connection(cluster)
            raise exceptions.BackendException(
                'Ceph request of store %s failed: %s'
                % (self.group_name, type(e).__name__)
            ) from None

    def _forget_connection(self, cluster):
        with self._lock:
            if self._cluster is cluster:
                self._cluster = None
        cluster.shutdown()

    # -- reads --------------------------------------------------------

    def _open(self, loc, ioctx):
        # Legacy rbd://<image> locations name no snapshot: read the head.
        try:
            return rbd.Image(
                ioctx, loc.image, snapshot=loc.snapshot, read_only=True
            )
        except rbd.ImageNotFound:
            raise exceptions.NotFound(image=loc.image) from None

    @capabilities.check
    def get(self, location, offset=0, chunk_size=None, context=None):
        loc = location.store_location
        # Opened here so that a missing image is reported before the
        # response starts; closed when the iterator ends or is dropped.
        stack = contextlib.ExitStack()
        try:
            ioctx = stack.enter_context(self._ioctx(loc.pool))
            image = stack.enter_context(self._open(loc, ioctx))
            size = image.size()
        except BaseException:
            stack.close()
            raise
        end = size if chunk_size is None else min(size, offset + chunk_size)
        length = max(end - offset, 0)
        chunks = self._read(image, offset, end, loc.image)
        return utils.ClosingIterator(chunks, stack.close), length

    def _read(self, image, offset, end, name):
        # The next chunk is read from Ceph while the caller sends this one.
        pending = None
        try:
            while offset < end or pending is not None:
                ahead = None
                if offset < end:
                    size = min(self.READ_CHUNKSIZE, end - offset)
                    ahead = _AsyncRead(image, offset, size)
                    offset += size
                current, pending = pending, ahead
                if current is not None:
                    data = current.result(self, name)
                    if not data:
                        return
                    yield data
        finally:
            if pending is not None:
                pending.completion.wait_for_complete_and_cb()

    def get_size(self, location, context=None):
        loc = location.store_location
        with self._ioctx(loc.pool) as ioctx, self._open(loc, ioctx) as image:
            return image.size()

    # -- writes -------------------------------------------------------

    @driver.back_compat_add
    @capabilities.check
    def add(
        self,
        image_id,
        image_file,
        image_size,
        hashing_algo,
        context=None,
        verifier=None,
    ):
        reader = utils.HashingReader(
            image_file, hashing_algo, verifier, expected_size=image_size
        )
        with self._ioctx() as ioctx:
            self._create(ioctx, image_id, image_size or 0)
            try:
                with rbd.Image(ioctx, image_id) as image:
                    self._write(image, reader.chunks(self.WRITE_CHUNKSIZE))
                    if image.size() != reader.bytes_read:
                        image.resize(reader.bytes_read)
                    image.create_snap(SNAPSHOT)
                    image.protect_snap(SNAPSHOT)
            except BaseException:
                # Also on GeneratorExit: a client that went away leaves
                # nothing behind.
                self._remove_quietly(ioctx, image_id)
                raise
        loc = StoreLocation(
            {
                'fsid': self.fsid,
                'pool': self.pool,
                'image': image_id,
                'snapshot': SNAPSHOT,
            },
            self.conf,
        )
        metadata = {'store': self.backend_group} if self.backend_group else {}
        return (
            loc.get_uri(),
            reader.bytes_read,
            reader.md5_hexdigest,
            reader.multihash_hexdigest,
            metadata,
        )

    def _create(self, ioctx, image_id, size):
        for attempt in range(2):
            try:
                rbd.RBD().create(
                    ioctx,
                    image_id,
                    size,
                    order=int(math.log2(self.chunk_size)),
                    old_format=False,
                    features=rbd.RBD_FEATURE_LAYERING,
                )
                return
            except rbd.ImageExists:
                if attempt or not self._abandoned(ioctx, image_id):
                    raise exceptions.Duplicate(image=image_id) from None
                self._remove_quietly(ioctx, image_id)
            except rbd.NoSpace:
                raise exceptions.StorageFull() from None

    def discard_partial(self, image_id):
        """Remove the image an add killed mid-write left (one without
        snapshot), once the dead writer's watch has expired; InUseByStore
        when the watch outlives WATCH_EXPIRY, BackendException when the
        removal fails (the image stays: the caller may try again)."""
        with self._ioctx() as ioctx:
            try:
                with rbd.Image(ioctx, image_id, read_only=True) as image:
                    if list(image.list_snaps()):
                        return  # a finished add
                if not self._abandoned(ioctx, image_id):
                    raise exceptions.InUseByStore(
                        'rbd image %s is still open by a writer' % image_id
                    )
            except rbd.ImageNotFound:
                return
            self._remove_quietly(ioctx, image_id)
            if image_id in rbd.RBD().list(ioctx):
                raise exceptions.BackendException(
                    'rbd image %s could not be removed' % image_id
                )

    def final_urls(self, image_id):
        """The URL a finished add of ``image_id`` returns."""
        loc = StoreLocation(
            {
                'fsid': self.fsid,
                'pool': self.pool,
                'image': str(image_id),
                'snapshot': SNAPSHOT,
            },
            self.conf,
        )
        return [loc.get_uri()]

    def _abandoned(self, ioctx, image_id):
        """Whether ``image_id`` is what a writer that died left: no
        snapshot (a finished add has one) and no live watch (a writer
        holds one, and a dead one's expires within WATCH_EXPIRY)."""
        deadline = time.monotonic() + WATCH_EXPIRY
        with rbd.Image(ioctx, image_id, read_only=True) as image:
            if list(image.list_snaps()):
                return False
            while list(image.watchers_list()):
                if time.monotonic() > deadline:
                    return False
                time.sleep(1)
        return True

    def _write(self, image, chunks):
        zeros = bytes(self.WRITE_CHUNKSIZE) if self.thin_provisioning else b''
        size = image.size()
        offset = 0
        # One write in flight while the next chunk is read and hashed.
        pending = None
        try:
            for chunk in chunks:
                end = offset + len(chunk)
                if end > size:
                    # Unknown size: grow in steps, not once per chunk.
                    size = max(
                        end, min(2 * size, size + 1024 * MiB), MIN_GROWTH
                    )
                    image.resize(size)
                if not (zeros and chunk == zeros[: len(chunk)]):
                    if pending is not None:
                        _check(pending, self, image.get_name())
                    pending = image.aio_write(chunk, offset, _ignore)
                offset = end
            if pending is not None:
                _check(pending, self, image.get_name())
        finally:
            if pending is not None:
                pending.wait_for_complete_and_cb()

    def _remove_quietly(self, ioctx, image_id):
        LOG.warning(
            'Removing the partly written rbd image %s of store %s',
            image_id,
            self.group_name,
        )
        try:
            with rbd.Image(ioctx, image_id) as image:
                if SNAPSHOT in {s['name'] for s in image.list_snaps()}:
                    if image.is_protected_snap(SNAPSHOT):
                        image.unprotect_snap(SNAPSHOT)
                    image.remove_snap(SNAPSHOT)
            rbd.RBD().remove(ioctx, image_id)
        except (rbd.Error, rados.Error) as e:
            LOG.error(
                'rbd image %s stays in pool %s of store %s: removing it '
                'failed (%s)',
                image_id,
                self.pool,
                self.group_name,
                type(e).__name__,
            )

    @capabilities.check
    def delete(self, location, context=None):
        loc = location.store_location
        with self._ioctx(loc.pool) as ioctx:
            # Everything that would refuse the delete is checked before
            # anything changes, so a refused delete leaves the image whole.
            with self._open(loc, ioctx) as image:
                self._check_deletable(image, loc)
            if loc.snapshot:
                with rbd.Image(ioctx, loc.image) as image:
                    if image.is_protected_snap(loc.snapshot):
                        image.unprotect_snap(loc.snapshot)
                    image.remove_snap(loc.snapshot)
            try:
                rbd.RBD().remove(ioctx, loc.image)
            except rbd.ImageNotFound:
                raise exceptions.NotFound(image=loc.image) from None
            except rbd.ImageBusy:
                raise exceptions.InUseByStore() from None
            except rbd.ImageHasSnapshots:
                raise exceptions.HasSnapshot() from None

    def _check_deletable(self, image, loc):
        """Raise InUseByStore or HasSnapshot for an image others use."""
        if list(image.watchers_list()):
            raise exceptions.InUseByStore(
                'rbd image %s is open by another client' % loc.image
            )
        snapshots = {s['name'] for s in image.list_snaps()}
        if snapshots - {loc.snapshot}:
            raise exceptions.HasSnapshot(
                "rbd image %s has snapshots other than glance's" % loc.image
            )
        if loc.snapshot and list(image.list_children2()):
            raise exceptions.HasSnapshot(
                'snapshot %s of rbd image %s has clones'
                % (loc.snapshot, loc.image)
            )


def _ignore(*_args):
    """Completion callback of the writes: their result is read after."""


def _check(completion, store, name):
    completion.wait_for_complete_and_cb()
    result = completion.get_return_value()
    if result < 0:
        raise exceptions.BackendException(
            'Ceph request for %s of store %s failed (%s)'
            % (name, store.group_name, os.strerror(-result))
        )


class _AsyncRead:
    """An rbd read in flight; ``result`` waits for its bytes."""

    def __init__(self, image, offset, size):
        self.data = b''
        self.completion = image.aio_read(offset, size, self._done)

    def _done(self, completion, data):
        self.data = data

    def result(self, store, name):
        _check(self.completion, store, name)
        return self.data
