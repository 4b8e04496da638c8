"""Filesystem store: image data as files in local (or mounted) directories.

Locations are ``file://<absolute path>``. A store may own several data
directories (``filesystem_store_datadirs``); it then owns one URL prefix
per directory (``url_prefixes``).
"""

import concurrent.futures
import contextlib
import errno
import glob
import json
import logging
import os
import stat
import tempfile
import threading

from oslo_config import cfg

from glance_store import backend
from glance_store import capabilities
from glance_store import driver
from glance_store import exceptions
from glance_store import location
from glance_store.common import utils

LOG = logging.getLogger(__name__)

_OPTIONS = [
    cfg.StrOpt(
        'filesystem_store_datadir',
        default='/var/lib/glance/images',
        help='Directory where image files are written.',
    ),
    cfg.MultiStrOpt(
        'filesystem_store_datadirs',
        help='Several data directories as "<path>:<priority>" (priority '
        'defaults to 0). New images go to the highest priority, then to '
        'the directory with the most free space. Use instead of '
        'filesystem_store_datadir.',
    ),
    cfg.StrOpt(
        'filesystem_store_metadata_file',
        help='JSON file whose "id"/"mountpoint" object (or list of them) '
        'is added to the metadata of the locations this store creates.',
    ),
    cfg.IntOpt(
        'filesystem_store_file_perm',
        default=0,
        help='Permissions of new image files, as octal digits (e.g. 640); '
        '0 keeps the umask default. Must let the owner read.',
    ),
    cfg.IntOpt(
        'filesystem_store_chunk_size',
        default=64 * 1024,
        min=1,
        help='Size in bytes of the chunks image data is read in.',
    ),
    cfg.BoolOpt(
        'filesystem_thin_provisioning',
        default=False,
        help='Leave holes (sparse files) for runs of zero bytes instead of '
        'writing them.',
    ),
    cfg.IntOpt(
        'filesystem_store_timeout',
        default=0,
        min=0,
        help='Seconds after which a file system call that does not return '
        '(a hung NFS mount) fails the request with a timeout error instead '
        'of holding it; 0 waits as long as the call takes. Bounds the '
        'calls that look at or delete image files (size, delete, free '
        'space), which then run on a thread pool of the store.',
    ),
    cfg.IntOpt(
        'filesystem_store_thread_pool_size',
        default=10,
        min=1,
        help='Threads running the timed file system calls (only with '
        'filesystem_store_timeout > 0); calls hung on a dead mount hold '
        'their thread until the mount answers.',
    ),
    cfg.IntOpt(
        'filesystem_store_threadpool_threshold',
        default=75,
        min=0,
        max=100,
        help='Percentage of busy threads of that pool from which each timed '
        'call logs a warning (only with filesystem_store_timeout > 0).',
    ),
]

SCHEMES = ('file', 'filesystem')
_TEMP_SUFFIX = '.part'


class StoreLocation(location.StoreLocation):
    """``file://<absolute path>``; ``filesystem://`` is read as well."""

    def process_specs(self):
        self.scheme = self.specs.get('scheme', 'file')
        self.path = self.specs.get('path')

    def get_uri(self):
        return 'file://%s' % self.path

    def parse_uri(self, uri):
        self.validate_schemas(uri, ['%s://' % s for s in SCHEMES])
        self.scheme, _, path = uri.partition('://')
        if not path.startswith('/'):
            raise exceptions.BadStoreUri(
                reason='a file location needs an absolute path'
            )
        self.path = path


def _normalised_dir(path):
    # No trailing slash (except "/"), no "." or "..": the URL prefix must
    # equal the beginning of every URL created under the directory.
    path = os.path.normpath(os.path.abspath(path))
    # POSIX lets normpath keep exactly two leading slashes; we do not.
    return '/' + path.lstrip('/')


def _parse_datadir(entry):
    """``"<path>[:<priority>]"`` -> (normalised path, priority)."""
    path, sep, priority = entry.strip().rpartition(':')
    if not sep:
        path, priority = priority, '0'
    try:
        priority = int(priority)
    except ValueError:
        raise ValueError(
            'bad priority in "%s": expected <path>:<integer>' % entry
        )
    if not path:
        raise ValueError('empty path in "%s"' % entry)
    return _normalised_dir(path), priority


def _free_bytes(path):
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _translate_os_error(error):
    # EFBIG: the file system (or RLIMIT_FSIZE) refuses a file this large.
    if error.errno in (errno.ENOSPC, errno.EFBIG):
        return exceptions.StorageFull()
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return exceptions.StorageWriteDenied()
    return None


def _on_success(handle):
    def callback(future):
        if not future.cancelled() and future.exception() is None:
            handle(future.result())

    return callback


class _TimedCalls:
    """Runs file system calls within ``timeout`` seconds (0: directly).

    A call that does not return in time (a hung network mount) raises
    ``TimeoutError`` for the request; it keeps its pool thread until the
    mount answers, and what it then returns is handed to ``abandoned``.
    """

    def __init__(self, store_name, timeout=0, pool_size=1, threshold=100):
        self._store_name = store_name
        self._timeout = timeout
        self._pool_size = pool_size
        self._threshold = threshold
        self._busy = 0
        self._lock = threading.Lock()
        self._pool = None
        if timeout > 0:
            self._pool = concurrent.futures.ThreadPoolExecutor(
                pool_size, thread_name_prefix='file-store-%s' % store_name
            )

    def __call__(self, func, *args, abandoned=None):
        if self._pool is None:
            return func(*args)
        with self._lock:
            self._busy += 1
            busy = self._busy
        if busy * 100 >= self._threshold * self._pool_size:
            LOG.warning(
                'Store %s: %d of the %d threads for file system calls are '
                'busy; further calls may wait',
                self._store_name,
                busy,
                self._pool_size,
            )
        future = self._pool.submit(func, *args)
        future.add_done_callback(self._done)
        try:
            return future.result(timeout=self._timeout)
        except concurrent.futures.TimeoutError:
            if abandoned is not None:
                future.add_done_callback(_on_success(abandoned))
            raise exceptions.TimeoutError(
                message='A file system call of store %s did not return '
                'within %d s (filesystem_store_timeout); check the storage '
                'behind it.' % (self._store_name, self._timeout)
            ) from None

    def _done(self, _future):
        with self._lock:
            self._busy -= 1


class Store(driver.Store):
    _CAPABILITIES = (
        capabilities.BitMasks.READ_RANDOM
        | capabilities.BitMasks.WRITE_ACCESS
        | capabilities.BitMasks.DRIVER_REUSABLE
    )
    OPTIONS = _OPTIONS
    READ_CHUNKSIZE = 64 * 1024
    WRITE_CHUNKSIZE = utils.UPLOAD_CHUNK_SIZE

    # (normalised path, priority), highest priority first.
    _datadirs = ()
    _real_datadirs = ()
    _url_prefixes = ()
    _file_mode = None
    _create_mode = 0o600
    _location_metadata = ()
    _timed = _TimedCalls(None)

    def get_schemes(self):
        return SCHEMES

    @property
    def url_prefixes(self):
        return self._url_prefixes

    # Upstream's attributes (its glance shows them in /v2/info/stores/detail).

    @property
    def datadir(self):
        """``filesystem_store_datadir`` as configured; with
        ``filesystem_store_datadirs``, the highest-priority directory."""
        if self._datadirs and self.option('filesystem_store_datadirs'):
            return self._datadirs[0][0]
        return self.option('filesystem_store_datadir')

    @property
    def multiple_datadirs(self):
        return bool(self.option('filesystem_store_datadirs'))

    @property
    def chunk_size(self):
        return self.option('filesystem_store_chunk_size')

    @property
    def thin_provisioning(self):
        return self.option('filesystem_thin_provisioning')

    def configure_add(self):
        self.READ_CHUNKSIZE = self.option('filesystem_store_chunk_size')
        self._timed = _TimedCalls(
            self.group_name,
            self.option('filesystem_store_timeout'),
            self.option('filesystem_store_thread_pool_size'),
            self.option('filesystem_store_threadpool_threshold'),
        )
        self._datadirs = self._configured_datadirs()
        paths = [path for path, _ in self._datadirs]
        self._real_datadirs = tuple(os.path.realpath(p) for p in paths)
        if self.backend_group:
            # Set before the directories are checked so that a store left
            # read-only still claims the files it holds.
            self._url_prefixes = tuple('file://' + p for p in paths)
        self._file_mode = self._configured_file_mode()
        # What open() would create with the umask of start-up.
        self._create_mode = self._file_mode or _umask_mode()
        for path in paths:
            self._prepare_datadir(path)
        self._location_metadata = self._configured_metadata()
        if self.backend_group:
            self._url_prefix = 'file://' + self._choose_datadir(0)

    def _bad_config(self, reason):
        return exceptions.BadStoreConfiguration(
            store_name=self.group_name, reason=reason
        )

    def _configured_datadirs(self):
        datadirs = self.option('filesystem_store_datadirs')
        # A blank datadir is unset: upstream, whose default is not blank,
        # needs "filesystem_store_datadir =" beside datadirs.
        if (
            datadirs
            and self.option('filesystem_store_datadir')
            and self.option_is_set('filesystem_store_datadir')
        ):
            raise self._bad_config(
                'set filesystem_store_datadir or filesystem_store_datadirs, '
                'not both'
            )
        if not datadirs:
            datadir = self.option('filesystem_store_datadir')
            if not datadir:
                raise self._bad_config(
                    'filesystem_store_datadir (or _datadirs) is not set'
                )
            return ((_normalised_dir(datadir), 0),)
        try:
            parsed = [_parse_datadir(entry) for entry in datadirs]
        except ValueError as e:
            raise self._bad_config('filesystem_store_datadirs: %s' % e)
        if len({path for path, _ in parsed}) != len(parsed):
            raise self._bad_config(
                'filesystem_store_datadirs names a directory twice'
            )
        return tuple(sorted(parsed, key=lambda d: d[1], reverse=True))

    def _prepare_datadir(self, path):
        try:
            os.makedirs(path, exist_ok=True)
        except OSError as e:
            raise self._bad_config(
                'cannot create directory %s: %s' % (path, e.strerror)
            )
        if not os.access(path, os.R_OK | os.W_OK | os.X_OK):
            raise self._bad_config('directory %s is not writable' % path)
        self._open_datadir(path)

    def _open_datadir(self, path):
        """Let group/others traverse ``path`` when the file mode lets them
        read image files (as upstream, a warning when that fails)."""
        if self._file_mode is None:
            return
        wanted = 0
        if self._file_mode & stat.S_IRWXO:
            wanted |= stat.S_IXOTH
        if self._file_mode & stat.S_IRWXG:
            wanted |= stat.S_IXGRP
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
            if wanted & ~mode:
                os.chmod(path, mode | wanted)
        except OSError as e:
            LOG.warning('Cannot open directory %s to others: %s', path, e)

    def _configured_file_mode(self):
        perm = self.option('filesystem_store_file_perm')
        if perm <= 0:
            return None
        try:
            mode = int(str(perm), 8)
        except ValueError:
            raise self._bad_config(
                'filesystem_store_file_perm %s is not octal' % perm
            )
        if not mode & 0o400:
            raise self._bad_config(
                'filesystem_store_file_perm %s does not let the owner read'
                % perm
            )
        return mode

    def _configured_metadata(self):
        """The metadata file's entries, as a list of dicts."""
        path = self.option('filesystem_store_metadata_file')
        if not path:
            return []
        try:
            with open(path) as f:
                entries = json.load(f)
        except (OSError, ValueError) as e:
            raise self._bad_config('cannot read metadata file: %s' % e)
        if isinstance(entries, dict):
            entries = [entries]
        for entry in entries if isinstance(entries, list) else [None]:
            if not (
                isinstance(entry, dict)
                and isinstance(entry.get('id'), str)
                and isinstance(entry.get('mountpoint'), str)
            ):
                raise self._bad_config(
                    'metadata file needs objects with string "id" and '
                    '"mountpoint"'
                )
            try:
                # Every add returns these values as location metadata.
                backend.check_location_metadata(entry)
            except exceptions.BackendException as e:
                raise self._bad_config('metadata file: %s' % e)
        return entries

    def _choose_datadir(self, image_size):
        """Highest priority first; among equals, the most free space."""
        for priority in dict.fromkeys(p for _, p in self._datadirs):
            candidates = [d for d, p in self._datadirs if p == priority]
            free, best = max(
                (self._timed(_free_bytes, d), d) for d in candidates
            )
            if free >= image_size:
                return best
        raise exceptions.StorageFull()

    def _metadata_for(self, datadir):
        metadata = next(
            (
                dict(entry)
                for entry in self._location_metadata
                if _is_within(datadir, _normalised_dir(entry['mountpoint']))
            ),
            {},
        )
        if self.backend_group:
            metadata['store'] = self.backend_group
        return metadata

    def get_local_path(self, location):
        """Path of the file holding ``location``'s data, checked to be
        inside this store's directories (for sendfile-style serving)."""
        path = os.path.realpath(location.store_location.path)
        if not any(
            _is_within(path, d, strict=True) for d in self._real_datadirs
        ):
            raise exceptions.BadStoreUri(
                reason='the path is outside the data directories of store '
                '%s' % self.group_name
            )
        return path

    def _open(self, location):
        """``(open image file, its size)``, within filesystem_store_timeout."""
        return self._timed(self._open_now, location, abandoned=_close_opened)

    def _open_now(self, location):
        try:
            image_file = open(self.get_local_path(location), 'rb')
        except FileNotFoundError:
            raise exceptions.NotFound(image=location.store_location.path)
        except PermissionError:
            raise exceptions.Forbidden()
        try:
            return image_file, os.fstat(image_file.fileno()).st_size
        except BaseException:
            image_file.close()
            raise

    @capabilities.check
    def get(self, location, offset=0, chunk_size=None, context=None):
        image_file, size = self._open(location)
        size = max(0, size - offset)
        if chunk_size:
            size = min(size, chunk_size)
        image_file.seek(offset)
        chunks = _read_slice(image_file, size, self.READ_CHUNKSIZE)
        return utils.ClosingIterator(chunks, image_file.close), size

    def get_size(self, location, context=None):
        image_file, size = self._open(location)
        image_file.close()
        return size

    @capabilities.check
    def delete(self, location, context=None):
        path = self.get_local_path(location)
        try:
            self._timed(os.unlink, path)
        except FileNotFoundError:
            raise exceptions.NotFound(image=location.store_location.path)
        except PermissionError:
            raise exceptions.Forbidden()

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
        image_id = str(image_id)
        if os.path.basename(image_id) != image_id or image_id in ('.', '..'):
            raise exceptions.BadStoreUri(reason='image id is not a file name')
        datadir = self._choose_datadir(image_size or 0)
        path = os.path.join(datadir, image_id)
        if os.path.lexists(path):
            raise exceptions.Duplicate(image=image_id)
        reader = utils.HashingReader(
            image_file, hashing_algo, verifier, expected_size=image_size
        )
        self._write_atomically(path, reader)
        return (
            'file://' + path,
            reader.bytes_read,
            reader.md5_hexdigest,
            reader.multihash_hexdigest,
            self._metadata_for(datadir),
        )

    def discard_partial(self, image_id):
        pattern = '.%s.*%s' % (glob.escape(image_id), _TEMP_SUFFIX)
        for directory in self._real_datadirs:
            for path in glob.glob(
                os.path.join(glob.escape(directory), pattern)
            ):
                _remove_quietly(path)

    def final_urls(self, image_id):
        """The URLs a finished add of ``image_id`` may have returned (one
        per data directory); whether data is there is not checked."""
        image_id = str(image_id)
        if os.path.basename(image_id) != image_id or image_id in ('.', '..'):
            return []
        return [
            'file://' + os.path.join(path, image_id)
            for path, _ in self._datadirs
        ]

    def _write_atomically(self, path, reader):
        """Write to a temporary file beside ``path``, then rename it, so
        ``path`` never holds partial data; on any failure the temporary
        file is removed."""
        directory, name = os.path.split(path)
        try:
            fd, temp_path = tempfile.mkstemp(
                prefix='.%s.' % name, suffix=_TEMP_SUFFIX, dir=directory
            )
        except OSError as e:
            raise _translate_os_error(e) or e
        try:
            try:
                self._write_chunks(fd, reader)
                # mkstemp creates 0600: give the mode open() would.
                os.fchmod(fd, self._create_mode)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.rename(temp_path, path)
        except BaseException as e:
            _remove_quietly(temp_path)
            if isinstance(e, OSError) and _translate_os_error(e):
                raise _translate_os_error(e) from e
            raise
        _fsync_dir(directory)

    def _write_chunks(self, fd, reader):
        """Write while the next chunk is read and hashed: os.write releases
        the GIL, so writing overlaps hashing on another core."""
        thin = self.option('filesystem_thin_provisioning')
        with (
            concurrent.futures.ThreadPoolExecutor(max_workers=1) as writer,
            contextlib.closing(reader.chunks(self.WRITE_CHUNKSIZE)) as chunks,
        ):
            sink = _FileSink(fd, thin)
            pending = None
            for chunk in chunks:
                if pending is not None:
                    pending.result()
                pending = writer.submit(sink.write, chunk)
            if pending is not None:
                pending.result()
        if thin:
            # A trailing hole needs the size set explicitly.
            os.ftruncate(fd, reader.bytes_read)


def _close_opened(opened):
    opened[0].close()


def _umask_mode():
    """0666 less the process umask: the mode of a file open() creates."""
    # Reading the umask means setting it; set it straight back.
    umask = os.umask(0o077)
    os.umask(umask)
    return 0o666 & ~umask


# Bytes written between two writeback starts (see _FileSink).
WRITEBACK_WINDOW = 16 * 1024 * 1024


class _FileSink:
    """Writes an image's chunks to ``fd`` (holes for zeros when thin).

    Every WRITEBACK_WINDOW bytes it asks the kernel to start writing the
    window back and to drop it from the page cache once clean. Without
    that, the whole image stays dirty until the final fsync, which then
    flushes it all while nothing else runs, and an upload fills the page
    cache with data nobody reads back soon.
    """

    def __init__(self, fd, thin):
        self.fd = fd
        self.thin = thin
        self.written = 0
        self.flushed = 0

    def write(self, chunk):
        if self.thin and chunk.count(0) == len(chunk):
            os.lseek(self.fd, len(chunk), os.SEEK_CUR)
        else:
            _write_all(self.fd, chunk)
        self.written += len(chunk)
        if self.written - self.flushed >= WRITEBACK_WINDOW:
            _start_writeback(self.fd, self.flushed, self.written)
            self.flushed = self.written


def _start_writeback(fd, start, end):
    if hasattr(os, 'posix_fadvise'):  # Linux starts writeback of dirty pages
        os.posix_fadvise(fd, start, end - start, os.POSIX_FADV_DONTNEED)


def _is_within(path, directory, strict=False):
    """Whether ``path`` is ``directory`` or below it (strictly below when
    ``strict``); both are absolute and normalised."""
    if path == directory:
        return not strict
    return os.path.commonpath([path, directory]) == directory


def _remove_quietly(path):
    try:
        os.unlink(path)
    except OSError as e:
        LOG.warning('Could not remove temporary file %s: %s', path, e)


def _fsync_dir(directory):
    # Makes the rename itself durable.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_slice(image_file, size, chunk_size):
    while size > 0:
        chunk = image_file.read(min(chunk_size, size))
        if not chunk:
            return
        size -= len(chunk)
        yield chunk
