"""Start-up glue between glance and glance_store.

glance-api and glance-manage call ``configure(conf)`` once, after the
command line and config files are parsed: glance_store registers one option
group per entry of ``enabled_backends``, so the groups are only known once
that option can be read.
"""

import dataclasses
import os
import types
import urllib.parse

from oslo_config import cfg

from glance import store_resolution
from glance_store import backend
from glance_store import location
from glance_store import multi_backend

RESERVED_PREFIX = 'os_glance_'
STAGING_STORE = 'os_glance_staging_store'
TASKS_STORE = 'os_glance_tasks_store'
RESERVED_STORES = {STAGING_STORE: 'file', TASKS_STORE: 'file'}
READ_ONLY_TYPES = frozenset({'http'})

# What /v2/info/stores/detail shows as ``properties`` per store type:
# response key -> driver option (upstream's keys, e.g. ``data_dir``).
_DETAIL_OPTIONS = {
    'file': {
        'data_dir': 'filesystem_store_datadir',
        'chunk_size': 'filesystem_store_chunk_size',
        'thin_provisioning': 'filesystem_thin_provisioning',
    },
    'http': {},
    's3': {
        's3_store_large_object_size': 's3_store_large_object_size',
        's3_store_large_object_chunk_size': (
            's3_store_large_object_chunk_size'
        ),
        's3_store_thread_pools': 's3_store_thread_pools',
    },
}


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
class Stores:
    """What ``configure`` set up; immutable for the life of the process.

    ``stores`` lists the operator's stores in ``enabled_backends`` order
    (reserved ``os_glance_*`` stores are never listed); it is empty in
    legacy single-store mode, where ``default`` is the default store type
    rather than a store id.
    """

    multi: bool
    default: str | None
    stores: tuple = ()
    index: store_resolution.StoreIndex | None = None

    @property
    def ids(self):
        return tuple(store.id for store in self.stores)

    def get(self, store_id):
        for store in self.stores:
            if store.id == store_id:
                return store
        return None


def configure(conf):
    """Register store options, create the stores and describe them."""
    if conf.enabled_backends:
        return _configure_multi(conf)
    return _configure_legacy(conf)


def _configure_legacy(conf):
    backend.register_opts(conf)
    backend.create_stores(conf)
    backend.verify_default_store(conf)
    # Image import stages data in the reserved stores in both modes.
    _create_stores_by_id(conf)
    return Stores(multi=False, default=conf.glance_store.default_store)


def _configure_multi(conf):
    # Copy first: glance_store merges the reserved stores into the option's
    # cached dict.
    enabled = dict(conf.enabled_backends)
    _refuse_reserved_ids(enabled)
    _create_stores_by_id(conf)
    multi_backend.verify_store(conf)
    return Stores(
        multi=True,
        default=conf.glance_store.default_backend,
        stores=tuple(
            _store_info(conf, store_id, store_type)
            for store_id, store_type in enabled.items()
        ),
        index=store_resolution.StoreIndex.from_location_map(
            location.SCHEME_TO_CLS_BACKEND_MAP
        ),
    )


def _create_stores_by_id(conf):
    """Create the reserved stores and, in multi-store mode, the enabled
    ones (both are registered by id, under multi-store rules)."""
    multi_backend.register_store_opts(conf, reserved_stores=RESERVED_STORES)
    _default_reserved_datadirs(conf)
    multi_backend.create_multi_stores(conf, reserved_stores=RESERVED_STORES)


def _refuse_reserved_ids(enabled):
    reserved = sorted(i for i in enabled if i.startswith(RESERVED_PREFIX))
    if reserved:
        raise RuntimeError(
            'Store ids starting with "%s" are reserved for glance: %s'
            % (RESERVED_PREFIX, ', '.join(reserved))
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
    return {
        key: _option(conf, store_id, name)
        for key, name in _DETAIL_OPTIONS.get(store_type, {}).items()
    }


def _option(conf, group, name):
    """A store option; ``[backend_defaults]`` applies where the group is
    silent."""
    try:
        where = conf.get_location(name, group)
    except cfg.NoSuchOptError:
        return None
    unset = where is None or where.location is cfg.Locations.opt_default
    if unset and 'backend_defaults' in conf:
        return getattr(conf.backend_defaults, name, conf[group][name])
    return conf[group][name]
