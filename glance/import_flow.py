"""Image import (``POST /v2/images/{id}/import``): checks, then the work.

``prepare`` applies upstream's rules to a request and raises before
anything changes; ``start`` takes the image's import lock and runs the
import in a thread of the worker, so the API can answer 202 at once.

Every method ends with the data in the staging store and copies it from
there into each target store: glance-direct finds it staged already,
web-download fetches the URL into it, copy-image copies an existing
location into it. Progress is visible in the image properties
``os_glance_importing_to_stores`` and ``os_glance_failed_import``.
"""

import contextlib
import copy
import dataclasses
import logging
import threading
import urllib.parse
import uuid

import requests

from glance import exception
from glance import image_data
from glance import store_resolution
from glance import uri_filter
from glance.db import images
from glance.db import locations
from glance.db import session
from glance.stores import STAGING_STORE
from glance_store import multi_backend

LOG = logging.getLogger(__name__)

IMPORTING = 'os_glance_importing_to_stores'
FAILED = 'os_glance_failed_import'
LOCK = 'os_glance_import_task'

# Status an image must have for each method to start.
_REQUIRED_STATUS = {
    'glance-direct': 'uploading',
    'web-download': 'queued',
    'copy-image': 'active',
}
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


def prepare(image, body, header_store, conf, stores):
    """Check an import request against the image; an ImportRequest."""
    method = (body.get('method') or {}).get('name')
    if method not in conf.enabled_import_methods:
        raise exception.Invalid('Import method %s is not enabled.' % method)
    if method not in _REQUIRED_STATUS:
        raise exception.Invalid('Unknown import method %s.' % method)
    must_succeed = body.get('all_stores_must_succeed', True)
    if not stores.multi and (method == 'copy-image' or not must_succeed):
        raise exception.Invalid(
            'copy-image and all_stores_must_succeed=false need multi-store '
            'mode.'
        )
    _check_image(image, method)
    return ImportRequest(
        method=method,
        stores=_target_stores(image, body, header_store, method, stores),
        must_succeed=must_succeed,
        uri=_web_uri(body, conf) if method == 'web-download' else None,
    )


def _check_image(image, method):
    if image.properties.get(LOCK):
        raise exception.Conflict(
            'Image %s already has an import in progress.' % image.id
        )
    if image.status != _REQUIRED_STATUS[method]:
        raise exception.Conflict(
            'Image %s is %s; %s needs an image that is %s.'
            % (image.id, image.status, method, _REQUIRED_STATUS[method])
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
    holding = _stores_holding(image, stores)
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


def _stores_holding(image, stores):
    return {
        image_data.location_store(stores, loc)
        for loc in image.active_locations
    }


def _web_uri(body, conf):
    uri = (body.get('method') or {}).get('uri')
    _check_web_uri(conf, uri)
    return uri


def _check_web_uri(conf, uri):
    """Refuse what web-download must not fetch (the message leaves the URI
    out: it may hold credentials)."""
    if not (
        uri
        and uri_filter.validate_import_uri(conf, uri)
        and urllib.parse.urlsplit(uri).scheme in _WEB_SCHEMES
    ):
        raise exception.Invalid(
            'web-download needs an http(s) "uri" that the import filter '
            '([import_filtering_opts]) allows.'
        )


def start(context, image, request, conf, stores):
    """Lock the image for the import, then run it in a thread (returned;
    None when there is nothing to do)."""
    if not request.stores:
        return None
    locked = copy.deepcopy(image)
    locked.properties[LOCK] = str(uuid.uuid4())
    locked.properties[IMPORTING] = ','.join(request.stores)
    locked.properties[FAILED] = ''
    if request.method != 'copy-image':
        locked.status = 'importing'
    images.save(context, locked, image)
    worker = threading.Thread(
        target=run,
        args=(context.elevated(), image.id, request, conf, stores),
        daemon=True,
    )
    worker.start()
    return worker


def run(context, image_id, request, conf, stores):
    """The import itself; failures are recorded on the image, not raised.

    With ``must_succeed`` nothing is recorded until every store has the
    data; otherwise each store's location is recorded as it lands.
    """
    pending = []
    try:
        _fill_staging(context, image_id, request, conf, stores)
        landed = _copy_to_stores(
            context, image_id, request, conf, stores, pending
        )
        if not landed:
            raise exception.GlanceException('no store accepted the image')
        if pending:
            _record(context, image_id, pending)
    except Exception:
        LOG.exception('Import of image %s failed', image_id)
        _quietly(_undo, context, image_id, stores, pending)
    finally:
        _quietly(_delete_staged, context, image_id, stores)
        _quietly(_update, context, image_id, _unlock)


def _quietly(function, *args):
    # The import runs in its own thread: nobody could catch an error.
    try:
        function(*args)
    except Exception:
        LOG.exception('Import clean-up step %s failed', function.__name__)


def _fill_staging(context, image_id, request, conf, stores):
    if request.method == 'web-download':
        with _fetch(conf, request.uri) as response:
            # Store what the URL serves, not its transfer encoding.
            response.raw.decode_content = True
            _stage(context, image_id, response.raw, conf, stores)
    elif request.method == 'copy-image':
        image = images.get(context, image_id)
        opened = image_data.download(context, image, stores)
        with contextlib.closing(_as_file(opened)) as source:
            _stage(context, image_id, source, conf, stores)


@contextlib.contextmanager
def _fetch(conf, uri):
    """The successful response of ``uri``; redirects are followed here so
    that every target passes the import filter, not just the first URI."""
    try:
        for _hop in range(_MAX_REDIRECTS + 1):
            response = requests.get(
                uri,
                stream=True,
                timeout=_FETCH_TIMEOUT,
                allow_redirects=False,
            )
            if not response.is_redirect:
                break
            response.close()
            uri = urllib.parse.urljoin(uri, response.headers['location'])
            _check_web_uri(conf, uri)
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


def _stage(context, image_id, source, conf, stores):
    reader = image_data.LimitedReader(source, conf.image_size_cap)
    image_data.add(
        context, conf, stores, image_id, reader, None, STAGING_STORE
    )


def _copy_to_stores(context, image_id, request, conf, stores, pending):
    """Copy the staged data into each target store; how many got it.

    Data written but not yet recorded is in ``pending`` as (store id,
    Stored) pairs, for the caller to record or undo.
    """
    landed = 0
    for store_id in request.stores:
        try:
            stored = image_data.add(
                context,
                conf,
                stores,
                image_id,
                _open_staged(context, image_id),
                None,
                store_id,
            )
            pending.append((store_id, stored))
            if not request.must_succeed:
                _record(context, image_id, pending)
                pending.clear()
        except Exception:
            LOG.exception('Import of %s into %s failed', image_id, store_id)
            _update(context, image_id, _progress(store_id, failed=True))
            if request.must_succeed:
                raise
            _undo_data(context, stores, pending)
            pending.clear()
            continue
        landed += 1
    return landed


def _staged_url(image_id):
    # Where the staging (file) store puts an image: <url prefix>/<id>.
    store = multi_backend.get_store_from_store_identifier(STAGING_STORE)
    return '%s/%s' % (store.url_prefix, image_id)


def _open_staged(context, image_id):
    chunks, _size = multi_backend.get(
        _staged_url(image_id), STAGING_STORE, context=context
    )
    return _ChunkReader(chunks)


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


def _record(context, image_id, written):
    """Add the new locations (activating the image on its first data) and
    mark the stores done, in one transaction."""
    with session.writer.using(context):
        image = images.get(context, image_id)
        for store_id, stored in written:
            if image.status == 'importing':
                image = image_data.activate(context, image, stored)
            else:
                locations.add(context, image_id, stored.url, stored.metadata)
            image = _update(context, image_id, _progress(store_id))


def _undo(context, image_id, stores, pending):
    """Remove unrecorded data; every store still listed as importing has
    failed, and an image still importing goes back to queued."""
    _undo_data(context, stores, pending)
    _update(context, image_id, _give_up)


def _give_up(image):
    for store_id in _split(image.properties.get(IMPORTING)):
        _progress(store_id, failed=True)(image)
    if image.status == 'importing':
        image.status = 'queued'


def _undo_data(context, stores, pending):
    for store_id, stored in pending:
        image_data.delete_quietly(context, stores, stored.url, store_id)


def _delete_staged(context, image_id, stores):
    image_data.delete_quietly(
        context, stores, _staged_url(image_id), STAGING_STORE
    )


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


def _update(context, image_id, change, attempts=3):
    """Apply ``change`` to a fresh copy of the image and save it, retrying
    when a concurrent request changed the image in between."""
    for attempt in range(attempts):
        image = images.get(context, image_id)
        changed = copy.deepcopy(image)
        change(changed)
        try:
            return images.save(context, changed, image)
        except exception.Conflict:
            if attempt == attempts - 1:
                raise
    return None
