"""Options of upstream glance-api 33 that this version knows but ignores.

An upstream glance-api.conf sets them (deployment tools render many), so
they are registered with upstream's names, types and defaults: a value is
validated like any other, and one that is set is reported once at start-up
with a WARNING saying it has no effect here.

They are registered last (``register``), and only where nothing else
registered the name: when a feature is built, its module registers the
option and it leaves this list's effect without a change here.
"""

from oslo_config import cfg
from oslo_log import log as logging

from glance import stores

LOG = logging.getLogger(__name__)

_NO_EFFECT = ' Not implemented in this version: setting it has no effect.'


def _help(text):
    return text + _NO_EFFECT


DEFAULT_OPTS = [
    cfg.BoolOpt(
        'allow_anonymous_access',
        default=False,
        help=_help('Serve unauthenticated requests as an anonymous user.'),
    ),
    cfg.IntOpt(
        'max_request_id_length',
        default=64,
        min=0,
        help=_help('Longest request id accepted from a client.'),
    ),
    cfg.BoolOpt(
        'do_secure_hash',
        default=True,
        help=_help('Compute os_hash_value when data is uploaded.'),
    ),
    cfg.IntOpt(
        'http_retries',
        default=3,
        help=_help('Retries of requests to other glance-api workers.'),
    ),
    cfg.BoolOpt(
        'use_keystone_limits',
        default=False,
        help=_help('Take quotas from keystone unified limits.'),
    ),
    cfg.HostAddressOpt(
        'pydev_worker_debug_host',
        help=_help('Host of a pydev debugger workers connect to.'),
    ),
    cfg.PortOpt(
        'pydev_worker_debug_port',
        default=5678,
        help=_help('Port of the pydev debugger.'),
    ),
    cfg.StrOpt(
        'digest_algorithm',
        default='sha256',
        deprecated_for_removal=True,
        deprecated_reason='Upstream no longer uses it.',
        help=_help('Digest of certificate signatures.'),
    ),
    cfg.StrOpt(
        'worker_self_reference_url',
        help=_help('URL other workers use to reach this one for imports.'),
    ),
    cfg.StrOpt(
        'image_cache_sqlite_db',
        default='cache.db',
        deprecated_for_removal=True,
        deprecated_reason='The sqlite cache driver is deprecated upstream.',
        help=_help('File of the sqlite image cache driver.'),
    ),
    cfg.StrOpt(
        'image_cache_driver',
        default='centralized_db',
        choices=['centralized_db', 'sqlite', 'xattr'],
        help=_help('How the image cache records its entries.'),
    ),
    cfg.IntOpt(
        'image_cache_max_size',
        default=10737418240,
        min=0,
        help=_help('Size in bytes the image cache is pruned down to.'),
    ),
    cfg.IntOpt(
        'image_cache_stall_time',
        default=86400,
        min=0,
        help=_help('Seconds after which an unfinished cache entry goes.'),
    ),
    cfg.StrOpt(
        'image_cache_dir',
        help=_help('Directory of the image cache.'),
    ),
    cfg.IntOpt(
        'scrub_time',
        default=0,
        min=0,
        help=_help('Seconds before the scrubber deletes pending data.'),
    ),
    cfg.IntOpt(
        'scrub_pool_size',
        default=1,
        min=1,
        help=_help('Images the scrubber deletes in parallel.'),
    ),
    cfg.BoolOpt(
        'delayed_delete',
        default=False,
        help=_help('Leave data of deleted images to the scrubber.'),
    ),
]

GROUP_OPTS = {
    'task': [
        cfg.StrOpt(
            'task_executor',
            default='taskflow',
            choices=['taskflow'],
            help=_help('Executor of tasks.'),
        ),
        cfg.StrOpt('work_dir', help=_help('Scratch directory of tasks.')),
    ],
    'taskflow_executor': [
        cfg.StrOpt(
            'engine_mode',
            default='parallel',
            choices=['serial', 'parallel'],
            help=_help('How taskflow runs the steps of a task.'),
        ),
        cfg.IntOpt(
            'max_workers',
            default=10,
            min=1,
            help=_help('Parallel taskflow workers.'),
        ),
        cfg.StrOpt(
            'conversion_format',
            choices=['qcow2', 'raw', 'vmdk'],
            help=_help('Disk format imports convert images to.'),
        ),
    ],
    'wsgi': [
        cfg.IntOpt(
            'task_pool_threads',
            default=16,
            min=1,
            help=_help('Threads per worker that run tasks.'),
        ),
    ],
}

_ENDPOINT_TYPES = ['publicURL', 'adminURL', 'internalURL']

# Upstream driver options by store type: where a driver of this
# glance_store lacks one (or the driver itself is missing), it is
# registered here, in [glance_store] and in each store section of the type.
DRIVER_OPTS = {
    'rbd': [
        cfg.IntOpt(
            'rbd_store_chunk_size',
            default=8,
            min=1,
            help=_help('RBD object size in MiB.'),
        ),
        cfg.StrOpt(
            'rbd_store_pool', default='images', help=_help('RADOS pool.')
        ),
        cfg.StrOpt('rbd_store_user', help=_help('Ceph user (client id).')),
        cfg.StrOpt(
            'rbd_store_ceph_conf', default='', help=_help('ceph.conf path.')
        ),
        cfg.IntOpt(
            'rados_connect_timeout',
            default=-1,
            help=_help('Seconds to wait for the cluster (-1: no limit).'),
        ),
        cfg.BoolOpt(
            'rbd_thin_provisioning',
            default=False,
            help=_help('Skip writing zero blocks.'),
        ),
    ],
    'swift': [
        cfg.BoolOpt(
            'swift_store_auth_insecure',
            default=False,
            help=_help('Skip TLS verification of the auth server.'),
        ),
        cfg.StrOpt('swift_store_cacert', help=_help('CA bundle for Swift.')),
        cfg.StrOpt('swift_store_region', help=_help('Swift region.')),
        cfg.StrOpt(
            'swift_store_endpoint', help=_help('Fixed Swift endpoint URL.')
        ),
        cfg.StrOpt(
            'swift_store_endpoint_type',
            default='publicURL',
            choices=_ENDPOINT_TYPES,
            help=_help('Catalog endpoint type of Swift.'),
        ),
        cfg.StrOpt(
            'swift_store_service_type',
            default='object-store',
            help=_help('Catalog service type of Swift.'),
        ),
        cfg.StrOpt(
            'swift_store_container',
            default='glance',
            help=_help('Container (or prefix) of image objects.'),
        ),
        cfg.IntOpt(
            'swift_store_large_object_size',
            default=5120,
            min=1,
            help=_help('Size in MB above which images are segmented.'),
        ),
        cfg.IntOpt(
            'swift_store_large_object_chunk_size',
            default=200,
            min=1,
            help=_help('Segment size in MB.'),
        ),
        cfg.BoolOpt(
            'swift_store_create_container_on_put',
            default=False,
            help=_help('Create missing containers on upload.'),
        ),
        cfg.BoolOpt(
            'swift_store_multi_tenant',
            default=False,
            help=_help("Store images in the owner's account."),
        ),
        cfg.IntOpt(
            'swift_store_multiple_containers_seed',
            default=0,
            min=0,
            max=32,
            help=_help('Image id characters naming one container each.'),
        ),
        cfg.ListOpt(
            'swift_store_admin_tenants',
            default=[],
            help=_help('Projects granted access to multi-tenant images.'),
        ),
        cfg.BoolOpt(
            'swift_store_ssl_compression',
            default=True,
            help=_help('Compress TLS traffic to Swift.'),
        ),
        cfg.IntOpt(
            'swift_store_retry_get_count',
            default=0,
            min=0,
            help=_help('Retries of interrupted downloads.'),
        ),
        cfg.IntOpt(
            'swift_store_expire_soon_interval',
            default=60,
            min=0,
            help=_help('Seconds before token expiry to renew it.'),
        ),
        cfg.BoolOpt(
            'swift_store_use_trusts',
            default=True,
            help=_help('Use keystone trusts for multi-tenant uploads.'),
        ),
        cfg.BoolOpt(
            'swift_buffer_on_upload',
            default=False,
            help=_help('Buffer segments on disk to retry them.'),
        ),
        cfg.StrOpt(
            'default_swift_reference',
            default='ref1',
            help=_help('Reference of swift_store_config_file to use.'),
        ),
        cfg.StrOpt(
            'swift_store_auth_version',
            default='3',
            choices=['3'],
            deprecated_for_removal=True,
            deprecated_reason='Set it in swift_store_config_file.',
            help=_help('Keystone API version.'),
        ),
        cfg.StrOpt(
            'swift_store_auth_address',
            deprecated_for_removal=True,
            deprecated_reason='Set it in swift_store_config_file.',
            help=_help('Keystone URL.'),
        ),
        cfg.StrOpt(
            'swift_store_user',
            secret=True,
            deprecated_for_removal=True,
            deprecated_reason='Set it in swift_store_config_file.',
            help=_help('Swift user.'),
        ),
        cfg.StrOpt(
            'swift_store_key',
            secret=True,
            deprecated_for_removal=True,
            deprecated_reason='Set it in swift_store_config_file.',
            help=_help('Swift password.'),
        ),
        cfg.StrOpt(
            'swift_store_application_credential_id',
            secret=True,
            help=_help('Keystone application credential id.'),
        ),
        cfg.StrOpt(
            'swift_store_application_credential_secret',
            secret=True,
            help=_help('Keystone application credential secret.'),
        ),
        cfg.StrOpt(
            'swift_store_project_name',
            deprecated_for_removal=True,
            deprecated_reason='Set it in swift_store_config_file.',
            help=_help('Project name of the Swift user.'),
        ),
        cfg.StrOpt(
            'swift_store_project_id',
            deprecated_for_removal=True,
            deprecated_reason='Set it in swift_store_config_file.',
            help=_help('Project id of the Swift user.'),
        ),
        cfg.StrOpt(
            'swift_store_config_file',
            help=_help('File of Swift account references.'),
        ),
        cfg.StrOpt(
            'swift_upload_buffer_dir',
            help=_help('Directory of swift_buffer_on_upload.'),
        ),
    ],
    'vmware': [
        cfg.HostAddressOpt(
            'vmware_server_host', help=_help('vCenter or ESXi host.')
        ),
        cfg.StrOpt('vmware_server_username', help=_help('vCenter user.')),
        cfg.StrOpt(
            'vmware_server_password',
            secret=True,
            help=_help('vCenter password.'),
        ),
        cfg.IntOpt(
            'vmware_api_retry_count',
            default=10,
            min=1,
            help=_help('Retries of vCenter API calls.'),
        ),
        cfg.IntOpt(
            'vmware_task_poll_interval',
            default=5,
            min=1,
            help=_help('Seconds between vCenter task polls.'),
        ),
        cfg.StrOpt(
            'vmware_store_image_dir',
            default='/openstack_glance',
            help=_help('Datastore directory of images.'),
        ),
        cfg.BoolOpt(
            'vmware_insecure',
            default=False,
            deprecated_name='vmware_api_insecure',
            help=_help('Skip TLS verification of vCenter.'),
        ),
        cfg.StrOpt('vmware_ca_file', help=_help('CA bundle for vCenter.')),
        cfg.MultiStrOpt(
            'vmware_datastores',
            help=_help('Datastores as "datacenter:datastore:weight".'),
        ),
    ],
}


def _driver_lacks(store_type):
    """The DRIVER_OPTS of ``store_type`` its installed driver lacks."""
    known = {opt.dest for opt in stores.driver_options(store_type)}
    return [opt for opt in DRIVER_OPTS[store_type] if opt.dest not in known]


def list_opts():
    """For the configuration reference: every group's ignored options."""
    store_opts = [opt for t in DRIVER_OPTS for opt in _driver_lacks(t)]
    return (
        [('DEFAULT', DEFAULT_OPTS)]
        + sorted(GROUP_OPTS.items())
        + [('glance_store', store_opts)]
    )


def _registered(conf, group):
    """Names registered in ``group`` (None: [DEFAULT]), values unread."""
    if group is None:
        return set(conf)
    return set(conf[group]) if group in set(conf) else set()


def register(conf, store_sections=None):
    """Register the ignored options nothing else registered.

    ``store_sections`` maps each store section (store id) to its type.
    Returns ``(group, option)`` pairs of what it registered (group None
    for [DEFAULT]).
    """
    wanted = [(None, opt) for opt in DEFAULT_OPTS]
    wanted += [(g, opt) for g, opts in GROUP_OPTS.items() for opt in opts]
    sections = {'glance_store': None}
    sections.update(store_sections or {})
    for section, store_type in sections.items():
        for driver, opts in DRIVER_OPTS.items():
            if store_type in (None, driver):
                wanted += [(section, opt) for opt in opts]
    registered = []
    for group, opt in wanted:
        if opt.dest not in _registered(conf, group):
            conf.register_opt(opt, group=group)
            registered.append((group, opt.dest))
    return registered


def warn_if_set(conf, registered):
    """One WARNING per ignored option the operator set."""
    for group, name in registered:
        where = conf.get_location(name, group)
        if where is not None and where.location.is_user_controlled:
            LOG.warning(
                'Option [%s] %s is set but has no effect in this version '
                'of glance-api (not implemented).',
                group or 'DEFAULT',
                name,
            )
