"""Options of glance_store and its drivers, for oslo-config-generator and
the configuration reference (``oslo.config.opts`` entry point)."""

from glance_store import backend
from glance_store import driver
from glance_store import multi_backend
from glance_store import registry

# The short entry point names; the upstream-style long aliases load the
# same classes.
_DRIVERS = ('file', 'http', 's3', 'rbd', 'swift')


def list_opts():
    """``[(group, options)]``: ``[glance_store]`` with every driver's
    options (single-store mode), ``[backend_defaults]`` with the options a
    store section may set (multi-store mode)."""
    driver_opts = []
    for store_type in _DRIVERS:
        driver_opts.extend(registry.driver_class(store_type).OPTIONS or [])
    return [
        (
            'glance_store',
            backend._STORE_OPTS + multi_backend._STORE_OPTS + driver_opts,
        ),
        ('backend_defaults', driver.MULTI_BACKEND_OPTIONS + driver_opts),
    ]
