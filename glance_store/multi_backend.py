"""Upstream's multi-store API: ``enabled_backends`` with one config group
per store id and ``[glance_store] default_backend``.

Stores are created once at start-up and reused for every request.
"""

import logging
import urllib.parse

from oslo_config import cfg

from glance_store import backend as backend_api
from glance_store import exceptions
from glance_store import location
from glance_store import registry

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

RESERVED_PREFIX = 'os_glance_'

_STORE_OPTS = [
    cfg.StrOpt(
        'default_backend',
        help='Store id (a key of enabled_backends) new images go to when '
        'the request names none.',
    ),
]

# Shared with the single-store API (upstream exports both names).
check_location_metadata = backend_api.check_location_metadata
_check_metadata = backend_api._check_metadata
store_add_to_backend = backend_api.store_add_to_backend
store_add_to_backend_with_multihash = (
    backend_api.store_add_to_backend_with_multihash
)


def _operator_backends(conf):
    """``enabled_backends`` as configured, checked for reserved ids."""
    try:
        backends = dict(conf.enabled_backends or {})
    except ValueError as e:
        # oslo.config refuses a store id given twice, among other errors.
        raise exceptions.BadStoreConfiguration(
            store_name='enabled_backends', reason=e
        )
    for store_id in backends:
        if store_id.startswith(RESERVED_PREFIX):
            raise exceptions.BadStoreConfiguration(
                store_name=store_id,
                reason='store ids starting with "%s" are reserved for '
                'glance itself' % RESERVED_PREFIX,
            )
    return backends


def _all_backends(conf):
    """Store id -> type: the operator's stores, then the reserved ones."""
    backends = _operator_backends(conf)
    backends.update(registry.reserved_stores())
    return backends


def register_store_opts(conf, reserved_stores=None):
    """Register ``default_backend`` and the options of every store."""
    conf.register_opts(_STORE_OPTS, group='glance_store')
    registry.set_reserved_stores(reserved_stores)
    for store_id, store_type in _all_backends(conf).items():
        try:
            store_class = registry.driver_class(store_type, store_id)
        except exceptions.DriverLoadFailure as e:
            # create_multi_stores leaves the store out, saying why.
            LOG.debug('No options for store %s: %s', store_id, e)
            continue
        store_class.register_opts(conf, store_id)
        if store_id in registry.reserved_stores() and store_type == 'file':
            conf.set_default(
                'filesystem_store_datadir',
                '/var/lib/glance/%s' % store_id,
                group=store_id,
            )


def _load_multi_store(conf, store_entry, invoke_load=True, backend=None):
    """Like ``backend._load_store``, for store id ``backend``."""
    return registry.load_driver(conf, store_entry, invoke_load, backend)


def create_multi_stores(conf=CONF, reserved_stores=None):
    """Create and register every enabled store; count the schemes."""
    if reserved_stores is not None:
        registry.set_reserved_stores(reserved_stores)
    registered = 0
    for store_id, store_type in _all_backends(conf).items():
        try:
            store = registry.create_store(conf, store_type, backend=store_id)
        except exceptions.DriverLoadFailure as e:
            # As upstream: the other stores (and glance-api) carry on; a
            # default_backend left out fails verify_store.
            LOG.error('Store %s is disabled: %s', store_id, e)
            continue
        registered += registry.register_store(store, store_type)
    return registered


def verify_store(conf=CONF):
    store_id = conf.glance_store.default_backend
    if not store_id:
        raise RuntimeError('[glance_store] default_backend is not set.')
    try:
        get_store_from_store_identifier(store_id)
    except exceptions.UnknownScheme:
        raise RuntimeError(
            'default_backend "%s" is not an enabled store.' % store_id
        )


def get_store_from_store_identifier(store_identifier):
    store = registry.backend_stores().get(store_identifier)
    if store is None:
        raise exceptions.UnknownScheme(scheme=store_identifier)
    return store


def get_store_weight(store_identifier):
    return get_store_from_store_identifier(store_identifier).weight


def get_known_schemes_for_multi_store():
    return tuple(registry.backend_map())


def _location(uri, store_id):
    store = get_store_from_store_identifier(store_id)
    loc = location.get_location_from_uri_and_backend(
        uri, store_id, conf=store.conf
    )
    return store, loc


def _candidate_stores(uri):
    """Store ids serving the scheme of ``uri`` (for locations without a
    recorded store), longest matching prefix first."""
    scheme = urllib.parse.urlsplit(uri).scheme
    stores = registry.backend_stores_for_scheme(scheme)

    def longest_prefix(store_id):
        prefixes = stores[store_id].url_prefixes
        return max((len(p) for p in prefixes if uri.startswith(p)), default=0)

    return sorted(stores, key=longest_prefix, reverse=True)


def _on_some_store(uri, store_id, operation):
    """Run ``operation(store, location)`` on ``store_id``, or when that is
    empty on each store serving the URL's scheme until one has the data."""
    if store_id:
        return operation(*_location(uri, store_id))
    LOG.warning('Location has no store recorded; trying each candidate.')
    for candidate in _candidate_stores(uri):
        try:
            return operation(*_location(uri, candidate))
        except (exceptions.NotFound, exceptions.BadStoreUri):
            continue
    raise exceptions.NotFound(message='No store holds this location.')


def get(uri, backend, offset=0, chunk_size=None, context=None):
    """Return ``(iterator of bytes, size)`` for the data at ``uri``."""
    return _on_some_store(
        uri,
        backend,
        lambda store, loc: store.get(
            loc, offset=offset, chunk_size=chunk_size, context=context
        ),
    )


def get_size_from_uri_and_backend(uri, backend, context=None):
    store, loc = _location(uri, backend)
    return store.get_size(loc, context=context)


def delete(uri, backend, context=None):
    return _on_some_store(
        uri,
        backend,
        lambda store, loc: store.delete(loc, context=context),
    )


def set_acls_for_multi_store(
    location_uri,
    backend,
    public=False,
    read_tenants=None,
    write_tenants=None,
    context=None,
):
    store, loc = _location(location_uri, backend)
    backend_api.apply_acls(
        store, loc, public, read_tenants, write_tenants, context
    )


def _store_for_add(conf, store_id):
    return get_store_from_store_identifier(
        store_id or conf.glance_store.default_backend
    )


def add_with_multihash(
    conf,
    image_id,
    data,
    size,
    backend,
    hashing_algo,
    scheme=None,
    context=None,
    verifier=None,
):
    """Add to store ``backend`` (default_backend when empty): 5-tuple."""
    return store_add_to_backend_with_multihash(
        image_id,
        data,
        size,
        hashing_algo,
        _store_for_add(conf, backend),
        context,
        verifier,
    )


def add(conf, image_id, data, size, backend, context=None, verifier=None):
    """Add to store ``backend`` (default_backend when empty): 4-tuple."""
    return store_add_to_backend(
        image_id, data, size, _store_for_add(conf, backend), context, verifier
    )
