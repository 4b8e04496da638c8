"""Input no database stores, or no parser should read, is a 400 in our
error format before any statement runs: the same on SQLite and MariaDB.

The real glance-api on each engine; after each refusal the tables show
that nothing was written.
"""

import http.client
import json
import socket

import requests
import sqlalchemy as sa
import testtools

from tests.fixtures import server as server_fixtures
from tests.functional.db import base as db_base

JSON = {'Accept': 'application/json'}
PATCH = dict(
    JSON, **{'Content-Type': 'application/openstack-images-v2.1-json-patch'}
)
GRINNING = '\U0001f600'  # 4 bytes in UTF-8


class InputBoundsTest(testtools.TestCase):
    BACKEND = 'sqlite'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.database = db_base.Database(cls.BACKEND)
        cls.database.setUp()
        try:
            cls.server = server_fixtures.GlanceAPIServer(
                connection=cls.database.url
            )
            cls.server.setUp()
        except Exception:
            cls.database.cleanUp()
            raise
        cls.engine = sa.create_engine(cls.database.url)

    @classmethod
    def tearDownClass(cls):
        cls.engine.dispose()
        cls.server.cleanUp()
        cls.database.cleanUp()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.before = self.table_counts()

    def sql(self, statement, **params):
        with self.engine.begin() as connection:
            return connection.execute(sa.text(statement), params).fetchall()

    def table_counts(self):
        return {
            table: self.sql('SELECT COUNT(*) FROM %s' % table)[0][0]
            for table in (
                'images',
                'image_properties',
                'image_tags',
                'image_members',
                'image_locations',
                'metadef_namespaces',
            )
        }

    def assertNothingWritten(self):
        self.assertEqual(self.before, self.table_counts())

    def request(self, method, path, **kwargs):
        headers = dict(JSON, **kwargs.pop('headers', {}))
        return requests.request(
            method,
            self.server.url + path,
            headers=headers,
            timeout=30,
            **kwargs,
        )

    def raw_request(self, method, target, body=None, headers=None):
        """``target`` sent as is (requests would re-quote it)."""
        connection = http.client.HTTPConnection(
            '127.0.0.1', self.server.port, timeout=30
        )
        self.addCleanup(connection.close)
        connection.request(method, target, body, dict(JSON, **(headers or {})))
        response = connection.getresponse()
        return response.status, response.read()

    def assertRefused(self, response, message, status=400):
        self.assertEqual(status, response.status_code, response.text)
        self.assertEqual(response.headers['Content-Type'], 'application/json')
        self.assertIn(message, response.json()['message'])

    def create(self, **values):
        response = self.request('POST', '/v2/images', json=values)
        self.assertEqual(201, response.status_code, response.text)
        image = response.json()
        self.addCleanup(self.request, 'DELETE', '/v2/images/' + image['id'])
        return image

    def test_url_not_utf8_or_badly_escaped(self):
        image = self.create(name='exists')
        self.before = self.table_counts()
        cases = [
            ('GET', '/v2/images/%ff', 'not valid UTF-8'),
            ('GET', '/v2/images/%ed%a0%80', 'not valid UTF-8'),  # surrogate
            ('GET', '/v2/images?name=%ff', 'not valid UTF-8'),
            ('GET', '/v2/images?name%c3=x', 'not valid UTF-8'),
            ('GET', '/v2/images/%zz', 'percent-encoding'),
            ('GET', '/v2/images?name=%', 'percent-encoding'),
            ('GET', '/v2/images/%00', 'NUL'),
            ('GET', '/v2/images?name=a%00', 'NUL'),
            ('PUT', '/v2/images/%s/tags/%%ff' % image['id'], 'UTF-8'),
            ('DELETE', '/v2/images/%s/members/%%c3' % image['id'], 'UTF-8'),
            ('GET', '/v2/metadefs/namespaces/%fe', 'UTF-8'),
            ('GET', '/versions?x=%ff', 'UTF-8'),
        ]
        for method, target, message in cases:
            status, body = self.raw_request(method, target)
            self.assertEqual(400, status, target)
            self.assertIn(message, json.loads(body)['message'], target)
        self.assertNothingWritten()
        self.assertEqual(
            ['exists'],
            [self.request('GET', '/v2/images/' + image['id']).json()['name']],
        )

    def test_min_disk_and_min_ram_bounded_to_int32(self):
        for name in ('min_disk', 'min_ram'):
            for value in (2**31, 2**63, 10**30):
                response = self.request(
                    'POST', '/v2/images', json={name: value}
                )
                self.assertRefused(
                    response,
                    "'%s' value out of range, must not exceed 2147483647."
                    % name,
                )
        self.assertNothingWritten()
        image = self.create(min_disk=2**31 - 1, min_ram=2**31 - 1)
        response = self.request(
            'PATCH',
            '/v2/images/' + image['id'],
            headers=PATCH,
            data=json.dumps(
                [{'op': 'replace', 'path': '/min_ram', 'value': 2**31}]
            ),
        )
        self.assertRefused(response, "'min_ram' value out of range")
        self.assertEqual(
            [(2**31 - 1, 2**31 - 1)],
            self.sql(
                'SELECT min_disk, min_ram FROM images WHERE id = :id',
                id=image['id'],
            ),
        )

    def test_integer_filters_bounded(self):
        response = self.request('GET', '/v2/images?size_min=%d' % 2**64)
        self.assertRefused(response, 'size_min must be an integer')
        response = self.request('GET', '/v2/images?min_disk=-%d' % 2**70)
        self.assertRefused(response, 'min_disk must be an integer')

    def test_json_too_deep_lone_surrogate_nul(self):
        cases = [
            ('{"a": ' * 3000 + '1' + '}' * 3000, 'nested deeper than 32'),
            ('[' * 40 + ']' * 40, 'nested deeper than 32'),
            ('{"name": "\\ud800"}', 'lone surrogates'),
            ('{"x": "\\udc00 trailing"}', 'lone surrogates'),
            ('{"\\ud800": "key"}', 'lone surrogates'),
            ('{"name": "a\\u0000b"}', 'NUL'),
        ]
        for body, message in cases:
            response = self.request(
                'POST',
                '/v2/images',
                data=body,
                headers={'Content-Type': 'application/json'},
            )
            self.assertRefused(response, message)
        self.assertNothingWritten()
        image = self.create()
        self.before = self.table_counts()
        response = self.request(
            'PATCH',
            '/v2/images/' + image['id'],
            headers=PATCH,
            data='[' * 3000 + ']' * 3000,
        )
        self.assertRefused(response, 'nested deeper than 32')
        self.assertNothingWritten()

    def test_body_shorter_than_content_length(self):
        body = b'{"name": "cut"}'
        with socket.create_connection(('127.0.0.1', self.server.port)) as s:
            s.settimeout(30)
            s.sendall(
                b'POST /v2/images HTTP/1.1\r\nHost: x\r\n'
                b'Accept: application/json\r\n'
                b'Content-Type: application/json\r\n'
                b'Content-Length: %d\r\n\r\n' % (len(body) + 100) + body
            )
            s.shutdown(socket.SHUT_WR)
            answer = b''
            while chunk := s.recv(65536):
                answer += chunk
        # Either a 400 or the connection closed without an answer.
        if answer:
            self.assertTrue(answer.startswith(b'HTTP/1.1 400'), answer)
            self.assertIn(b'ended before its Content-Length', answer)
        self.assertNothingWritten()
        self.assertEqual(
            [], self.sql("SELECT id FROM images WHERE name = 'cut'")
        )
        self.assertEqual(200, self.request('GET', '/v2/images').status_code)

    def test_4byte_utf8_refused_with_upstream_messages(self):
        cases = [
            (
                {'name': 'a' + GRINNING},
                "Name can't contain 4 byte unicode characters.",
            ),
            (
                {'os_distro': GRINNING},
                "Os_Distro can't contain 4 byte unicode characters.",
            ),
            ({GRINNING: 'v'}, "Property names can't contain 4 byte unicode."),
            (
                {'tags': ['ok', GRINNING]},
                "Param values can't contain 4 byte unicode.",
            ),
        ]
        for values, message in cases:
            self.assertRefused(
                self.request('POST', '/v2/images', json=values), message
            )
        image = self.create(name='plain', visibility='shared')
        self.before = self.table_counts()
        operations = [
            (
                [{'op': 'replace', 'path': '/name', 'value': GRINNING}],
                "Name can't",
            ),
            ([{'op': 'add', 'path': '/p', 'value': GRINNING}], "P can't"),
            (
                [{'op': 'add', 'path': '/' + GRINNING, 'value': 'v'}],
                'Property names',
            ),
            (
                [{'op': 'add', 'path': '/tags', 'value': [GRINNING]}],
                'Param values',
            ),
        ]
        for operation, message in operations:
            response = self.request(
                'PATCH',
                '/v2/images/' + image['id'],
                headers=PATCH,
                data=json.dumps(operation),
            )
            self.assertRefused(response, message)
        path = '/v2/images/%s/tags/%s' % (image['id'], GRINNING)
        self.assertRefused(
            self.request('PUT', path), "Param values can't contain 4 byte"
        )
        response = self.request(
            'POST',
            '/v2/images/%s/members' % image['id'],
            json={'member': 'project' + GRINNING},
        )
        self.assertRefused(
            response, "Member can't contain 4 byte unicode characters."
        )
        for document in (
            {'namespace': 'ns' + GRINNING},
            {'namespace': 'ns', 'description': GRINNING},
            {'namespace': 'ns', 'objects': [{'name': GRINNING}]},
            {'namespace': 'ns', 'tags': [{'name': GRINNING}]},
        ):
            response = self.request(
                'POST', '/v2/metadefs/namespaces', json=document
            )
            self.assertRefused(response, "can't contain 4 byte unicode")
        self.assertNothingWritten()
        self.assertEqual(
            [('plain',)],
            self.sql('SELECT name FROM images WHERE id = :id', id=image['id']),
        )
        # Three-byte characters are fine everywhere.
        snowman = '\u2603'
        self.create(name=snowman, tags=[snowman], **{snowman: snowman})

    def test_property_name_over_255_characters(self):
        message = 'Custom property should not be greater than 255 characters.'
        self.assertRefused(
            self.request('POST', '/v2/images', json={'p' * 256: 'v'}), message
        )
        image = self.create(**{'p' * 255: 'v'})
        self.before = self.table_counts()
        response = self.request(
            'PATCH',
            '/v2/images/' + image['id'],
            headers=PATCH,
            data=json.dumps(
                [{'op': 'add', 'path': '/' + 'q' * 256, 'value': 'v'}]
            ),
        )
        self.assertRefused(response, message)
        self.assertNothingWritten()
        self.assertEqual(
            [('p' * 255,)],
            self.sql(
                'SELECT name FROM image_properties WHERE image_id = :id',
                id=image['id'],
            ),
        )

    def test_member_id_over_255_characters(self):
        image = self.create(visibility='shared')
        self.before = self.table_counts()
        response = self.request(
            'POST',
            '/v2/images/%s/members' % image['id'],
            json={'member': 'm' * 256},
        )
        self.assertRefused(response, 'is too long')
        self.assertNothingWritten()

    def test_path_variables_decoded_as_utf8(self):
        image = self.create()
        snowman = '\u2603'
        response = self.request(
            'PUT', '/v2/images/%s/tags/%s' % (image['id'], snowman)
        )
        self.assertEqual(204, response.status_code, response.text)
        self.assertEqual(
            [(snowman,)],
            self.sql(
                'SELECT value FROM image_tags WHERE image_id = :id',
                id=image['id'],
            ),
        )
        shown = self.request('GET', '/v2/images/' + image['id']).json()
        self.assertEqual([snowman], shown['tags'])
        response = self.request(
            'DELETE', '/v2/images/%s/tags/%s' % (image['id'], snowman)
        )
        self.assertEqual(204, response.status_code, response.text)


class InputBoundsMariaDBTest(InputBoundsTest):
    BACKEND = 'mysql'
