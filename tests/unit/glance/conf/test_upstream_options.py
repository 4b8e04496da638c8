"""Every option upstream glance-api 33 registers is registered by ours.

The list below is what ``oslo-config-generator --namespace glance.api
--namespace glance.store --namespace glance.multi_store`` shows for upstream
glance 33.0.0 with glance_store 5.7.0 (its per-driver sample groups left
out: those options are the [glance_store] ones, also valid in each store
section). Each entry: oslo.config type, default, bounded list syntax and
deprecated spellings.
"""

import collections
import os

import fixtures
import testtools
from oslo_config import cfg

from glance import stores
from glance import wsgi
from glance.conf import unsupported
from tests.fixtures import store_maps

Upstream = collections.namedtuple(
    'Upstream', 'type default bounds deprecated', defaults=(False, ())
)


def opt(type_name, default, bounds=False, deprecated=()):
    return Upstream(type_name, default, bounds, tuple(deprecated))


UPSTREAM_OPTIONS = {
    'DEFAULT': {
        'allow_anonymous_access': opt('Boolean', False),
        'max_request_id_length': opt('Integer', 64),
        'public_endpoint': opt('String', None),
        'hashing_algorithm': opt('String', 'sha512'),
        'image_member_quota': opt('Integer', 128),
        'image_property_quota': opt('Integer', 128),
        'image_tag_quota': opt('Integer', 128),
        'image_location_quota': opt('Integer', 10),
        'limit_param_default': opt('Integer', 25),
        'api_limit_max': opt('Integer', 1000),
        'show_image_direct_url': opt('Boolean', False),
        'show_multiple_locations': opt('Boolean', False),
        'do_secure_hash': opt('Boolean', True),
        'http_retries': opt('Integer', 3),
        'image_size_cap': opt('Integer', 1099511627776),
        'user_storage_quota': opt('String', '0'),
        'use_keystone_limits': opt('Boolean', False),
        'pydev_worker_debug_host': opt('HostAddress', None),
        'pydev_worker_debug_port': opt('Port', 5678),
        'metadata_encryption_key': opt('String', None),
        'digest_algorithm': opt('String', 'sha256'),
        'node_staging_uri': opt('String', 'file:///tmp/staging/'),
        'enabled_import_methods': opt(
            'List',
            ['glance-direct', 'web-download', 'copy-image'],
            bounds=True,
        ),
        'worker_self_reference_url': opt('String', None),
        'property_protection_file': opt('String', None),
        'property_protection_rule_format': opt('String', 'roles'),
        'enabled_backends': opt('Dict', None),
        'image_cache_sqlite_db': opt('String', 'cache.db'),
        'image_cache_driver': opt('String', 'centralized_db'),
        'image_cache_max_size': opt('Integer', 10737418240),
        'image_cache_stall_time': opt('Integer', 86400),
        'image_cache_dir': opt('String', None),
        'default_publisher_id': opt('String', 'image.localhost'),
        'disabled_notifications': opt('List', []),
        'scrub_time': opt('Integer', 0),
        'scrub_pool_size': opt('Integer', 1),
        'delayed_delete': opt('Boolean', False),
    },
    'glance_store': {
        'default_backend': opt('String', None),
        'stores': opt('List', ['file', 'http']),
        'default_store': opt('String', 'file'),
        'filesystem_store_datadir': opt('String', '/var/lib/glance/images'),
        'filesystem_store_datadirs': opt('MultiString', None),
        'filesystem_store_metadata_file': opt('String', None),
        'filesystem_store_file_perm': opt('Integer', 0),
        'filesystem_store_chunk_size': opt('Integer', 65536),
        'filesystem_thin_provisioning': opt('Boolean', False),
        'filesystem_store_timeout': opt('Integer', 0),
        'filesystem_store_thread_pool_size': opt('Integer', 10),
        'filesystem_store_threadpool_threshold': opt('Integer', 75),
        'https_ca_certificates_file': opt('String', None),
        'https_insecure': opt('Boolean', True),
        'http_proxy_information': opt('Dict', {}),
        'rbd_store_chunk_size': opt('Integer', 8),
        'rbd_store_pool': opt('String', 'images'),
        'rbd_store_user': opt('String', None),
        'rbd_store_ceph_conf': opt('String', ''),
        'rados_connect_timeout': opt('Integer', -1),
        'rbd_thin_provisioning': opt('Boolean', False),
        's3_store_host': opt('String', None),
        's3_store_region_name': opt('String', ''),
        's3_store_access_key': opt('String', None),
        's3_store_secret_key': opt('String', None),
        's3_store_bucket': opt('String', None),
        's3_store_create_bucket_on_put': opt('Boolean', False),
        's3_store_bucket_url_format': opt('String', 'auto'),
        's3_store_large_object_size': opt('Integer', 100),
        's3_store_large_object_chunk_size': opt('Integer', 10),
        's3_store_thread_pools': opt('Integer', 10),
        's3_store_cacert': opt('String', ''),
        's3_store_enable_data_integrity_protection': opt('Boolean', False),
        's3_store_request_checksum_calculation': opt(
            'String', 'when_required'
        ),
        's3_store_response_checksum_validation': opt(
            'String', 'when_required'
        ),
        'swift_store_auth_insecure': opt('Boolean', False),
        'swift_store_cacert': opt('String', None),
        'swift_store_region': opt('String', None),
        'swift_store_endpoint': opt('String', None),
        'swift_store_endpoint_type': opt('String', 'publicURL'),
        'swift_store_service_type': opt('String', 'object-store'),
        'swift_store_container': opt('String', 'glance'),
        'swift_store_large_object_size': opt('Integer', 5120),
        'swift_store_large_object_chunk_size': opt('Integer', 200),
        'swift_store_create_container_on_put': opt('Boolean', False),
        'swift_store_multi_tenant': opt('Boolean', False),
        'swift_store_multiple_containers_seed': opt('Integer', 0),
        'swift_store_admin_tenants': opt('List', []),
        'swift_store_ssl_compression': opt('Boolean', True),
        'swift_store_retry_get_count': opt('Integer', 0),
        'swift_store_expire_soon_interval': opt('Integer', 60),
        'swift_store_use_trusts': opt('Boolean', True),
        'swift_buffer_on_upload': opt('Boolean', False),
        'default_swift_reference': opt('String', 'ref1'),
        'swift_store_auth_version': opt('String', '3'),
        'swift_store_auth_address': opt('String', None),
        'swift_store_user': opt('String', None),
        'swift_store_key': opt('String', None),
        'swift_store_application_credential_id': opt('String', None),
        'swift_store_application_credential_secret': opt('String', None),
        'swift_store_project_name': opt('String', None),
        'swift_store_project_id': opt('String', None),
        'swift_store_config_file': opt('String', None),
        'swift_upload_buffer_dir': opt('String', None),
        'vmware_server_host': opt('HostAddress', None),
        'vmware_server_username': opt('String', None),
        'vmware_server_password': opt('String', None),
        'vmware_api_retry_count': opt('Integer', 10),
        'vmware_task_poll_interval': opt('Integer', 5),
        'vmware_store_image_dir': opt('String', '/openstack_glance'),
        'vmware_insecure': opt(
            'Boolean',
            False,
            deprecated=[('glance_store', 'vmware_api_insecure')],
        ),
        'vmware_ca_file': opt('String', None),
        'vmware_datastores': opt('MultiString', None),
    },
    'image_format': {
        'container_formats': opt(
            'List',
            [
                'ami',
                'ari',
                'aki',
                'bare',
                'ovf',
                'ova',
                'docker',
                'compressed',
            ],
            deprecated=[('DEFAULT', 'container_formats')],
        ),
        'disk_formats': opt(
            'List',
            [
                'ami',
                'ari',
                'aki',
                'vhd',
                'vhdx',
                'vmdk',
                'raw',
                'qcow2',
                'vdi',
                'iso',
                'ploop',
            ],
            deprecated=[('DEFAULT', 'disk_formats')],
        ),
        'vmdk_allowed_types': opt(
            'List', ['streamOptimized', 'monolithicSparse']
        ),
        'require_image_format_match': opt('Boolean', True),
        'gpt_safety_checks_nonfatal': opt('List', []),
    },
    'paste_deploy': {
        'flavor': opt('String', None),
        'config_file': opt('String', None),
    },
    'profiler': {
        'enabled': opt(
            'Boolean', False, deprecated=[('profiler', 'profiler_enabled')]
        ),
        'trace_sqlalchemy': opt('Boolean', False),
        'trace_requests': opt('Boolean', False),
        'hmac_keys': opt('String', 'SECRET_KEY'),
        'connection_string': opt('String', 'messaging://'),
        'es_doc_type': opt('String', 'notification'),
        'es_scroll_time': opt('String', '2m'),
        'es_scroll_size': opt('Integer', 10000),
        'socket_timeout': opt('Float', 0.1),
        'sentinel_service_name': opt('String', 'mymaster'),
        'filter_error_trace': opt('Boolean', False),
    },
    'task': {
        'task_time_to_live': opt(
            'Integer', 48, deprecated=[('DEFAULT', 'task_time_to_live')]
        ),
        'task_executor': opt('String', 'taskflow'),
        'work_dir': opt('String', None),
    },
    'taskflow_executor': {
        'engine_mode': opt('String', 'parallel'),
        'max_workers': opt('Integer', 10),
        'conversion_format': opt('String', None),
    },
    'wsgi': {
        'task_pool_threads': opt('Integer', 16),
        'python_interpreter': opt('String', None),
    },
}

# Defaults chosen differently on purpose, with the reason.
DELIBERATE_DEFAULTS = {
    ('glance_store', 'rados_connect_timeout'): (
        10,
        "the rbd driver bounds the wait for a down cluster (upstream's -1 "
        'leaves librados its 300 s)',
    ),
}

CONFIG = """\
[DEFAULT]
node_staging_uri = file://{tmp}/staging
[database]
connection = sqlite:///{tmp}/glance.sqlite
[glance_store]
filesystem_store_datadir = {tmp}/images
"""


class UpstreamOptionsTest(testtools.TestCase):
    """glance-api's registration on a legacy single-store config."""

    def setUp(self):
        super().setUp()
        self.useFixture(store_maps.StoreMapsFixture())
        tmp = self.useFixture(fixtures.TempDir()).path
        path = os.path.join(tmp, 'glance-api.conf')
        with open(path, 'w') as config:
            config.write(CONFIG.format(tmp=tmp))
        self.conf = cfg.ConfigOpts()
        wsgi.parse_config(self.conf, ['--config-file', path])
        stores.configure(self.conf)
        self.ignored = set(wsgi.complete_options(self.conf))

    def _ours(self, group, name):
        # oslo.config has no public way from a name to its Opt.
        return self.conf._get_opt_info(
            name, None if group == 'DEFAULT' else group
        )['opt']

    def test_every_upstream_option_is_registered(self):
        missing = []
        for group, names in UPSTREAM_OPTIONS.items():
            ours = set(self.conf if group == 'DEFAULT' else self.conf[group])
            missing += [(group, name) for name in names if name not in ours]
        self.assertEqual([], missing)

    def test_types_defaults_and_spellings_are_upstreams(self):
        differences = []
        for group, names in UPSTREAM_OPTIONS.items():
            for name, upstream in names.items():
                ours = self._ours(group, name)
                found = Upstream(
                    type(ours.type).__name__,
                    ours.default,
                    getattr(ours.type, 'bounds', False),
                    tuple(
                        (old.group or group, old.name or name)
                        for old in ours.deprecated_opts
                    ),
                )
                deliberate = DELIBERATE_DEFAULTS.get((group, name))
                if deliberate:
                    upstream = upstream._replace(default=deliberate[0])
                if found != upstream:
                    differences.append((group, name, found, upstream))
        self.assertEqual([], differences)

    def test_ignored_options_are_upstream_options_only(self):
        ignored = {
            ('DEFAULT' if group is None else group, name)
            for group, name in self.ignored
        }
        upstream = {
            (group, name)
            for group, names in UPSTREAM_OPTIONS.items()
            for name in names
        }
        self.assertEqual(set(), ignored - upstream)
        self.assertIn(('DEFAULT', 'delayed_delete'), ignored)
        self.assertNotIn(('DEFAULT', 'hashing_algorithm'), ignored)

    def test_reference_lists_the_ignored_ones(self):
        listed = {
            (group, opt.dest)
            for group, opts in unsupported.list_opts()
            for opt in opts
        }
        self.assertIn(('glance_store', 'vmware_server_host'), listed)
        self.assertIn(('task', 'task_executor'), listed)
