"""Options of glance_store and its drivers, for oslo-config-generator and
the configuration reference (``oslo.config.opts`` entry points
``glance.store`` and ``glance.multi_store``)."""

from glance_store import backend
from glance_store import driver
from glance_store import multi_backend
from glance_store import registry

# The short entry point names; the upstream-style long aliases load the
# same classes.
_DRIVERS = ('file', 'http', 's3', 'rbd', 'swift')


def _driver_options():
    """``{store type: options}`` of the drivers that can be imported."""
    return {
        store_type: list(store_class.OPTIONS or [])
        for store_type, store_class in registry.loadable_driver_classes(
            _DRIVERS
        ).items()
    }


def list_opts():
    """``[(group, options)]``: ``[glance_store]`` with every driver's
    options (single-store mode), ``[backend_defaults]`` with the options a
    store section may set (multi-store mode). ``default_backend`` is
    listed by ``list_multi_store_opts``, as upstream lists it."""
    driver_opts = [o for opts in _driver_options().values() for o in opts]
    return [
        ('glance_store', backend._STORE_OPTS + driver_opts),
        ('backend_defaults', driver.MULTI_BACKEND_OPTIONS + driver_opts),
    ]


def list_multi_store_opts():
    """Multi-store mode as upstream's ``glance.multi_store`` lists it:
    ``[glance_store]`` with ``default_backend``, then one group per driver
    (a template of the section of a store of that type, with the
    description and weight every store section takes)."""
    return [('glance_store', list(multi_backend._STORE_OPTS))] + [
        (store_type, options + driver.MULTI_BACKEND_OPTIONS)
        for store_type, options in _driver_options().items()
    ]
