"""glance-manage load/unload/export_metadefs against a real server's DB.

The tests write their own files in upstream's format, load them with the
command, read them back through the API, and export them again.
"""

import json
import os
import subprocess
import sys

import fixtures
import requests
import testtools

from tests.fixtures import server as server_fixtures

CATALOG = os.path.join(server_fixtures.REPO_ROOT, 'etc', 'metadefs')


def compute_namespace(**changes):
    document = {
        'namespace': 'Test::Compute',
        'display_name': 'Compute tuning',
        'description': 'Knobs',
        'visibility': 'public',
        'protected': True,
        'resource_type_associations': [
            {'name': 'OS::Glance::Image', 'prefix': 'hw_'},
            {'name': 'OS::Nova::Flavor', 'prefix': 'hw:'},
        ],
        'properties': {
            'watchdog': {
                'title': 'Watchdog',
                'type': 'string',
                'enum': ['reset', 'poweroff'],
            }
        },
        'objects': [
            {
                'name': 'NUMA',
                'description': 'NUMA layout',
                'required': ['numa_nodes'],
                'properties': {
                    'numa_nodes': {'title': 'Nodes', 'type': 'integer'}
                },
            }
        ],
        'tags': [{'name': 'tuning'}],
    }
    document.update(changes)
    return document


def private_namespace():
    return {
        'namespace': 'Test::Private',
        'visibility': 'private',
        'owner': 'some-project',
        'properties': {'x': {'title': 'X', 'type': 'boolean'}},
    }


class ManageMetadefsTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.server = self.useFixture(server_fixtures.GlanceAPIServer())
        self.files = self.useFixture(fixtures.TempDir()).path

    def manage(self, *args):
        return subprocess.run(
            [sys.executable, '-m', 'glance.cmd.manage']
            + ['--config-file', self.server.config_path]
            + list(args),
            cwd=self.server.tmp,
            env=dict(os.environ, PYTHONPATH=server_fixtures.REPO_ROOT),
            capture_output=True,
            text=True,
        )

    def write(self, directory, document, name=None):
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, name or document['namespace'] + '.json')
        with open(path, 'w') as output:
            json.dump(document, output)
        return path

    def get(self, path):
        response = requests.get(self.server.url + path, timeout=30)
        self.assertEqual(200, response.status_code, response.text)
        return response.json()

    def exported(self, directory):
        documents = {}
        for name in sorted(os.listdir(directory)):
            with open(os.path.join(directory, name)) as source:
                document = json.load(source)
            documents[document['namespace']] = document
        return documents

    def test_load_export_unload_round_trip(self):
        source = os.path.join(self.files, 'in')
        self.write(source, compute_namespace())
        self.write(source, private_namespace())
        result = self.manage('db', 'load_metadefs', '--path', source)
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertIn('Test::Compute created', result.stdout)

        shown = self.get('/v2/metadefs/namespaces/Test::Compute')
        self.assertEqual('admin', shown['owner'])
        self.assertTrue(shown['protected'])
        self.assertEqual(['NUMA'], [o['name'] for o in shown['objects']])
        self.assertEqual(['numa_nodes'], shown['objects'][0]['required'])
        flavor = self.get(
            '/v2/metadefs/namespaces/Test::Compute?resource_type=OS::Nova::Flavor'
        )
        self.assertEqual(['hw:watchdog'], list(flavor['properties']))
        private = self.get('/v2/metadefs/namespaces/Test::Private')
        self.assertEqual('some-project', private['owner'])

        first = os.path.join(self.files, 'first')
        result = self.manage('db', 'export_metadefs', '--path', first)
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual(
            ['Test-Compute.json', 'Test-Private.json'],
            sorted(os.listdir(first)),
        )
        exported = self.exported(first)
        self.assertEqual(
            dict(compute_namespace(), owner='admin'), exported['Test::Compute']
        )
        # Fields the file leaves out are written with their defaults.
        self.assertEqual(
            dict(private_namespace(), protected=False),
            exported['Test::Private'],
        )

        result = self.manage('db', 'unload_metadefs')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertIn('Removed 2', result.stdout)
        listed = self.get('/v2/metadefs/namespaces')
        self.assertEqual([], listed['namespaces'])
        self.assertEqual(
            [], self.get('/v2/metadefs/resource_types')['resource_types']
        )

        self.assertEqual(
            0, self.manage('db', 'load_metadefs', '--path', first).returncode
        )
        second = os.path.join(self.files, 'second')
        self.manage('db', 'export_metadefs', '--path', second)
        self.assertEqual(exported, self.exported(second))

    def test_existing_namespaces_skip_merge_prefer_new_overwrite(self):
        source = os.path.join(self.files, 'in')
        path = self.write(source, compute_namespace())
        self.manage('db', 'load_metadefs', '--path', source)
        changed = compute_namespace(
            display_name='Renamed',
            properties={
                'watchdog': {'title': 'Dog', 'type': 'string'},
                'pmu': {'title': 'PMU', 'type': 'boolean'},
            },
            tags=[{'name': 'other'}],
        )
        self.write(source, changed, os.path.basename(path))

        result = self.manage('db', 'load_metadefs', '--path', source)
        self.assertIn('Test::Compute skipped', result.stdout)
        shown = self.get('/v2/metadefs/namespaces/Test::Compute')
        self.assertEqual({'watchdog'}, set(shown['properties']))

        self.manage('db', 'load_metadefs', '--path', source, '--merge')
        shown = self.get('/v2/metadefs/namespaces/Test::Compute')
        self.assertEqual('Compute tuning', shown['display_name'])
        self.assertEqual({'watchdog', 'pmu'}, set(shown['properties']))
        self.assertEqual('Watchdog', shown['properties']['watchdog']['title'])
        self.assertEqual(
            {'tuning', 'other'}, {t['name'] for t in shown['tags']}
        )

        self.manage(
            'db', 'load_metadefs', '--path', source, '--merge', '--prefer_new'
        )
        shown = self.get('/v2/metadefs/namespaces/Test::Compute')
        self.assertEqual('Renamed', shown['display_name'])
        self.assertEqual('Dog', shown['properties']['watchdog']['title'])

        self.manage(
            'db',
            'load_metadefs',
            '--path',
            source,
            '--merge',
            '--prefer_new',
            '--overwrite',
        )
        shown = self.get('/v2/metadefs/namespaces/Test::Compute')
        self.assertEqual(['other'], [t['name'] for t in shown['tags']])
        self.assertEqual(['NUMA'], [o['name'] for o in shown['objects']])

    def test_a_bad_file_loads_nothing(self):
        source = os.path.join(self.files, 'in')
        self.write(source, compute_namespace())
        with open(os.path.join(source, 'zz-broken.json'), 'w') as broken:
            broken.write('{"namespace": ')
        result = self.manage('db', 'load_metadefs', '--path', source)
        self.assertEqual(1, result.returncode)
        self.assertIn('zz-broken.json', result.stderr)
        self.assertEqual([], self.get('/v2/metadefs/namespaces')['namespaces'])
        self.write(source, {'display_name': 'no name'}, 'zz-broken.json')
        result = self.manage('db', 'load_metadefs', '--path', source)
        self.assertEqual(1, result.returncode)
        self.assertIn("'namespace' is a required property", result.stderr)
        result = self.manage(
            'db', 'load_metadefs', '--path', os.path.join(self.files, 'none')
        )
        self.assertEqual(1, result.returncode)

    def test_shipped_catalog_loads(self):
        result = self.manage('db', 'load_metadefs', '--path', CATALOG)
        self.assertEqual(0, result.returncode, result.stderr)
        listed = self.get('/v2/metadefs/namespaces')['namespaces']
        self.assertEqual(
            len([n for n in os.listdir(CATALOG) if n.endswith('.json')]),
            len(listed),
        )
        types = {
            t['name']
            for t in self.get('/v2/metadefs/resource_types')['resource_types']
        }
        self.assertLessEqual(
            {'OS::Glance::Image', 'OS::Cinder::Volume', 'OS::Nova::Flavor'},
            types,
        )
