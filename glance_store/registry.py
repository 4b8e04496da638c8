"""The one loader of store drivers and the one writer of the scheme maps.

Drivers are found through the ``glance_store.drivers`` entry points. The
maps live in ``glance_store.location`` (upstream's public names); other
modules read them through the views below and never change them.
"""

import importlib.metadata
import logging
import types

from stevedore import driver as stevedore_driver
from stevedore import exception as stevedore_exception

from glance_store import exceptions
from glance_store import location

LOG = logging.getLogger(__name__)

NAMESPACE = 'glance_store.drivers'

# Store id -> store type of the stores glance reserves for itself.
_RESERVED_STORES = {}


def known_store_types():
    """Names of the installed drivers (entry point names)."""
    return sorted(
        {e.name for e in importlib.metadata.entry_points(group=NAMESPACE)}
    )


def _raise_load_failure(manager, entry_point, error):
    raise exceptions.DriverLoadFailure(
        driver_name=entry_point.name, reason=error
    )


def driver_class(store_type, store_id=None):
    """The ``Store`` class of driver ``store_type``.

    Raises ``BadStoreConfiguration`` naming ``store_id`` for an unknown
    type and ``DriverLoadFailure`` when the driver cannot be imported.
    """
    try:
        manager = stevedore_driver.DriverManager(
            NAMESPACE,
            store_type,
            invoke_on_load=False,
            on_load_failure_callback=_raise_load_failure,
        )
    except stevedore_exception.NoMatches:
        raise exceptions.BadStoreConfiguration(
            store_name=store_id or store_type,
            reason='unknown store type "%s" (installed: %s)'
            % (store_type, ', '.join(known_store_types())),
        )
    return manager.driver


def loadable_driver_classes(store_types=None):
    """``{store type: Store class}`` of the drivers that can be imported.

    A driver whose module fails to import (a missing dependency, a broken
    third-party package) is logged and left out, as upstream does, so that
    it stops neither option registration nor the other stores.
    """
    classes = {}
    for store_type in store_types or known_store_types():
        try:
            classes[store_type] = driver_class(store_type)
        except exceptions.DriverLoadFailure as e:
            LOG.warning('Store driver %s is disabled: %s', store_type, e)
    return classes


def load_driver(conf, store_type, invoke_load=True, backend=None):
    """An unconfigured store of ``store_type`` (its class when not
    ``invoke_load``); None, with a warning, when the driver is unknown,
    cannot be imported or cannot be built (upstream's loaders' contract)."""
    try:
        store_class = driver_class(store_type, backend)
        if not invoke_load:
            return store_class
        return store_class(conf, backend=backend)
    except Exception as e:
        LOG.warning('Store driver %s is disabled: %s', store_type, e)
        return None


def create_store(conf, store_type, backend=None):
    """Instantiate and configure a store; a bad config leaves it read-only."""
    store = driver_class(store_type, backend)(conf, backend=backend)
    store.configure(re_raise_bsc=False)
    return store


def register_store(store, store_type):
    """Publish ``store`` under each of its schemes; returns their count.

    A store with a ``backend_group`` goes into the multi-store map, any
    other into the single-store map.
    """
    location_class = store.get_store_location_class()
    entry = {
        'store': store,
        'location_class': location_class,
        'store_entry': store_type,
    }
    schemes = store.get_schemes()
    if not schemes:
        raise exceptions.BackendException(
            'Store %s serves no URL scheme.' % store_type
        )
    for scheme in schemes:
        if store.backend_group:
            location.register_scheme_backend_map(
                {scheme: {store.backend_group: dict(entry)}}
            )
        else:
            location.register_scheme_map({scheme: dict(entry)})
    return len(schemes)


def set_reserved_stores(reserved_stores):
    _RESERVED_STORES.clear()
    _RESERVED_STORES.update(reserved_stores or {})


def reset():
    """Forget every registered store (tests and re-configuration)."""
    location.SCHEME_TO_CLS_MAP.clear()
    location.SCHEME_TO_CLS_BACKEND_MAP.clear()
    _RESERVED_STORES.clear()


def reserved_stores():
    return types.MappingProxyType(_RESERVED_STORES)


def scheme_map():
    """Read-only view of the single-store map."""
    return types.MappingProxyType(location.SCHEME_TO_CLS_MAP)


def backend_map():
    """Read-only view of the multi-store map."""
    return types.MappingProxyType(location.SCHEME_TO_CLS_BACKEND_MAP)


def backend_stores():
    """Store id -> store instance, in registration order."""
    stores = {}
    for entries in location.SCHEME_TO_CLS_BACKEND_MAP.values():
        for store_id, entry in entries.items():
            stores.setdefault(store_id, entry['store'])
    return stores


def backend_stores_for_scheme(scheme):
    """Store id -> store instance for the stores serving ``scheme``."""
    entries = location.SCHEME_TO_CLS_BACKEND_MAP.get(scheme, {})
    return {store_id: entry['store'] for store_id, entry in entries.items()}
