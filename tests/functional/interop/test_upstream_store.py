"""Our glance (its glance-manage and glance-api) on upstream glance_store
5.7.0 from PyPI, through the interoperation scenario in both modes."""

import os

import fixtures

from tests.fixtures import interop
from tests.fixtures import server
from tests.functional.interop import base


class OurGlanceOnUpstreamStoreTests(base.ScenarioTests):
    def setUp(self):
        super().setUp()
        interop.skip_unless_upstream_store()
        overlay = interop.glance_overlay(
            self.useFixture(fixtures.TempDir()).path
        )
        # What the server will run: our glance, upstream's glance_store.
        seen = interop.packages_seen(interop.UPSTREAM_STORE_PYTHON, overlay)
        self.assertEqual(interop.checkout('glance'), seen['glance'])
        venv = os.path.realpath(interop.UPSTREAM_STORE_VENV)
        self.assertTrue(seen['glance_store'].startswith(venv + os.sep))
        self.assertTrue(seen['file_driver'].startswith(venv + os.sep))
        self.assertEqual(
            interop.UPSTREAM_STORE_VERSION, seen['glance_store_version']
        )
        self.server = server.GlanceAPIServer(
            stores_config=self.stores(multi_store=False),
            python=interop.UPSTREAM_STORE_PYTHON,
            pythonpath=overlay,
        )
        self.started = False

    def start(self, multi_store):
        if not self.started:
            self.useFixture(self.server)
            self.started = True
        else:
            self.server.restart(stores_config=self.stores(multi_store))
        return self.server.url

    def stores(self, multi_store):
        stores = base.MULTI_STORES if multi_store else base.LEGACY_STORES
        # Filled in here: the server fixture's own {tmp} is not the data.
        return stores.format(data=self.data)

    def log(self):
        return self.server.read_log() + self.server.read_output()
