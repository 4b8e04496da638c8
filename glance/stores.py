"""The one door between glance and glance_store.

No other glance module imports glance_store. ``configure(conf)`` (called
once by glance-api and glance-manage, after the config files are parsed:
glance_store registers one option group per entry of ``enabled_backends``)
returns a ``Stores`` object, one per mode with the same methods:

- ``add(context, image_id, reader, size, store_id)`` -> ``Stored``
- ``open(context, url, store_id, offset, length)`` -> ``Opened``
- ``delete(context, url, store_id)``, ``size(context, url, store_id)``
- ``store_of(location)``: the store holding a location (its recorded store
  when that is configured, else the one its URL prefix names)
- ``location_metadata(url, metadata)``: the one rule for locations clients
  add
- ``writable(store_id)``, ``known_schemes()``, ``staged_url(image_id)``

Legacy single-store mode (no ``enabled_backends``) and multi-store mode
differ only in ``_Legacy`` / ``_ById`` / ``_Own`` below: which glance_store
API moves the bytes of a store id. Every glance_store error leaves through
``_TRANSLATIONS`` as a glance exception.

glance runs on this project's glance_store and on upstream's (5.7.0): only
upstream's names and signatures are called here, and our extensions
(``url_prefixes``, ``get_local_path``, ``discard_partial``,
``final_urls``, ``detail_properties``) are used where the store has them.
"""

import contextlib
import dataclasses
import importlib.metadata
import os
import types
import urllib.parse

from oslo_config import cfg

from glance import exception
from glance import store_resolution
from glance import uri_filter
from glance_store import backend
from glance_store import exceptions as store_exceptions
from glance_store import location as store_location
from glance_store import multi_backend

STAGING_STORE = 'os_glance_staging_store'
TASKS_STORE = 'os_glance_tasks_store'
RESERVED_STORES = {STAGING_STORE: 'file', TASKS_STORE: 'file'}
READ_ONLY_TYPES = frozenset({'http'})
HASHING_ALGO = 'sha512'
# Schemes clients may never add as locations (upstream's list): a path or
# a config reference could alias another image's data, whose deletion
# would then remove that image's bytes.
RESTRICTED_SCHEMES = frozenset({'file', 'filesystem', 'swift+config'})
# Schemes whose locations the server requests (size, download): they pass
# the web-download filter ([import_filtering_opts]) first.
FETCHED_SCHEMES = frozenset({'http', 'https'})

# What /v2/info/stores/detail shows as ``properties`` per store type:
# response key -> store attribute (upstream's keys and attributes, which
# both store libraries have; sizes in bytes).
_DETAIL_ATTRIBUTES = {
    'file': {
        'data_dir': 'datadir',
        'chunk_size': 'chunk_size',
        'thin_provisioning': 'thin_provisioning',
    },
    'http': {},
    # fsid: the store's detail_properties (ours) or its URL prefix.
    'rbd': {
        'chunk_size': 'chunk_size',
        'pool': 'pool',
        'thin_provisioning': 'thin_provisioning',
    },
    's3': {
        's3_store_large_object_size': 's3_store_large_object_size',
        's3_store_large_object_chunk_size': (
            's3_store_large_object_chunk_size'
        ),
        's3_store_thread_pools': 's3_store_thread_pools',
    },
    'swift': {
        'container': 'container',
        'large_object_size': 'large_object_size',
        'large_object_chunk_size': 'large_object_chunk_size',
    },
}


def _unavailable(store_id, error):
    # An OSError's text names server paths; its strerror is enough.
    reason = error.strerror if isinstance(error, OSError) else str(error)
    return exception.StoreUnavailable(reason=reason or type(error).__name__)


# glance_store's errors as glance's, most specific first: the HTTP status
# follows from the glance exception (glance.api.errors). Callers catch the
# glance exception where an operation gives it another meaning (a missing
# copy during a download is one of several locations to try).
_TRANSLATIONS = (
    (
        store_exceptions.NotFound,
        lambda store_id, e: exception.ImageDataNotFound(store_id=store_id),
    ),
    (
        store_exceptions.StorageFull,
        lambda store_id, e: exception.StoreFull(store_id=store_id),
    ),
    (
        store_exceptions.Duplicate,
        lambda store_id, e: exception.Conflict(str(e)),
    ),
    (
        (store_exceptions.HasSnapshot, store_exceptions.InUseByStore),
        lambda store_id, e: exception.StoreDataInUse(store_id=store_id),
    ),
    (
        store_exceptions.UnknownScheme,
        lambda store_id, e: exception.UnknownStore(store_id=store_id),
    ),
    (
        store_exceptions.BadStoreUri,
        lambda store_id, e: exception.InvalidLocation(
            'Invalid location for store %s.' % store_id
        ),
    ),
    (
        store_exceptions.Invalid,
        lambda store_id, e: exception.Invalid(str(e)),
    ),
    # Everything else a store or its backend raises means the store cannot
    # serve now: 503, and other stores are unaffected. Client-side read
    # errors arrive as glance exceptions, so an OSError here is the store's.
    (
        (
            store_exceptions.GlanceStoreException,
            store_exceptions.BackendException,
            OSError,
        ),
        _unavailable,
    ),
)


@contextlib.contextmanager
def _translated(store_id):
    try:
        yield
    except exception.GlanceException:
        raise
    except Exception as error:
        for classes, translate in _TRANSLATIONS:
            if isinstance(error, classes):
                raise translate(store_id, error) from None
        raise


@dataclasses.dataclass(frozen=True)
class StoreInfo:
    """One operator-configured store, as discovery shows it."""

    id: str
    type: str
    description: str | None
    weight: int
    read_only: bool
    properties: types.MappingProxyType


@dataclasses.dataclass(frozen=True)
class Stored:
    """What a store returned for newly written data."""

    url: str
    size: int
    checksum: str
    multihash: str
    metadata: dict
    # Set by the writer from its format inspection, not by the store.
    virtual_size: int | None = None


@dataclasses.dataclass
class Opened:
    """Open image data: ``chunks`` iterates ``length`` bytes from
    ``offset``; ``file`` is also set when the whole data is a local file
    the WSGI server may send with sendfile. ``size`` is the data's size."""

    chunks: object
    size: int
    file: object = None


class _ById:
    """glance_store's multi-store API: stores named by id (every store in
    multi-store mode, the reserved staging stores in both modes)."""

    def __init__(self, conf, hashing_algo):
        self.conf = conf
        self.hashing_algo = hashing_algo

    def add(self, context, image_id, reader, size, store_id):
        return multi_backend.add_with_multihash(
            self.conf,
            image_id,
            reader,
            size or 0,
            store_id,
            self.hashing_algo,
            context=context,
        )

    def get(self, context, url, store_id, offset, length):
        return multi_backend.get(
            url, store_id, offset=offset, chunk_size=length, context=context
        )

    def delete(self, context, url, store_id):
        multi_backend.delete(url, store_id, context=context)

    def size(self, context, url, store_id):
        return multi_backend.get_size_from_uri_and_backend(
            url, store_id, context=context
        )

    def local_path(self, url, store_id):
        store = multi_backend.get_store_from_store_identifier(store_id)
        # Our drivers declare get_local_path (None: not a local file);
        # upstream's file driver has no such method.
        get_local_path = getattr(store, 'get_local_path', None)
        if get_local_path is None:
            return None
        loc = store_location.get_location_from_uri_and_backend(
            url, store_id, conf=store.conf
        )
        return get_local_path(loc)


class _Legacy:
    """glance_store's single-store API: the store of a URL's scheme, and
    ``default_store`` for new data."""

    def __init__(self, conf, hashing_algo):
        self.conf = conf
        self.hashing_algo = hashing_algo

    def add(self, context, image_id, reader, size, store_id):
        return backend.add_to_backend_with_multihash(
            self.conf,
            image_id,
            reader,
            size or 0,
            self.hashing_algo,
            context=context,
        )

    def get(self, context, url, store_id, offset, length):
        return backend.get_from_backend(
            url, offset=offset, chunk_size=length, context=context
        )

    def delete(self, context, url, store_id):
        backend.delete_from_backend(url, context=context)

    def size(self, context, url, store_id):
        return backend.get_size_from_backend(url, context=context)

    def local_path(self, url, store_id):
        return None


class _Own:
    """Stores glance built itself, outside glance_store's maps: the
    reserved stores in legacy mode, as upstream glance builds its staging
    store there (upstream's glance_store has no reserved stores without
    ``enabled_backends``)."""

    def __init__(self, own, hashing_algo):
        self.own = own
        self.hashing_algo = hashing_algo

    def _location(self, url, store_id):
        store = self.own[store_id]
        scheme = urllib.parse.urlsplit(url).scheme
        return store, store_location.Location(
            scheme, store.get_store_location_class(), store.conf, uri=url
        )

    def add(self, context, image_id, reader, size, store_id):
        return backend.store_add_to_backend_with_multihash(
            image_id,
            reader,
            size or 0,
            self.hashing_algo,
            self.own[store_id],
            context=context,
        )

    def get(self, context, url, store_id, offset, length):
        store, loc = self._location(url, store_id)
        return store.get(
            loc, offset=offset, chunk_size=length, context=context
        )

    def delete(self, context, url, store_id):
        store, loc = self._location(url, store_id)
        store.delete(loc, context=context)

    def size(self, context, url, store_id):
        store, loc = self._location(url, store_id)
        return store.get_size(loc, context=context)

    def local_path(self, url, store_id):
        store, loc = self._location(url, store_id)
        get_local_path = getattr(store, 'get_local_path', None)
        return None if get_local_path is None else get_local_path(loc)


@dataclasses.dataclass(frozen=True)
class Stores:
    """The stores of this process; immutable for its life.

    ``stores`` lists the operator's stores in ``enabled_backends`` order
    (reserved ``os_glance_*`` stores are never listed); it is empty in
    legacy single-store mode, where ``default`` is the default store type
    rather than a store id and ``index`` is None, and ``own`` holds the
    reserved stores (store id -> store object).
    """

    conf: cfg.ConfigOpts
    multi: bool
    default: str | None
    stores: tuple = ()
    index: store_resolution.StoreIndex | None = None
    own: types.MappingProxyType | None = None

    @property
    def ids(self):
        return tuple(store.id for store in self.stores)

    def get(self, store_id):
        for store in self.stores:
            if store.id == store_id:
                return store
        return None

    @property
    def hashing_algo(self):
        """The multihash algorithm new data is hashed with."""
        return getattr(self.conf, 'hashing_algorithm', HASHING_ALGO)

    def _api(self, store_id):
        if store_id in RESERVED_STORES:
            if self.own is not None:
                return _Own(self.own, self.hashing_algo)
            return _ById(self.conf, self.hashing_algo)
        if not self.multi:
            return _Legacy(self.conf, self.hashing_algo)
        if store_id is None:
            # Never probe the stores one by one for a location.
            raise exception.StoreUnavailable(
                reason='no configured store holds the location'
            )
        return _ById(self.conf, self.hashing_algo)

    # --- which store ---------------------------------------------------

    def store_of(self, location):
        """Id of the store holding ``location``: its recorded store when
        that is configured, else the store its URL prefix names; None when
        no store does (and always in legacy mode, where the URL's scheme
        alone picks the store)."""
        if self.index is None:
            return None
        recorded = store_resolution.recorded_store(location, self.ids)
        return recorded or self.index.resolve(location.url)

    def writable(self, store_id):
        """The store new data goes to for a requested ``store_id`` (None:
        the default); None in legacy mode, which has one store."""
        if not self.multi:
            return None
        store_id = store_id or self.default
        info = self.get(store_id)
        if info is None:
            raise exception.UnknownStore(store_id=store_id)
        if info.read_only:
            raise exception.Invalid('Store %s is read-only.' % store_id)
        return store_id

    def known_schemes(self):
        if self.multi:
            return frozenset(store_location.SCHEME_TO_CLS_BACKEND_MAP)
        return frozenset(store_location.SCHEME_TO_CLS_MAP)

    def location_metadata(self, url, metadata):
        """The metadata to record for a location a client adds: the URL's
        scheme must be a configured store's and not a restricted one; an
        http(s) URL must pass the import filter before anything requests
        it; in multi-store mode the store must be configured and own the
        URL (recorded from the URL's prefix when the client names none)."""
        redacted = store_resolution.redact(url)
        scheme = urllib.parse.urlsplit(url).scheme
        if (
            scheme not in self.known_schemes()
            or scheme in RESTRICTED_SCHEMES
            or (
                scheme in FETCHED_SCHEMES
                and not uri_filter.validate_import_uri(self.conf, url)
            )
        ):
            raise exception.InvalidLocation(url=redacted)
        if not self.multi:
            return dict(metadata)
        given = metadata.get('store')
        if given is not None and self.get(given) is None:
            raise exception.UnknownStore(store_id=given)
        owner = self.index.resolve(url)
        if owner is None or given not in (None, owner):
            raise exception.Invalid(
                'The location %s does not belong to %s.'
                % (redacted, 'store %s' % given if given else 'any store')
            )
        return dict(metadata, store=owner)

    def staged_url(self, image_id):
        """Where the staging (file) store keeps an image's data."""
        store = self._store(STAGING_STORE)
        # Without a store id (legacy mode) a file store has no URL prefix.
        prefix = store.url_prefix or 'file://' + store.datadir
        return '%s/%s' % (prefix, image_id)

    def _store(self, store_id):
        """The store object of ``store_id``."""
        if self.own is not None and store_id in self.own:
            return self.own[store_id]
        return multi_backend.get_store_from_store_identifier(store_id)

    def staged_path(self, image_id):
        """The local file of an image's staged data."""
        url = self.staged_url(image_id)
        path = self._api(STAGING_STORE).local_path(url, STAGING_STORE)
        if path is None:
            raise exception.GlanceException('The staging area is not local.')
        return path

    # --- bytes ---------------------------------------------------------

    def add(self, context, image_id, reader, size, store_id):
        """Write ``reader``'s data (``size`` bytes, None if unknown) to
        ``store_id`` (ignored in legacy mode unless it is reserved)."""
        target = store_id or self.default
        api = self._api(target)
        with _translated(target):
            return Stored(*api.add(context, image_id, reader, size, target))

    def open(self, context, url, store_id, offset=0, length=None):
        """The data at ``url`` in ``store_id``, from ``offset``
        (``length`` bytes, None for all)."""
        api = self._api(store_id)
        with _translated(store_id):
            path = api.local_path(url, store_id)
            if path is not None:
                return _open_local_file(path, store_id, offset, length)
            chunks, size = api.get(context, url, store_id, offset, length)
        return Opened(chunks=chunks, size=size)

    def delete(self, context, url, store_id):
        """Remove data; data already gone is what the caller wanted. A
        store refusing (file store: directory not writable) raises
        StoreForbidden (403, as upstream answers a delete then)."""
        api = self._api(store_id)
        with _translated(store_id):
            try:
                api.delete(context, url, store_id)
            except store_exceptions.NotFound:
                pass
            except store_exceptions.Forbidden:
                raise exception.StoreForbidden(
                    store_id=store_id or self.default
                ) from None

    def discard_partial(self, store_id, image_id):
        """Remove what an interrupted write of ``image_id`` to ``store_id``
        (in legacy mode: the store type written to) left; only when none
        can be running: the caller holds the image's import lock or the
        write's lease. Stores without the extension leave nothing partial
        or cannot tell. UnknownStore when no such store is configured."""
        with _translated(store_id):
            store = self._store_for_write(store_id)
            discard = getattr(store, 'discard_partial', None)
            if discard is not None:
                discard(image_id)

    def final_urls(self, store_id, image_id):
        """The URLs a finished write of ``image_id`` to ``store_id`` (in
        legacy mode: the store type) may have produced; none when the
        store cannot tell (upstream's drivers). UnknownStore when no such
        store is configured."""
        with _translated(store_id):
            store = self._store_for_write(store_id)
            final_urls = getattr(store, 'final_urls', None)
            return list(final_urls(image_id)) if final_urls else []

    def _store_for_write(self, store_id):
        if store_id in RESERVED_STORES or self.multi:
            return self._store(store_id)
        return backend.get_store_from_scheme(store_id)

    def size(self, context, url, store_id):
        api = self._api(store_id)
        with _translated(store_id):
            return api.size(context, url, store_id)


def _open_local_file(path, store_id, offset, length):
    try:
        fileobj = open(path, 'rb')
    except FileNotFoundError:
        raise exception.ImageDataNotFound(store_id=store_id) from None
    size = os.fstat(fileobj.fileno()).st_size
    length = size - offset if length is None else length
    fileobj.seek(offset)
    return Opened(
        chunks=_file_chunks(fileobj, length),
        size=size,
        file=fileobj if (offset, length) == (0, size) else None,
    )


# Large reads keep per-chunk overhead (syscalls, hashing calls) small.
CHUNK_SIZE = 1024 * 1024


def _file_chunks(fileobj, length):
    # The same bounded read as the file driver's: glance must also run on
    # upstream glance_store, so it cannot borrow a helper only ours has.
    with fileobj:
        while length > 0:
            data = fileobj.read(min(CHUNK_SIZE, length))
            if not data:
                return
            length -= len(data)
            yield data


# --- start-up -----------------------------------------------------------

DRIVERS_NAMESPACE = 'glance_store.drivers'


def driver_options(store_type):
    """The options of the installed driver of ``store_type``; none when no
    driver of that name is installed or it cannot be imported."""
    installed = importlib.metadata.entry_points(group=DRIVERS_NAMESPACE)
    if store_type not in {entry.name for entry in installed}:
        return []
    # A class (invoke_load=False) or None when it does not load.
    store_class = backend._load_store(None, store_type, invoke_load=False)
    return list(getattr(store_class, 'OPTIONS', None) or [])


def configure(conf):
    """Register store options, create the stores and describe them."""
    if conf.enabled_backends:
        return _configure_multi(conf)
    return _configure_legacy(conf)


# Registered by upstream's multi-store API only, which cannot run without
# enabled_backends; an upstream glance-api.conf may set it in either mode.
_DEFAULT_BACKEND = cfg.StrOpt(
    'default_backend',
    help='Store id (a key of enabled_backends) new images go to when the '
    'request names none (multi-store mode only).',
)


def _configure_legacy(conf):
    backend.register_opts(conf)
    try:
        conf.register_opt(_DEFAULT_BACKEND, group='glance_store')
    except cfg.DuplicateOptError:
        pass  # the store library registered its own
    backend.create_stores(conf)
    scheme = conf.glance_store.default_store
    try:
        backend.get_store_from_scheme(scheme)
    except store_exceptions.UnknownScheme:
        raise RuntimeError('No store serves default_store "%s".' % scheme)
    return Stores(
        conf,
        multi=False,
        default=scheme,
        own=types.MappingProxyType(_own_reserved_stores(conf)),
    )


# In legacy mode an operator may still name a reserved store's directory
# in its own section, as in multi-store mode.
_RESERVED_DATADIR = 'filesystem_store_datadir'


def _own_reserved_stores(conf):
    """The reserved (file) stores of legacy mode, each a single-store file
    store on a configuration of its own, as upstream glance builds its
    staging store: image import stages data there in both modes."""
    own = {}
    for store_id in RESERVED_STORES:
        conf.register_opt(cfg.StrOpt(_RESERVED_DATADIR), group=store_id)
        datadir = conf[store_id][_RESERVED_DATADIR] or os.path.join(
            _staging_area(conf), store_id
        )
        private = cfg.ConfigOpts()
        backend.register_opts(private)
        private.set_override(
            'filesystem_store_datadir', datadir, group='glance_store'
        )
        store = backend._load_store(private, 'file')
        if store is None:
            raise RuntimeError('The file store driver cannot be loaded.')
        store.configure()
        own[store_id] = store
    return own


def _configure_multi(conf):
    # Copy first: glance_store merges the reserved stores into the option's
    # cached dict.
    enabled = dict(conf.enabled_backends)
    _refuse_reserved_ids(enabled)
    multi_backend.register_store_opts(conf, reserved_stores=RESERVED_STORES)
    _default_reserved_datadirs(conf)
    multi_backend.create_multi_stores(conf, reserved_stores=RESERVED_STORES)
    default = conf.glance_store.default_backend
    if not default:
        raise RuntimeError('[glance_store] default_backend is not set.')
    try:
        multi_backend.get_store_from_store_identifier(default)
    except store_exceptions.UnknownScheme:
        raise RuntimeError(
            'default_backend "%s" is not an enabled store.' % default
        )
    return Stores(
        conf,
        multi=True,
        default=default,
        stores=tuple(
            _store_info(conf, store_id, store_type)
            for store_id, store_type in enabled.items()
        ),
        index=store_resolution.StoreIndex.from_location_map(
            store_location.SCHEME_TO_CLS_BACKEND_MAP
        ),
    )


def _refuse_reserved_ids(enabled):
    prefix = store_resolution.RESERVED_STORE_PREFIX
    reserved = sorted(i for i in enabled if i.startswith(prefix))
    if reserved:
        raise RuntimeError(
            'Store ids starting with "%s" are reserved for glance: %s'
            % (prefix, ', '.join(reserved))
        )


def _staging_area(conf):
    """Local directory of the staging area (``node_staging_uri``)."""
    return urllib.parse.urlsplit(conf.node_staging_uri).path


def _default_reserved_datadirs(conf):
    # Keep the reserved stores inside the operator's staging area unless
    # their own sections say otherwise.
    for store_id in RESERVED_STORES:
        conf.set_default(
            'filesystem_store_datadir',
            os.path.join(_staging_area(conf), store_id),
            group=store_id,
        )


def _store_info(conf, store_id, store_type):
    return StoreInfo(
        id=store_id,
        type=store_type,
        description=conf[store_id].store_description,
        weight=conf[store_id].weight,
        read_only=store_type in READ_ONLY_TYPES,
        properties=types.MappingProxyType(
            _detail_properties(conf, store_id, store_type)
        ),
    )


def _detail_properties(conf, store_id, store_type):
    store = multi_backend.get_store_from_store_identifier(store_id)
    properties = {
        key: getattr(store, name, None)
        for key, name in _DETAIL_ATTRIBUTES.get(store_type, {}).items()
    }
    if store_type == 'rbd':
        properties['fsid'] = _rbd_fsid(store)
    # Facts only our library's drivers offer (feature-detected).
    properties.update(getattr(store, 'detail_properties', {}))
    return properties


def _rbd_fsid(store):
    """The cluster id in an rbd store's ``rbd://<fsid>/<pool>/`` prefix."""
    prefix = store.url_prefix or ''
    pieces = prefix[len('rbd://') :].rstrip('/').split('/')
    if prefix.startswith('rbd://') and len(pieces) == 2 and pieces[0]:
        return urllib.parse.unquote(pieces[0])
    return None
