"""Swift stores through the real glance-api, on a real Swift and Keystone.

A legacy single-store swift deployment (reference file, Keystone v3) holds
images written under two references and containers; restarted in
multi-store mode with a swift store per reference and a file store, reads
record the right store. Large images go in segments of 1 MB (1,024,000
bytes) with a short last one; deleting removes them all; a Swift that is
down answers 503 for its images only. Legacy URLs with ``user:key@`` are
never shown and lose the credentials on the upgrade. Every response body,
database row and glance-api log line is searched for the keys and for
Keystone tokens.
"""

import json
import os
import sqlite3
import uuid

import fixtures
import requests
import swiftclient
import testtools

from tests.fixtures import keystone as keystone_fixtures
from tests.fixtures import server as server_fixtures
from tests.fixtures import swift as swift_fixtures
from tests.functional.api import base

MiB = 1024 * 1024
SEGMENT = 1024 * 1000  # glance_store's MB
# Every fernet token starts with the version byte and timestamp: "gAAAAA".
TOKEN_MARK = 'gAAAAA'

SHOW_EVERYTHING = {
    'debug': 'true',
    'show_multiple_locations': 'true',
    'show_image_direct_url': 'true',
}

SEGMENTED = """\
swift_store_large_object_size = 5
swift_store_large_object_chunk_size = 1
"""

LEGACY_BY_REFERENCE = (
    """\
[glance_store]
stores = swift, file
default_store = swift
filesystem_store_datadir = {{tmp}}/images
swift_store_config_file = {refs}
default_swift_reference = {reference}
swift_store_container = {container}
swift_store_create_container_on_put = true
"""
    + SEGMENTED
)

MULTI_BY_REFERENCE = (
    """\
[DEFAULT]
enabled_backends = east:swift, west:swift, local:file

[glance_store]
default_backend = local

[local]
filesystem_store_datadir = {{tmp}}/local

[west]
swift_store_config_file = {refs}
default_swift_reference = ref2
swift_store_container = {west}
swift_store_create_container_on_put = true

[east]
swift_store_config_file = {refs}
default_swift_reference = ref1
swift_store_container = {east}
"""
    + SEGMENTED
)

IN_SECTION = """\
swift_store_auth_version = 3
swift_store_auth_address = {auth}
swift_store_user = east:east
swift_store_key = {key}
swift_store_container = {container}
swift_store_create_container_on_put = true
"""

LEGACY_IN_SECTION = (
    '[glance_store]\nstores = swift\ndefault_store = swift\n' + IN_SECTION
)

MULTI_IN_SECTION = (
    '[DEFAULT]\nenabled_backends = east:swift\n\n[glance_store]\n'
    'default_backend = east\n\n[east]\n' + IN_SECTION
)


def reference(name, user, keystone):
    return (
        '[%s]\nauth_version = 3\nauth_address = %s\nuser = %s:%s\nkey = %s\n'
        'user_domain_id = default\nproject_domain_id = default\n\n'
        % (name, keystone.auth_url, user.project_name, user.username,
           user.password)
    )  # fmt: skip


class SwiftUpgradeTest(testtools.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        reason = (
            swift_fixtures.unavailable_reason()
            or keystone_fixtures.unavailable_reason()
        )
        if reason:
            raise cls.skipException(reason)
        cls.keystone = keystone_fixtures.KeystoneServer()
        cls.keystone.setUp()
        try:
            cls.swift = swift_fixtures.SwiftServer(keystone=cls.keystone)
            cls.swift.setUp()
            cls.keystone.add_endpoint(
                'object-store', cls.swift.url + '/v1/AUTH_$(project_id)s'
            )
            cls.east = cls.keystone.create_project_user('east')
            cls.west = cls.keystone.create_project_user('west')
        except BaseException:
            cls.keystone.cleanUp()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.swift.cleanUp()
        cls.keystone.cleanUp()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        suffix = uuid.uuid4().hex[:8]
        self.containers = {'east': 'east-' + suffix, 'west': 'west-' + suffix}
        self.refs = os.path.join(
            self.useFixture(fixtures.TempDir()).path, 'swift-refs.conf'
        )
        with open(self.refs, 'w') as f:
            f.write(reference('ref1', self.east, self.keystone))
            f.write(reference('ref2', self.west, self.keystone))
        self.bodies = []
        self.server = None

    def start(self, stores_config):
        """Start glance-api, or restart it with other stores."""
        if self.server is None:
            self.server = self.useFixture(
                server_fixtures.GlanceAPIServer(
                    options=SHOW_EVERYTHING, stores_config=stores_config
                )
            )
            self.database = os.path.join(self.server.tmp, 'glance.sqlite')
        else:
            self.server.restart(stores_config=stores_config)

    def by_reference(self, template, reference='ref1', store='east'):
        return template.format(
            refs=self.refs,
            reference=reference,
            container=self.containers[store],
            **self.containers,
        )

    def in_section(self):
        return {
            'auth': self.keystone.auth_url,
            'key': self.east.password,
            'container': self.containers['east'],
        }

    # HTTP and database

    def request(self, method, path, headers=base.ADMIN, **kwargs):
        """Any response; its body is kept for the secret search."""
        response = requests.request(
            method, self.server.url + path, headers=headers, timeout=60,
            **kwargs,
        )  # fmt: skip
        self.bodies.append(response.text)
        return response

    def upload(self, data, store=None, **values):
        created = self.request('POST', '/v2/images', base.OWNER, json=values)
        self.assertEqual(201, created.status_code, created.text)
        image_id = created.json()['id']
        headers = dict(
            base.OWNER, **{'Content-Type': 'application/octet-stream'}
        )
        if store:
            headers['X-Image-Meta-Store'] = store
        uploaded = self.request(
            'PUT', '/v2/images/%s/file' % image_id, headers, data=data
        )
        self.assertEqual(204, uploaded.status_code, uploaded.text)
        return image_id

    def download(self, image_id, status=200):
        response = self.request('GET', '/v2/images/%s/file' % image_id)
        self.assertEqual(status, response.status_code, response.text[:300])
        return response.content

    def sql(self, statement, *args):
        with sqlite3.connect(self.database) as connection:
            return connection.execute(statement, args).fetchall()

    def rows(self):
        """{image id: (url, metadata)} of every active location row."""
        found = self.sql(
            'SELECT image_id, value, meta_data FROM image_locations '
            "WHERE status = 'active'"
        )
        return {image: (url, json.loads(meta)) for image, url, meta in found}

    # Swift, as the accounts' owners see it

    def account(self, user):
        return swiftclient.Connection(
            session=self.keystone.session(user), retries=0
        )

    def objects(self, user, container):
        _, listing = self.account(user).get_container(
            container, full_listing=True
        )
        return {o['name']: o['bytes'] for o in listing}

    def assert_no_secret(self):
        logs = self.server.read_log() + self.server.read_output()
        self.assertIn('DEBUG', logs)  # debug logging was on
        rows = repr(self.sql('SELECT * FROM image_locations'))
        rows += repr(self.sql('SELECT * FROM images'))
        for secret in (self.east.password, self.west.password, TOKEN_MARK):
            self.assertFalse(
                [b for b in self.bodies if secret in b],
                'a response body holds a secret',
            )
            self.assertFalse(
                [line for line in logs.splitlines() if secret in line],
                'a glance-api log line holds a secret',
            )
            self.assertNotIn(secret, rows)

    def test_upgrade_with_two_references_and_a_file_store(self):
        east, west = self.containers['east'], self.containers['west']
        self.start(self.by_reference(LEGACY_BY_REFERENCE))
        five = os.urandom(5 * MiB)
        five_plus = os.urandom(5 * MiB + 1)
        images = {
            'five': (self.upload(five, name='five'), five),
            'five-plus': (self.upload(five_plus, name='5+'), five_plus),
            'small': (self.upload(b'small' * 100, name='s'), b'small' * 100),
        }
        # Later the operator switched the default reference and container.
        self.start(self.by_reference(LEGACY_BY_REFERENCE, 'ref2', 'west'))
        images['west'] = (self.upload(b'west data', name='w'), b'west data')
        legacy_rows = self.rows()
        self.assertEqual(
            {
                image_id: (
                    'swift+config://%s/%s'
                    % (
                        'ref2/' + west if name == 'west' else 'ref1/' + east,
                        image_id,
                    ),
                    {},
                )
                for name, (image_id, _) in images.items()
            },
            legacy_rows,
        )

        # Segments of 1 MB, the last one what is left (5 MiB + 1 byte is
        # 5 segments of 1,024,000 bytes plus 122,881 bytes).
        listed = self.objects(self.east, east)
        for name, tail in (('five', 122880), ('five-plus', 122881)):
            image_id = images[name][0]
            segments = sorted(
                n for n in listed if n.startswith(image_id + '-')
            )
            self.assertEqual(
                [SEGMENT] * 5 + [tail], [listed[n] for n in segments]
            )
        for image_id, data in images.values():
            self.assertEqual(data, self.download(image_id))
        self.assertEqual(legacy_rows, self.rows())

        self.start(self.by_reference(MULTI_BY_REFERENCE))
        listing = self.request('GET', '/v2/images').json()['images']
        expected_store = {
            image_id: 'west' if name == 'west' else 'east'
            for name, (image_id, _) in images.items()
        }
        self.assertEqual(
            expected_store, {i['id']: i['stores'] for i in listing}
        )
        self.assertEqual(
            {
                image_id: (legacy_rows[image_id][0], {'store': store})
                for image_id, store in expected_store.items()
            },
            self.rows(),
        )
        for image_id, data in images.values():
            self.assertEqual(data, self.download(image_id))

        detail = self.request('GET', '/v2/info/stores/detail').json()
        east_detail = [s for s in detail['stores'] if s['id'] == 'east'][0]
        self.assertEqual(
            # In bytes, as upstream (glance_store's MB is 1,024,000 bytes).
            {'container': east, 'large_object_size': 5 * 1024000,
             'large_object_chunk_size': 1024000},
            east_detail['properties'],
        )  # fmt: skip

        # New data goes where it is asked to.
        local = self.upload(b'local data', name='l')
        to_west = self.upload(b'to west', store='west', name='tw')
        rows = self.rows()
        self.assertEqual({'store': 'local'}, rows[local][1])
        self.assertEqual(
            ('swift+config://ref2/%s/%s' % (west, to_west), {'store': 'west'}),
            rows[to_west],
        )
        self.assertEqual(7, self.objects(self.west, west)[to_west])
        self.assertEqual(b'to west', self.download(to_west))

        # Deleting removes the manifest and every segment.
        five_id = images['five'][0]
        deleted = self.request('DELETE', '/v2/images/' + five_id)
        self.assertEqual(204, deleted.status_code, deleted.text)
        left = self.objects(self.east, east)
        self.assertEqual([], [n for n in left if n.startswith(five_id)])

        # Swift down: its images are unavailable, the file store's are not.
        self.swift.stop_proxy()
        try:
            self.download(images['small'][0], status=503)
            self.assertEqual(b'local data', self.download(local))
        finally:
            self.swift.start_proxy()
        self.assertEqual(b'small' * 100, self.download(images['small'][0]))
        self.assert_no_secret()

    def test_credentials_in_legacy_urls_are_never_shown_and_dropped(self):
        self.start(LEGACY_IN_SECTION.format(**self.in_section()))
        host = self.keystone.auth_url.removeprefix('http://')
        container = self.containers['east']
        data = {self.upload(b'data %d' % n, name=str(n)): b'data %d' % n
                for n in range(3)}  # fmt: skip
        clean = {
            image_id: 'swift+http://%s/%s/%s' % (host, container, image_id)
            for image_id in data
        }
        self.assertEqual({i: (u, {}) for i, u in clean.items()}, self.rows())
        # Rows as upstream wrote them with credentials in the section.
        for image_id, url in clean.items():
            self.sql(
                'UPDATE image_locations SET value = ? WHERE image_id = ?',
                url.replace('//', '//east:east:%s@' % self.east.password, 1),
                image_id,
            )
        legacy_rows = self.rows()
        self.assertIn(self.east.password, repr(legacy_rows))

        some = next(iter(data))
        shown = self.request('GET', '/v2/images/' + some).json()
        self.assertEqual(clean[some], shown['direct_url'])
        self.assertEqual(
            [clean[some]], [loc['url'] for loc in shown['locations']]
        )
        for image_id, content in data.items():
            self.assertEqual(content, self.download(image_id))
        self.assertEqual(legacy_rows, self.rows())

        self.start(MULTI_IN_SECTION.format(**self.in_section()))
        listing = self.request('GET', '/v2/images').json()['images']
        self.assertEqual({'east'}, {image['stores'] for image in listing})
        self.assertEqual(
            {i: (url, {'store': 'east'}) for i, url in clean.items()},
            self.rows(),
        )
        for image_id, content in data.items():
            self.assertEqual(content, self.download(image_id))
        self.assert_no_secret()
