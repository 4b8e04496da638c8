"""Image import (``POST /v2/images/{id}/import``): checks, then the work.

``prepare`` applies upstream's rules to a request and raises before
anything changes; ``start`` records the import as a task (type
``api_image_import``, as upstream), takes the image's import lock and runs
the import in a thread of the worker, so the API can answer 202 at once.

Every method ends with the data in the staging store and copies it from
there into each target store: glance-direct finds it staged already,
web-download fetches the URL into it, copy-image copies an existing
location into it. Progress is visible in the image properties
``os_glance_importing_to_stores`` and ``os_glance_failed_import``, and in
the task.

A running import renews its task's lease every ``HEARTBEAT`` seconds.
``Recovery`` (one per API worker) takes over tasks whose lease ran out,
because the process running them died: glance-direct and copy-image are
resumed once, anything else is failed cleanly (image back to ``queued``,
``os_glance_failed_import`` naming its stores, staged data kept for a
retry). No image stays ``importing`` forever.
"""

import contextlib
import dataclasses
import logging
import threading
import time
import urllib.parse

import requests

from glance import context as glance_context
from glance import domain
from glance import exception
from glance import format_inspection
from glance import image_data
from glance import import_plugins
from glance import leases
from glance import store_resolution
from glance import uri_filter
from glance.stores import STAGING_STORE

LOG = logging.getLogger(__name__)

IMPORTING = 'os_glance_importing_to_stores'
FAILED = 'os_glance_failed_import'
LOCK = 'os_glance_import_task'
TASK_TYPE = 'api_image_import'

# The lease of a running import, and how often abandoned work is looked
# for: glance.leases.
HEARTBEAT = leases.HEARTBEAT
LEASE = leases.LEASE
SWEEP_INTERVAL = leases.SWEEP_INTERVAL
# Resumes of one import after its process died, before it is failed.
MAX_RESUMES = 1
RESUMABLE = ('glance-direct', 'copy-image')

_WEB_SCHEMES = ('http', 'https')
_FETCH_TIMEOUT = 60
# Fewer than requests' 30: each hop is a request the server makes.
_MAX_REDIRECTS = 10


@dataclasses.dataclass(frozen=True)
class ImportRequest:
    method: str
    stores: tuple
    must_succeed: bool = True
    uri: str | None = None

    def task_input(self, image_id, resumes=0):
        """The task's ``input`` (upstream's keys); the URI is recorded
        redacted: a task is shown to users, and a web-download is never
        resumed, so nothing needs its credentials later."""
        method = {'name': self.method}
        if self.uri:
            method['uri'] = store_resolution.redact(self.uri)
        return {
            'image_id': image_id,
            'import_req': {
                'method': method,
                'stores': list(self.stores),
                'all_stores_must_succeed': self.must_succeed,
            },
            'backend': list(self.stores),
            'resumes': resumes,
        }

    @classmethod
    def from_task_input(cls, task_input, stores):
        request = task_input['import_req']
        return cls(
            method=request['method']['name'],
            stores=tuple(stores),
            must_succeed=request['all_stores_must_succeed'],
        )


def prepare(image, body, header_store, conf, stores):
    """Check an import request against the image; an ImportRequest."""
    method = (body.get('method') or {}).get('name')
    if method not in conf.enabled_import_methods:
        raise exception.Invalid('Import method %s is not enabled.' % method)
    if method not in RESUMABLE + ('web-download',):
        raise exception.Invalid('Unknown import method %s.' % method)
    must_succeed = body.get('all_stores_must_succeed', True)
    if not stores.multi and (method == 'copy-image' or not must_succeed):
        raise exception.Invalid(
            'copy-image and all_stores_must_succeed=false need multi-store '
            'mode.'
        )
    if image.properties.get(LOCK):
        raise exception.Conflict(
            'Image %s already has an import in progress.' % image.id
        )
    # The life cycle table says which status each method starts from.
    domain.next_status(image, method)
    return ImportRequest(
        method=method,
        stores=_target_stores(image, body, header_store, method, stores),
        must_succeed=must_succeed,
        uri=_web_uri(body, conf) if method == 'web-download' else None,
    )


def _target_stores(image, body, header_store, method, stores):
    """Store ids to import into, by upstream's rules (400/409).

    Single-store mode has one target, named by the default store's type;
    the request's store choices do not apply there, as upstream.
    """
    if not stores.multi:
        return (stores.default,)
    requested = body.get('stores')
    all_stores = body.get('all_stores', False)
    if all_stores and (requested or header_store):
        raise exception.Invalid(
            'all_stores cannot be combined with stores or X-Image-Meta-Store.'
        )
    if requested and header_store:
        raise exception.Invalid(
            'stores and X-Image-Meta-Store cannot be given together.'
        )
    holding = {stores.store_of(loc) for loc in image.active_locations}
    if all_stores:
        return tuple(
            s.id
            for s in stores.stores
            if not s.read_only and s.id not in holding
        )
    wanted = tuple(requested or [header_store or stores.default])
    for store_id in wanted:
        info = stores.get(store_id)
        if info is None or info.read_only:
            raise exception.Conflict(
                'Store %s is not a writable store of this deployment.'
                % store_id
            )
        if store_id in holding:
            raise exception.Invalid(
                'Image %s is already in store %s.' % (image.id, store_id)
            )
    return wanted


def _web_uri(body, conf):
    uri = (body.get('method') or {}).get('uri')
    _check_web_uri(conf, uri)
    return uri


def _check_web_uri(conf, uri):
    """The address web-download may fetch ``uri`` from; refuse what it
    must not fetch (the message leaves the URI out: it may hold
    credentials)."""
    address = uri and uri_filter.checked_address(conf, uri)
    if not (address and urllib.parse.urlsplit(uri).scheme in _WEB_SCHEMES):
        raise exception.Invalid(
            'web-download needs an http(s) "uri" that the import filter '
            '([import_filtering_opts]) allows.'
        )
    return address


@dataclasses.dataclass(frozen=True)
class Importer:
    """What an import works with: the repositories of an elevated context
    (the caller's rights were checked before ``start``), conf and stores."""

    repo: object
    tasks: object
    conf: object
    stores: object

    @property
    def context(self):
        return self.repo.context


def start(importer, caller, image, request):
    """Record the task, lock the image for the import, then run it in a
    thread (returned; None when there is nothing to do). ``caller`` is the
    request context, whose ids the task records."""
    if not request.stores:
        return None
    injected = _injected(importer, caller, image, request)
    task = importer.tasks.add(
        {
            'type': TASK_TYPE,
            'status': 'pending',
            'owner': image.owner,
            'image_id': image.id,
            'request_id': caller.request_id,
            'user_id': caller.user_id,
            'input': request.task_input(image.id),
        }
    )
    try:
        importer.repo.change_status(
            image,
            request.method,
            properties=dict(
                image.properties,
                **injected,
                **{LOCK: task.id, IMPORTING: ','.join(request.stores)},
                **{FAILED: ''},
            ),
        )
    except Exception as error:
        importer.tasks.update(
            task.id, {'status': 'failure', 'message': _message(error)}
        )
        raise
    return _in_thread(importer, task.id, image.id, request)


def _injected(importer, caller, image, request):
    """The properties the plugins set as the import starts."""
    injected = {}
    if request.method in import_plugins.METHODS:
        for plugin in import_plugins.load(importer.conf):
            if hasattr(plugin, 'properties'):
                injected.update(plugin.properties(caller, image))
    return injected


def _in_thread(importer, task_id, image_id, request):
    worker = threading.Thread(
        target=glance_context.run_as(importer.repo.context, run),
        args=(importer, task_id, image_id, request),
        daemon=True,
    )
    worker.start()
    return worker


def _message(error):
    return getattr(error, 'msg', None) or type(error).__name__


def run(importer, task_id, image_id, request):
    """The import itself; failures are recorded on the image and the task,
    not raised.

    With ``must_succeed`` nothing is recorded until every store has the
    data; otherwise each store's location is recorded as it lands.
    """
    pending = []
    outcome = {'status': 'failure'}
    with _lease(importer, task_id):
        try:
            _fill_staging(importer, image_id, request)
            _run_plugins(importer, image_id, request)
            landed = _copy_to_stores(importer, image_id, request, pending)
            if not landed:
                raise exception.GlanceException('no store accepted the image')
            if pending:
                _record(importer, image_id, pending)
            outcome = {'status': 'success', 'result': {'image_id': image_id}}
            with image_data.quietly('delete the staged data'):
                image_data.delete_staged(
                    importer.context, importer.stores, image_id
                )
        except Exception as error:
            LOG.exception('Import of image %s failed', image_id)
            outcome['message'] = _message(error)
            with image_data.quietly('undo the import of %s' % image_id):
                _undo(importer, image_id, pending)
            if isinstance(error, exception.InvalidImageData):
                # Refused data is not kept for a retry.
                with image_data.quietly('delete the refused staged data'):
                    _drop_staged(importer, image_id)
        finally:
            _finish(importer, task_id, image_id, outcome)


def _finish(importer, task_id, image_id, outcome):
    """End the task and unlock the image in one transaction: an image is
    never left locked by a finished task, nor unlocked by a running one."""
    with image_data.quietly('end task %s' % task_id):
        with importer.repo.transaction():
            importer.tasks.update(task_id, outcome)
            importer.repo.update(image_id, _unlock)


@contextlib.contextmanager
def _lease(importer, task_id):
    """Mark the task processing and renew its lease until the block ends."""
    importer.tasks.update(task_id, {'status': 'processing'})
    with leases.held(task_id):
        yield


def _fill_staging(importer, image_id, request):
    if request.method == 'web-download':
        with _fetch(importer.conf, request.uri) as response:
            # Store what the URL serves, not its transfer encoding.
            response.raw.decode_content = True
            _stage(importer, image_id, response.raw)
    elif request.method == 'copy-image':
        image = importer.repo.get(image_id)
        opened = image_data.download(importer.context, image, importer.stores)
        with contextlib.closing(_as_file(opened)) as source:
            _stage(importer, image_id, source)


def _run_plugins(importer, image_id, request):
    """The plugins' work on the staged data (not for copy-image)."""
    if request.method not in import_plugins.METHODS:
        return
    plugins = import_plugins.load(importer.conf)
    if not any(hasattr(plugin, 'staged') for plugin in plugins):
        return
    path = importer.stores.staged_path(image_id)
    job = import_plugins.Job(importer, image_id, path)
    for plugin in plugins:
        if hasattr(plugin, 'staged'):
            plugin.staged(job)


@contextlib.contextmanager
def _fetch(conf, uri):
    """The successful response of ``uri``; redirects are followed here so
    that every target passes the import filter, not just the first URI."""
    try:
        for _hop in range(_MAX_REDIRECTS + 1):
            response = _get_checked(conf, uri)
            if not response.is_redirect:
                break
            response.close()
            # The next hop is checked before it is requested.
            uri = urllib.parse.urljoin(uri, response.headers['location'])
        else:
            raise exception.Invalid('web-download met too many redirects.')
        with response:
            response.raise_for_status()
            yield response
    except requests.RequestException as error:
        # requests' messages quote the whole URL, credentials included;
        # the import thread logs this, so only a redacted form may pass.
        raise exception.GlanceException(
            'web-download of %s failed: %s'
            % (store_resolution.redact(uri), type(error).__name__)
        ) from None


class _HostnameAdapter(requests.adapters.HTTPAdapter):
    """HTTPS to an address, with SNI and the certificate check for the
    host name of the URI."""

    def __init__(self, hostname):
        self._hostname = hostname
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs.update(
            server_hostname=self._hostname, assert_hostname=self._hostname
        )
        super().init_poolmanager(*args, **kwargs)


def _get_checked(conf, uri):
    """GET ``uri`` from the address the import filter checked, so that a
    second DNS answer cannot send the request elsewhere (no proxy from the
    environment either: it would resolve the host again)."""
    address = _check_web_uri(conf, uri)
    parts = urllib.parse.urlsplit(uri)
    userinfo, _, host_port = parts.netloc.rpartition('@')
    pinned = '[%s]' % address if ':' in address else address
    if parts.port is not None:
        pinned = '%s:%d' % (pinned, parts.port)
    if userinfo:
        pinned = '%s@%s' % (userinfo, pinned)
    session = requests.Session()
    session.trust_env = False
    session.mount('https://', _HostnameAdapter(parts.hostname))
    return session.get(
        parts._replace(netloc=pinned).geturl(),
        headers={'Host': host_port},
        stream=True,
        timeout=_FETCH_TIMEOUT,
        allow_redirects=False,
    )


def _stage(importer, image_id, source):
    stores = importer.stores
    reader = _inspecting(
        importer,
        image_id,
        image_data.LimitedReader(source, importer.conf.image_size_cap),
        import_plugins.staging_rules(importer.conf),
    )
    image_data.delete_staged(importer.context, stores, image_id)
    stores.add(importer.context, image_id, reader, None, STAGING_STORE)
    reader.verdict()


def _inspecting(importer, image_id, source, rules=None):
    """``source`` inspected against the image's disk_format as it is now."""
    return format_inspection.InspectingReader(
        source,
        importer.repo.get(image_id),
        rules or format_inspection.Rules.from_conf(importer.conf),
    )


def _copy_to_stores(importer, image_id, request, pending):
    """Copy the staged data into each target store; how many got it.

    Data written but not yet recorded is in ``pending`` as (store id,
    Stored) pairs, for the caller to record or undo.
    """
    landed = 0
    for store_id in request.stores:
        try:
            reader = _inspecting(
                importer, image_id, _open_staged(importer, image_id)
            )
            stored = importer.stores.add(
                importer.context, image_id, reader, None, store_id
            )
            pending.append((store_id, stored))
            pending[-1] = (store_id, _judged(stored, reader))
            if not request.must_succeed:
                _record(importer, image_id, pending)
                pending.clear()
        except Exception as error:
            LOG.exception('Import of %s into %s failed', image_id, store_id)
            importer.repo.update(image_id, _progress(store_id, failed=True))
            # Refused data is refused by every store.
            refused = isinstance(error, exception.InvalidImageData)
            if request.must_succeed or refused:
                raise
            _undo_data(importer, pending)
            pending.clear()
            continue
        landed += 1
    return landed


def _judged(stored, reader):
    """``stored`` with the virtual size its inspection found (raises when
    the inspection refuses the data)."""
    verdict = reader.verdict()
    return dataclasses.replace(stored, virtual_size=verdict.virtual_size)


def _open_staged(importer, image_id):
    stores = importer.stores
    opened = stores.open(
        importer.context,
        stores.staged_url(image_id),
        STAGING_STORE,
    )
    return _as_file(opened)


def _as_file(opened):
    return opened.file or _ChunkReader(opened.chunks)


class _ChunkReader:
    """File-like ``read(n)`` over an iterator of byte strings."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._buffer = bytearray()

    def read(self, size=image_data.CHUNK_SIZE):
        while len(self._buffer) < size:
            chunk = next(self._chunks, b'')
            if not chunk:
                break
            self._buffer += chunk
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def close(self):
        if hasattr(self._chunks, 'close'):
            self._chunks.close()


def _record(importer, image_id, written):
    """Add the new locations (activating the image on its first data) and
    mark the stores done, in one transaction."""
    repo = importer.repo
    with repo.transaction():
        image = repo.get(image_id)
        for store_id, stored in written:
            if image.status == 'importing':
                repo.record_data(image, stored, importer.stores.hashing_algo)
            else:
                repo.add_location(image, stored.url, stored.metadata)
            image = repo.update(image_id, _progress(store_id))


def _undo(importer, image_id, pending):
    """Remove unrecorded data; every store still listed as importing has
    failed, and an image still importing goes back to queued."""
    _undo_data(importer, pending)
    importer.repo.update(image_id, _give_up)


def _drop_staged(importer, image_id):
    """Delete the image's staged data; an image left ``queued`` with no
    location then has no data anywhere and forgets the size its stage
    recorded, in the same transaction (a staging area refusing the delete
    keeps both)."""
    repo = importer.repo
    with repo.transaction():
        repo.update(image_id, _forget_staged_size)
        image_data.delete_staged(importer.context, importer.stores, image_id)


def _forget_staged_size(image):
    if image.status == 'queued' and not image.active_locations:
        image.size = None


def _give_up(image):
    for store_id in _split(image.properties.get(IMPORTING)):
        _progress(store_id, failed=True)(image)
    image.status = domain.next_status(image, 'import_failed')


def _undo_data(importer, pending):
    for store_id, stored in pending:
        with image_data.quietly('delete the data of a failed import'):
            importer.stores.delete(importer.context, stored.url, store_id)


def _progress(store_id, failed=False):
    def change(image):
        importing = _split(image.properties.get(IMPORTING))
        image.properties[IMPORTING] = ','.join(
            s for s in importing if s != store_id
        )
        if failed:
            failures = _split(image.properties.get(FAILED)) + [store_id]
            image.properties[FAILED] = ','.join(failures)

    return change


def _unlock(image):
    image.properties.pop(LOCK, None)


def _split(value):
    return [item for item in (value or '').split(',') if item]


# --- recovery -----------------------------------------------------------


class Recovery:
    """Takes over the imports, uploads and stages whose process died (one
    per API worker).

    ``sweep`` claims every task whose lease ran out (a compare-and-set, so
    of several workers one wins each task) and resumes or fails it (an
    upload or stage: its partial data removed, the image back to
    ``queued``); ``start`` sweeps at once and then every
    ``SWEEP_INTERVAL`` seconds in a daemon thread.
    """

    def __init__(self, importer):
        self.importer = importer
        self._thread = None

    def start(self):
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, daemon=True)
            self._thread.start()

    def _loop(self):
        while True:
            with image_data.quietly('recover interrupted uploads'):
                self.sweep_writes()
            with image_data.quietly('recover interrupted imports'):
                self.sweep()
            time.sleep(SWEEP_INTERVAL)

    def sweep_writes(self):
        """Undo every upload and stage whose process died; how many."""
        importer = self.importer
        return image_data.recover_writes(importer.repo, importer.stores)

    def sweep(self):
        """Resume or fail every abandoned import; the threads resumed."""
        resumed = []
        for task in self.importer.tasks.claim_stale(TASK_TYPE, LEASE):
            LOG.warning(
                'Import task %s of image %s lost its process; recovering',
                task.id,
                task.image_id,
            )
            worker = self._recover(task)
            if worker is not None:
                resumed.append(worker)
        return resumed

    def _recover(self, task):
        importer = self.importer
        image = importer.repo.get(task.image_id)
        if image.properties.get(LOCK) != task.id:
            importer.tasks.update(
                task.id,
                {'status': 'failure', 'message': 'The import was abandoned.'},
            )
            return None
        left = _split(image.properties.get(IMPORTING))
        # The lock is ours now: no write of this image to its target
        # stores or the staging area can still be running.
        for store_id in left + [STAGING_STORE]:
            with image_data.quietly('discard partial data in %s' % store_id):
                importer.stores.discard_partial(store_id, image.id)
        request = ImportRequest.from_task_input(task.input, left)
        resumes = task.input.get('resumes', 0)
        if request.method in RESUMABLE and resumes < MAX_RESUMES and left:
            importer.tasks.update(
                task.id, {'input': request.task_input(image.id, resumes + 1)}
            )
            return _in_thread(importer, task.id, image.id, request)
        importer.repo.update(image.id, _give_up)
        _finish(
            importer,
            task.id,
            image.id,
            {
                'status': 'failure',
                'message': 'The process running the import died.',
            },
        )
        return None
