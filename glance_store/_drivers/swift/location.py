"""Swift location URLs.

Every form upstream glance_store ever wrote is read:

``swift+config://<reference>/<container>/<object>``
    single-tenant, credentials in reference ``<reference>`` of
    ``swift_store_config_file``;
``swift+https://<auth address>/<container>/<object>`` (``swift+http``,
and ``swift://`` meaning https)
    single-tenant, credentials in the store's section; the auth address
    may carry a path (``keystone.example.com/v3``);
``swift+https://<swift host>/v1/AUTH_<project>/<container>/<object>``
    multi-tenant: the address is the storage URL of the owner's account;
``swift://<user>:<key>@<address>/<container>/<object>``
    legacy, with the credentials in the URL: they are dropped on parsing,
    so that they are never used, shown, logged or written back.
"""

from glance_store import exceptions
from glance_store import location

SCHEMES = ('swift+https', 'swift', 'swift+http', 'swift+config')
CONFIG_SCHEME = 'swift+config'
# The transport each scheme names (swift:// has always meant https).
_TRANSPORT = {'swift+http': 'http', 'swift+https': 'https', 'swift': 'https'}


def scheme_and_host(address):
    """``'https://k:5000/v3/'`` -> ``('swift+https', 'k:5000/v3')``."""
    for transport in ('http', 'https'):
        if address.startswith(transport + '://'):
            host = address[len(transport) + 3 :]
            return 'swift+' + transport, host.strip('/')
    return 'swift+https', address.strip('/')


class StoreLocation(location.StoreLocation):
    """``scheme``, ``address`` (a reference name for swift+config, else
    an auth address or storage URL without its scheme), ``container`` and
    ``obj``; never a credential."""

    def process_specs(self):
        self.scheme = self.specs.get('scheme', 'swift+https')
        self.address = self.specs.get('address')
        self.container = self.specs.get('container')
        self.obj = self.specs.get('obj')

    @property
    def is_reference(self):
        return self.scheme == CONFIG_SCHEME

    @property
    def http_url(self):
        """The address as an http(s) URL (not for swift+config)."""
        return '%s://%s' % (_TRANSPORT[self.scheme], self.address)

    def get_uri(self):
        return '%s://%s/%s/%s' % (
            self.scheme,
            self.address,
            self.container,
            self.obj,
        )

    def parse_uri(self, uri):
        self.validate_schemas(uri, [s + '://' for s in SCHEMES])
        self.scheme, rest = uri.split('://', 1)
        # A legacy "<user>:<key>@" may hold "/" but never "@": everything
        # up to the last "@" is dropped (and never echoed in errors).
        rest = rest.rpartition('@')[2]
        parts = rest.split('/')
        if len(parts) < 3 or not all(parts[-3:]):
            raise exceptions.BadStoreUri(
                reason='expected %s://<address>/<container>/<object>'
                % self.scheme
            )
        if self.scheme == CONFIG_SCHEME and len(parts) != 3:
            raise exceptions.BadStoreUri(
                reason='expected swift+config://<reference>/<container>/'
                '<object>'
            )
        self.obj = parts.pop()
        self.container = parts.pop()
        self.address = '/'.join(parts)
