"""Options of the swift driver (upstream's names and defaults) and the
credentials they, or a reference file, give."""

import configparser
import dataclasses

from oslo_config import cfg

from glance_store import exceptions

# glance_store's "MB" has always been 1,024,000 bytes (upstream's ONE_MB);
# kept so that existing segment sizes do not change.
ONE_MB = 1000 * 1024

_ENDPOINT_TYPES = ('publicURL', 'adminURL', 'internalURL')

OPTIONS = [
    cfg.BoolOpt(
        'swift_store_auth_insecure',
        default=False,
        help='Do not verify the certificates of Keystone and Swift '
        '(tests only).',
    ),
    cfg.StrOpt(
        'swift_store_cacert',
        help='CA bundle used to verify the certificates of Keystone and '
        'Swift; empty uses the system bundle.',
    ),
    cfg.StrOpt(
        'swift_store_region',
        help='Region of the Swift endpoint to use from the service '
        'catalog, when several regions offer one.',
    ),
    cfg.StrOpt(
        'swift_store_endpoint',
        help='Swift URL to use instead of the one in the service catalog, '
        'e.g. "https://swift.example.com/v1/AUTH_<project id>".',
    ),
    cfg.StrOpt(
        'swift_store_endpoint_type',
        default='publicURL',
        choices=_ENDPOINT_TYPES,
        help='Which interface of the Swift endpoint the service catalog '
        'is read for.',
    ),
    cfg.StrOpt(
        'swift_store_service_type',
        default='object-store',
        help='Service type of Swift in the service catalog.',
    ),
    cfg.StrOpt(
        'swift_store_container',
        default='glance',
        help='Container that holds the images (single-tenant), or the '
        'start of the per-image container names (multi-tenant: '
        '"<container>_<image id>").',
    ),
    cfg.IntOpt(
        'swift_store_large_object_size',
        default=5 * 1024,
        min=1,
        help='Images of at least this many MB (1 MB = 1,024,000 bytes) are '
        'stored as segments plus a manifest; so are images of unknown '
        'size.',
    ),
    cfg.IntOpt(
        'swift_store_large_object_chunk_size',
        default=200,
        min=1,
        help='Size in MB (1 MB = 1,024,000 bytes) of the segments of a '
        'large image; the last one holds what is left.',
    ),
    cfg.BoolOpt(
        'swift_store_create_container_on_put',
        default=False,
        help='Create the container on the first upload when it is missing '
        '(always done in multi-tenant mode).',
    ),
    cfg.BoolOpt(
        'swift_store_multi_tenant',
        default=False,
        help="Store each image in the owner's own Swift account (one "
        "container per image), authenticated with the caller's token, "
        'instead of in one account with the credentials of the store.',
    ),
    cfg.IntOpt(
        'swift_store_multiple_containers_seed',
        default=0,
        min=0,
        max=32,
        help='Spread single-tenant images over several containers: the '
        'first N characters of the image id are appended to '
        'swift_store_container ("glance_ab" for N = 2); 0 uses one '
        'container.',
    ),
    cfg.ListOpt(
        'swift_store_admin_tenants',
        default=[],
        help='Projects given read and write access to every image '
        'container (multi-tenant mode).',
    ),
    cfg.BoolOpt(
        'swift_store_ssl_compression',
        default=True,
        help='Allow compression at the SSL layer of Swift connections.',
    ),
    cfg.IntOpt(
        'swift_store_retry_get_count',
        default=0,
        min=0,
        help='How many times a download broken in the middle is resumed '
        'from the byte it reached before giving up.',
    ),
    cfg.IntOpt(
        'swift_store_expire_soon_interval',
        default=60,
        min=0,
        help='Seconds before a token expires at which a new one is '
        'fetched (single-tenant, Keystone).',
    ),
    cfg.StrOpt(
        'swift_store_config_file',
        help='File of named references, each a section with "user" '
        '("<project>:<user>"), "key", "auth_address", "auth_version" '
        "(3, or 1 for Swift's own auth) and optional "
        'user_domain_id/_name and project_domain_id/_name. Keeps the '
        'credentials out of the database: locations read '
        '"swift+config://<reference>/<container>/<image id>".',
    ),
    cfg.StrOpt(
        'default_swift_reference',
        default='ref1',
        help='Reference (section of swift_store_config_file) that new '
        'images are stored with.',
    ),
    cfg.StrOpt(
        'swift_store_auth_version',
        default='3',
        deprecated_for_removal=True,
        help="Auth version of swift_store_auth_address: 1 for Swift's "
        'own auth; anything else means Keystone v3.',
    ),
    cfg.StrOpt(
        'swift_store_auth_address',
        deprecated_for_removal=True,
        help='Auth address (Keystone v3 URL, or Swift auth URL) used '
        'when there is no swift_store_config_file.',
    ),
    cfg.StrOpt(
        'swift_store_user',
        deprecated_for_removal=True,
        help='"<project>:<user>" used when there is no '
        'swift_store_config_file.',
    ),
    cfg.StrOpt(
        'swift_store_key',
        secret=True,
        deprecated_for_removal=True,
        help='Password of swift_store_user.',
    ),
    cfg.BoolOpt(
        'swift_buffer_on_upload',
        default=False,
        help='Write each segment to a temporary file in '
        'swift_upload_buffer_dir before sending it, so that a segment '
        'whose PUT fails can be sent again.',
    ),
    cfg.StrOpt(
        'swift_upload_buffer_dir',
        help='Directory of the segment buffers of swift_buffer_on_upload '
        '(room for one segment per upload in flight).',
    ),
]


@dataclasses.dataclass(frozen=True)
class Credentials:
    """How to authenticate to one Swift; ``key`` never shows in repr."""

    auth_address: str
    user: str
    key: str = dataclasses.field(repr=False)
    auth_version: str = '3'
    user_domain_id: str | None = 'default'
    user_domain_name: str | None = None
    project_domain_id: str | None = 'default'
    project_domain_name: str | None = None

    @property
    def v1(self):
        """Swift's own auth (tempauth, swauth) instead of Keystone."""
        return self.auth_version.strip() in ('1', '1.0')

    def project_and_user(self):
        """``('project', 'user')`` from ``"project:user"``."""
        project, sep, user = self.user.partition(':')
        return (project, user) if sep else (None, self.user)


_REFERENCE_KEYS = ('user', 'key', 'auth_address')
_OPTIONAL_KEYS = (
    'auth_version',
    'user_domain_id',
    'user_domain_name',
    'project_domain_id',
    'project_domain_name',
)


def load_references(path, store_name):
    """``{reference name: Credentials}`` from a reference file.

    Errors name the file, section and key, never a value.
    """
    parser = configparser.RawConfigParser()
    try:
        with open(path) as f:
            parser.read_file(f)
    except (OSError, configparser.Error) as e:
        raise exceptions.BadStoreConfiguration(
            store_name=store_name,
            reason='cannot read swift_store_config_file %s (%s)'
            % (path, type(e).__name__),
        ) from None
    references = {}
    for name in parser.sections():
        section = parser[name]
        missing = [k for k in _REFERENCE_KEYS if not section.get(k)]
        if missing:
            raise exceptions.BadStoreConfiguration(
                store_name=store_name,
                reason='reference %s in %s lacks %s'
                % (name, path, ', '.join(missing)),
            )
        values = {k: section[k] for k in _REFERENCE_KEYS}
        values.update({k: section[k] for k in _OPTIONAL_KEYS if k in section})
        values.setdefault('auth_version', '3')
        references[name] = Credentials(**values)
    return references
