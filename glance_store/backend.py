"""Upstream's single-store API: ``[glance_store] stores`` and
``default_store``, one store per URL scheme.

The add helpers and ``check_location_metadata`` are shared with
``multi_backend``.
"""

import hashlib
import logging
import urllib.parse

from oslo_config import cfg

from glance_store import exceptions
from glance_store import location
from glance_store import registry

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

_STORE_OPTS = [
    cfg.ListOpt(
        'stores',
        default=['file', 'http'],
        deprecated_for_removal=True,
        deprecated_reason='Use enabled_backends (multi-store mode).',
        help='Store types to enable in single-store mode.',
    ),
    cfg.StrOpt(
        'default_store',
        default='file',
        deprecated_for_removal=True,
        deprecated_reason='Use [glance_store] default_backend.',
        help='Scheme of the store new images go to in single-store mode.',
    ),
]


def register_opts(conf):
    """Register the single-store options and those of every driver."""
    conf.register_opts(_STORE_OPTS, group='glance_store')
    for store_class in set(registry.loadable_driver_classes().values()):
        store_class.register_opts(conf)


def _load_store(conf, store_entry, invoke_load=True):
    """The driver of type ``store_entry``: an unconfigured store built on
    ``conf`` (single-store mode), or with ``invoke_load=False`` its class;
    None when no installed driver loads (logged). Private upstream, yet
    upstream glance builds its staging store with it."""
    return registry.load_driver(conf, store_entry, invoke_load)


def create_stores(conf=CONF):
    """Load and configure ``[glance_store] stores``; count the schemes.

    A store whose driver cannot be imported is logged and left out (as
    upstream); an unknown store type is a configuration error.
    """
    registered = 0
    for store_type in dict.fromkeys(conf.glance_store.stores):
        try:
            store = registry.create_store(conf, store_type)
        except exceptions.DriverLoadFailure as e:
            LOG.error('Store %s is disabled: %s', store_type, e)
            continue
        registered += registry.register_store(store, store_type)
    return registered


def verify_default_store(conf=CONF):
    scheme = conf.glance_store.default_store
    try:
        get_store_from_scheme(scheme)
    except exceptions.UnknownScheme:
        raise RuntimeError('No store serves default_store "%s".' % scheme)


def get_known_schemes():
    return tuple(registry.scheme_map())


def get_store_from_scheme(scheme):
    entry = registry.scheme_map().get(scheme)
    if entry is None:
        raise exceptions.UnknownScheme(scheme=scheme)
    return entry['store']


def get_store_from_uri(uri):
    return get_store_from_scheme(urllib.parse.urlsplit(uri).scheme)


def get_store_from_location(uri):
    """The scheme (store name) of location ``uri``."""
    return location.get_location_from_uri(uri).store_name


def _store_and_location(uri):
    store = get_store_from_uri(uri)
    return store, location.get_location_from_uri(uri, conf=store.conf)


def get_from_backend(uri, offset=0, chunk_size=None, context=None):
    """Return ``(iterator of bytes, size)`` for the data at ``uri``."""
    store, loc = _store_and_location(uri)
    return store.get(
        loc, offset=offset, chunk_size=chunk_size, context=context
    )


def get_size_from_backend(uri, context=None):
    store, loc = _store_and_location(uri)
    return store.get_size(loc, context=context)


def delete_from_backend(uri, context=None):
    store, loc = _store_and_location(uri)
    return store.delete(loc, context=context)


def set_acls(
    location_uri,
    public=False,
    read_tenants=None,
    write_tenants=None,
    context=None,
):
    store, loc = _store_and_location(location_uri)
    apply_acls(store, loc, public, read_tenants, write_tenants, context)


def apply_acls(store, loc, public, read_tenants, write_tenants, context):
    """``store.set_acls`` where the store has ACLs; a no-op elsewhere."""
    try:
        store.set_acls(
            loc,
            public=public,
            read_tenants=read_tenants or [],
            write_tenants=write_tenants,
            context=context,
        )
    except NotImplementedError:
        LOG.debug('Store %s has no ACLs to set.', store.group_name)


def check_location_metadata(val, key=''):
    """Allow only JSON-like metadata: dicts, lists and strings."""
    if isinstance(val, dict):
        for name, item in val.items():
            check_location_metadata(item, key='%s.%s' % (key, name))
    elif isinstance(val, list):
        for index, item in enumerate(val):
            check_location_metadata(item, key='%s[%d]' % (key, index))
    elif not isinstance(val, str):
        raise exceptions.BackendException(
            'Location metadata %s has unsupported type %s.'
            % (key, type(val).__name__)
        )


def _check_metadata(store, metadata):
    """Refuse location metadata ``store`` returned unless it is a dict of
    JSON-like values."""
    if not isinstance(metadata, dict):
        raise exceptions.BackendException(
            'Store %s returned location metadata that is not a dict.'
            % getattr(store, 'group_name', store)
        )
    check_location_metadata(metadata)


def store_add_to_backend_with_multihash(
    image_id, data, size, hashing_algo, store, context=None, verifier=None
):
    """``store.add`` with checked metadata; the 5-tuple of ``Store.add``."""
    if hashing_algo not in hashlib.algorithms_available:
        raise exceptions.UnknownHashingAlgo(algo=hashing_algo)
    url, written, checksum, multihash, metadata = store.add(
        image_id, data, size, hashing_algo, context=context, verifier=verifier
    )
    _check_metadata(store, metadata)
    return url, written, checksum, multihash, metadata


def store_add_to_backend(
    image_id, data, size, store, context=None, verifier=None
):
    """Like the multihash variant, without the multihash (4-tuple)."""
    url, written, checksum, _multihash, metadata = (
        store_add_to_backend_with_multihash(
            image_id, data, size, 'md5', store, context, verifier
        )
    )
    return url, written, checksum, metadata


def add_to_backend_with_multihash(
    conf,
    image_id,
    data,
    size,
    hashing_algo,
    scheme=None,
    context=None,
    verifier=None,
):
    store = get_store_from_scheme(scheme or conf.glance_store.default_store)
    return store_add_to_backend_with_multihash(
        image_id, data, size, hashing_algo, store, context, verifier
    )


def add_to_backend(
    conf, image_id, data, size, scheme=None, context=None, verifier=None
):
    store = get_store_from_scheme(scheme or conf.glance_store.default_store)
    return store_add_to_backend(image_id, data, size, store, context, verifier)
