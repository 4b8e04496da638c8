"""Upstream glance 33 (its glance-manage and glance-api, from PyPI) on our
glance_store, through the interoperation scenario in both modes."""

import os

import fixtures

from tests.fixtures import interop
from tests.fixtures import upstream_glance
from tests.functional.interop import base

COMMON = """\
[DEFAULT]
node_staging_uri = file://{tmp}/staging
{stores}
[database]
connection = {connection}
[paste_deploy]
config_file = {paste}
[oslo_policy]
policy_file = {tmp}/policy.yaml
"""

# Upstream's multi-store mode needs the reserved stores' sections.
RESERVED = """\
[os_glance_staging_store]
filesystem_store_datadir = {tmp}/staging
[os_glance_tasks_store]
filesystem_store_datadir = {tmp}/tasks
"""

# Upstream's own factories without authtoken: its context middleware
# reads the identity headers authtoken would set (base.HEADERS).
PASTE = """\
[composite:glance-api]
paste.composite_factory = glance.api:root_app_factory
/: api
[pipeline:api]
pipeline = versionnegotiation context rootapp
[composite:rootapp]
paste.composite_factory = glance.api:root_app_factory
/: apiversions
/v2: apiv2app
[app:apiversions]
paste.app_factory = glance.api.versions:create_resource
[app:apiv2app]
paste.app_factory = glance.api.v2.router:API.factory
[filter:versionnegotiation]
paste.filter_factory = glance.api.middleware.version_negotiation:\
VersionNegotiationFilter.factory
[filter:context]
paste.filter_factory = glance.api.middleware.context:\
ContextMiddleware.factory
"""


def config(stores, paste):
    # [DEFAULT] twice is one section to oslo.config.
    return COMMON.replace('{stores}', stores).replace('{paste}', paste)


class UpstreamGlanceOnOurStoreTests(base.ScenarioTests):
    def setUp(self):
        super().setUp()
        interop.skip_unless_upstream_glance()
        overlay = interop.glance_store_overlay(
            self.useFixture(fixtures.TempDir()).path
        )
        # What the server will run: upstream's glance, our glance_store
        # and its drivers.
        seen = interop.packages_seen(upstream_glance.PYTHON, overlay)
        self.assertEqual(
            interop.checkout('glance_store'), seen['glance_store']
        )
        self.assertTrue(
            seen['file_driver'].startswith(seen['glance_store'] + os.sep)
        )
        self.assertTrue(
            seen['glance'].startswith(os.path.realpath(upstream_glance.VENV))
        )
        self.paste = os.path.join(self.data, 'glance-api-paste.ini')
        with open(self.paste, 'w') as paste:
            paste.write(PASTE)
        self.glance = self.useFixture(
            upstream_glance.UpstreamGlance(
                'sqlite:///%s/glance.sqlite' % self.data,
                self.data,
                config=config(base.LEGACY_STORES, self.paste),
                policy='',
                pythonpath=overlay,
            )
        )
        synced = self.glance.manage('db', 'sync')
        self.assertEqual(0, synced.returncode, synced.stderr)

    def start(self, multi_store):
        if multi_store:
            stores = base.MULTI_STORES + RESERVED
        else:
            stores = base.LEGACY_STORES
        self.glance.stop()
        self.glance.write_config(config(stores, self.paste))
        self.glance.start()
        return self.glance.url

    def log(self):
        return self.glance.output()
