"""The advertised versions: exactly those whose features exist."""

import testtools

from glance.api import versions
from glance.api.v2 import router
from tests.unit.glance.api import base


class VersionsTest(testtools.TestCase):
    def test_every_served_version_has_its_routes(self):
        for version, _multi, routes in versions.VERSIONS:
            for path in routes:
                self.assertIn(path, router.ROUTES, version)

    def test_single_and_multi_store_lists_as_upstream(self):
        single = versions.known_versions(base.make_conf())
        self.assertEqual(
            ['2.9', '2.7', '2.6', '2.5', '2.4', '2.3', '2.2', '2.1', '2.0'],
            single,
        )
        multi = versions.known_versions(
            base.make_conf(enabled_backends={'a': 'file'})
        )
        self.assertEqual(
            ['2.13', '2.12', '2.11', '2.10', '2.9', '2.8'] + single[1:],
            multi,
        )

    def test_unbuilt_features_are_not_advertised(self):
        served = {version for version, _m, _r in versions.VERSIONS}
        # Cache API, /images/{id}/locations API, and 2.17.
        self.assertEqual(
            set(), served & {'2.14', '2.15', '2.16', '2.17', '2.18'}
        )
        # /v2/cache answers as upstream's with caching off: 404 only.
        cache_handlers = {
            handler
            for path, methods in router.ROUTES.items()
            if path.startswith('/cache')
            for handler in methods.values()
        }
        self.assertEqual({'cache'}, {h.split('.')[0] for h in cache_handlers})
        self.assertNotIn('/images/{image_id}/locations', router.ROUTES)

    def test_newest_is_current(self):
        document = versions.document(base.make_conf(), 'http://h:9292')
        statuses = [v['status'] for v in document['versions']]
        self.assertEqual(['CURRENT'] + ['SUPPORTED'] * 8, statuses)
        self.assertEqual('v2.9', document['versions'][0]['id'])
        self.assertEqual(
            'http://h:9292/v2/', document['versions'][0]['links'][0]['href']
        )
