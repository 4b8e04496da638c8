"""A multi-tenant swift store through glance-api with Keystone auth.

glance-api runs the keystone paste flavor (keystonemiddleware against the
real Keystone); each image goes, with the caller's token and the Swift
endpoint of the caller's service catalog, to a container of its own in
the owner's Swift account. No token or password shows in any response
body, database row or glance-api log line.
"""

import json
import os
import sqlite3

import requests
import swiftclient
import testtools

from tests.fixtures import keystone as keystone_fixtures
from tests.fixtures import server as server_fixtures
from tests.fixtures import swift as swift_fixtures

MB = 1000 * 1024
TOKEN_MARK = 'gAAAAA'  # how every fernet token starts

CONFIG = """\
[DEFAULT]
enabled_backends = tenants:swift

[glance_store]
default_backend = tenants

[tenants]
swift_store_multi_tenant = true
swift_store_container = glance
swift_store_large_object_size = 1
swift_store_large_object_chunk_size = 1

[paste_deploy]
flavor = keystone

[keystone_authtoken]
www_authenticate_uri = {auth_url}
auth_url = {auth_url}
auth_type = password
username = {user}
password = {password}
project_name = {project}
user_domain_id = default
project_domain_id = default
"""


class MultiTenantSwiftTest(testtools.TestCase):
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
            cls.alice = cls.keystone.create_project_user('alice')
            cls.bob = cls.keystone.create_project_user('bob')
            keystone = cls.keystone
            cls.server = server_fixtures.GlanceAPIServer(
                options={'debug': 'true', 'show_image_direct_url': 'true'},
                stores_config=CONFIG.format(
                    auth_url=keystone.auth_url,
                    user=keystone.admin_user,
                    password=keystone.admin_password,
                    project=keystone.admin_project,
                ),
            )
            cls.server.setUp()
        except BaseException:
            cls.keystone.cleanUp()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanUp()
        cls.swift.cleanUp()
        cls.keystone.cleanUp()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.bodies = []
        self.tokens = {
            user.username: self.keystone.token(user)
            for user in (self.alice, self.bob)
        }

    def request(self, user, method, path, **kwargs):
        headers = dict(kwargs.pop('headers', {}))
        headers['X-Auth-Token'] = self.tokens[user.username]
        response = requests.request(
            method,
            self.server.url + path,
            headers=headers,
            timeout=60,
            **kwargs,
        )
        self.bodies.append(response.text)
        return response

    def account(self, user):
        return swiftclient.Connection(
            session=self.keystone.session(user), retries=0
        )

    def rows(self):
        database = os.path.join(self.server.tmp, 'glance.sqlite')
        with sqlite3.connect(database) as connection:
            found = connection.execute(
                'SELECT image_id, value, meta_data FROM image_locations'
            ).fetchall()
        return {i: (url, json.loads(meta)) for i, url, meta in found}

    def test_images_live_in_their_owners_accounts(self):
        data = os.urandom(2 * MB + 17)
        created = self.request(
            self.alice, 'POST', '/v2/images', json={'name': 'mine'}
        )
        self.assertEqual(201, created.status_code, created.text)
        image_id = created.json()['id']
        uploaded = self.request(
            self.alice,
            'PUT',
            '/v2/images/%s/file' % image_id,
            headers={'Content-Type': 'application/octet-stream'},
            data=data,
        )
        self.assertEqual(204, uploaded.status_code, uploaded.text)

        container = 'glance_' + image_id
        url = '%s/%s/%s' % (
            self.swift.storage_url(self.alice.project_id),
            container,
            image_id,
        )
        self.assertEqual(
            {image_id: ('swift+' + url, {'store': 'tenants'})}, self.rows()
        )
        _, listing = self.account(self.alice).get_container(container)
        self.assertEqual(
            {image_id: 0, image_id + '-00001': MB, image_id + '-00002': MB,
             image_id + '-00003': 17},
            {o['name']: o['bytes'] for o in listing},
        )  # fmt: skip

        downloaded = self.request(
            self.alice, 'GET', '/v2/images/%s/file' % image_id
        )
        self.assertEqual(200, downloaded.status_code, downloaded.text)
        self.assertEqual(data, downloaded.content)
        # Another project sees neither the image nor its container.
        self.assertEqual(
            404,
            self.request(
                self.bob, 'GET', '/v2/images/' + image_id
            ).status_code,
        )
        self.assertRaises(
            swiftclient.ClientException,
            self.account(self.bob).head_container,
            container,
        )

        deleted = self.request(self.alice, 'DELETE', '/v2/images/' + image_id)
        self.assertEqual(204, deleted.status_code, deleted.text)
        _, containers = self.account(self.alice).get_account()
        self.assertNotIn(container, [c['name'] for c in containers])
        self.assert_no_secret()

    def assert_no_secret(self):
        logs = self.server.read_log() + self.server.read_output()
        self.assertIn('DEBUG', logs)
        secrets = [TOKEN_MARK, self.keystone.admin_password]
        secrets += list(self.tokens.values())
        for secret in secrets:
            self.assertFalse([b for b in self.bodies if secret in b])
            self.assertFalse(
                [line for line in logs.splitlines() if secret in line],
                'a glance-api log line holds a secret',
            )
            self.assertNotIn(secret, repr(self.rows()))
