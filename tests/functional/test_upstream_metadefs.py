"""A catalog loaded by upstream Glance 33 is served unchanged by ours.

Upstream's own ``glance-manage`` (PyPI, in the venv that
``tools/backends/upstream-glance.sh`` installs) creates a SQLite database
with ``db_sync`` and fills it with ``db_load_metadefs`` from the catalog
its package ships; our ``glance-manage db sync`` adopts that database and
our glance-api must answer every namespace as upstream's files define it.
"""

import json
import os
import subprocess

import fixtures
import requests
import testtools

from tests.fixtures import server as server_fixtures

UPSTREAM = os.path.join(
    server_fixtures.REPO_ROOT, '.backends', 'upstream-glance'
)
UPSTREAM_MANAGE = os.path.join(UPSTREAM, 'bin', 'glance-manage')
UPSTREAM_CATALOG = os.path.join(UPSTREAM, 'etc', 'glance', 'metadefs')
NAMESPACE_FIELDS = ('display_name', 'description', 'visibility', 'protected')


def upstream_files():
    documents = []
    for name in sorted(os.listdir(UPSTREAM_CATALOG)):
        if name.endswith('.json'):
            with open(os.path.join(UPSTREAM_CATALOG, name)) as source:
                documents.append(json.load(source))
    return documents


class UpstreamCatalogTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        if not os.path.exists(UPSTREAM_MANAGE):
            self.skipTest(
                'upstream glance is not installed: run '
                'bash tools/backends/upstream-glance.sh install'
            )
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.connection = 'sqlite:///%s/upstream.sqlite' % self.tmp
        config = os.path.join(self.tmp, 'upstream-glance-api.conf')
        with open(config, 'w') as output:
            output.write('[database]\nconnection = %s\n' % self.connection)
        for command in (
            ['db_sync'],
            ['db_load_metadefs', UPSTREAM_CATALOG],
        ):
            subprocess.run(
                [UPSTREAM_MANAGE, '--config-file', config] + command,
                cwd=self.tmp,
                check=True,
                capture_output=True,
                timeout=600,
            )
        self.server = self.useFixture(
            server_fixtures.GlanceAPIServer(connection=self.connection)
        )

    def get(self, path):
        response = requests.get(self.server.url + path, timeout=30)
        self.assertEqual(200, response.status_code, response.text)
        return response.json()

    def test_every_upstream_namespace_is_served_as_its_file_says(self):
        files = upstream_files()
        self.assertGreater(len(files), 10)
        listed = self.get('/v2/metadefs/namespaces?limit=1000')['namespaces']
        self.assertEqual(
            sorted(f['namespace'] for f in files),
            sorted(n['namespace'] for n in listed),
        )
        for document in files:
            name = document['namespace']
            shown = self.get('/v2/metadefs/namespaces/' + name)
            for field in NAMESPACE_FIELDS:
                self.assertEqual(
                    document.get(field), shown.get(field), (name, field)
                )
            self.assertEqual(document.get('owner', 'admin'), shown['owner'])
            self.assertEqual(
                document.get('properties', {}),
                shown.get('properties', {}),
                name,
            )
            self.assertEqual(
                {
                    o['name']: (o.get('description'), o.get('properties'))
                    for o in document.get('objects', [])
                },
                {
                    o['name']: (o.get('description'), o.get('properties'))
                    for o in shown.get('objects', [])
                },
                name,
            )
            self.assertEqual(
                sorted(t['name'] for t in document.get('tags', [])),
                sorted(t['name'] for t in shown.get('tags', [])),
                name,
            )
            self.assertEqual(
                sorted(
                    (a['name'], a.get('prefix'), a.get('properties_target'))
                    for a in document.get('resource_type_associations', [])
                ),
                sorted(
                    (a['name'], a.get('prefix'), a.get('properties_target'))
                    for a in shown.get('resource_type_associations', [])
                ),
                name,
            )
