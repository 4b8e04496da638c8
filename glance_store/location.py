"""Location URLs and the scheme maps of the configured stores.

``SCHEME_TO_CLS_MAP`` (single-store mode) maps a scheme to ``{'store',
'location_class', 'store_entry'}``; ``SCHEME_TO_CLS_BACKEND_MAP``
(multi-store mode) maps a scheme to ``{store id: {...the same keys}}``.
Only ``glance_store.registry`` fills them, through the two
``register_*`` functions below.
"""

import urllib.parse

from oslo_config import cfg

from glance_store import exceptions

CONF = cfg.CONF

SCHEME_TO_CLS_MAP = {}
SCHEME_TO_CLS_BACKEND_MAP = {}


def _scheme(uri):
    return urllib.parse.urlsplit(uri).scheme


def get_location_from_uri(uri, conf=CONF):
    """Parse ``uri`` with the single-store location class of its scheme."""
    scheme = _scheme(uri)
    if scheme not in SCHEME_TO_CLS_MAP:
        raise exceptions.UnknownScheme(scheme=scheme)
    location_class = SCHEME_TO_CLS_MAP[scheme]['location_class']
    return Location(scheme, location_class, conf, uri=uri)


def get_location_from_uri_and_backend(uri, backend, conf=CONF):
    """Parse ``uri`` with the location class of store ``backend``."""
    scheme = _scheme(uri)
    entry = SCHEME_TO_CLS_BACKEND_MAP.get(scheme, {}).get(backend)
    if entry is None:
        raise exceptions.UnknownScheme(scheme=scheme)
    return Location(
        scheme, entry['location_class'], conf, uri=uri, backend=backend
    )


def register_scheme_map(scheme_map):
    """Add single-store entries ``{scheme: entry}``."""
    SCHEME_TO_CLS_MAP.update(scheme_map)


def register_scheme_backend_map(scheme_map):
    """Merge ``{scheme: {store id: entry}}``; a later entry replaces one."""
    for scheme, entries in scheme_map.items():
        SCHEME_TO_CLS_BACKEND_MAP.setdefault(scheme, {}).update(entries)


class Location:
    """A location URL parsed by the ``StoreLocation`` class of its store."""

    def __init__(
        self,
        store_name,
        store_location_class,
        conf,
        uri=None,
        image_id=None,
        store_specs=None,
        backend=None,
    ):
        self.store_name = store_name
        self.image_id = image_id
        self.store_specs = store_specs or {}
        self.conf = conf
        self.backend_group = backend
        self.store_location = store_location_class(
            self.store_specs, conf, backend_group=backend
        )
        if uri:
            self.store_location.parse_uri(uri)

    def get_store_uri(self):
        return self.store_location.get_uri()


class StoreLocation:
    """Driver-specific parts of a location; drivers subclass it."""

    def __init__(self, store_specs, conf, backend_group=None):
        self.conf = conf
        self.specs = store_specs
        self.backend_group = backend_group
        if self.specs:
            self.process_specs()

    def process_specs(self):
        """Set attributes from ``self.specs`` (driver hook)."""

    def get_uri(self):
        raise NotImplementedError

    def parse_uri(self, uri):
        raise NotImplementedError

    @staticmethod
    def validate_schemas(uri, valid_schemas):
        """Raise ``BadStoreUri`` unless ``uri`` starts with a valid scheme."""
        if not uri.startswith(tuple(valid_schemas)):
            raise exceptions.BadStoreUri(
                reason='expected one of the schemes %s'
                % ', '.join(valid_schemas),
            )
