"""A seeded generator of hostile requests over the v2 route table.

``Fuzzer(seed)`` yields ``Request``s: every route of
``glance.api.v2.router.ROUTES`` (and methods and paths it does not know),
path variables from the ids the run created or from odd strings (long,
4-byte UTF-8, escapes that are no UTF-8, NUL, dot segments), query strings
of known and unknown names, and bodies that are near-valid documents,
mutations of them, random JSON, deep nesting or no JSON at all, under
several identities. One seed gives the same requests, whatever the
server answers (the well-formed creations name their own ids).

Every URL a request asks glance-api to fetch (web-download, task imports,
http locations) names 127.0.0.1; the server's import filter in the test
allows that host only, so nothing is resolved or fetched elsewhere.
"""

import dataclasses
import json
import random
import re
import urllib.parse
import uuid

from glance.api.v2 import patch
from glance.api.v2 import router
from glance.schemas import metadefs as metadef_schemas

PATCH_TYPES = (
    'application/openstack-images-v2.1-json-patch',
    'application/openstack-images-v2.0-json-patch',
)
OCTET = 'application/octet-stream'
IDENTITIES = (
    {},  # admin of the default project
    {'X-Project-Id': 'fuzz-owner', 'X-Roles': 'member'},
    {'X-Project-Id': 'fuzz-other', 'X-Roles': 'member,reader'},
    {'X-Project-Id': 'fuzz-reader', 'X-Roles': 'reader'},
    {'X-Project-Id': 'fuzz-owner', 'X-Roles': 'admin', 'X-User-Id': 'u'},
    {'X-Roles': ''},
)
STORES = ('fast', 'cheap', 'missing', 'os_glance_staging_store')
FETCH_URLS = (
    'http://127.0.0.1:9/image',  # nothing listens on discard
    'http://127.0.0.1/',
    'https://127.0.0.1:1/x',
    'ftp://127.0.0.1/x',
    'file:///etc/passwd',
    'filesystem:///etc/passwd',
    'swift+config://ref1/c/o',
    'rbd://fsid/pool/image/snap',
    'cinder://00000000-0000-0000-0000-000000000000',
    'http://',
    'http://[::1',
    'https://[zz]/',
    'http://a:b@[::1/',
    'http://127.0.0.1:99999/',
    'not a url',
    '',
)
IMAGE_FIELDS = tuple(sorted(patch.WRITABLE_COLUMNS)) + (
    'tags',
    'id',
    'status',
    'size',
    'checksum',
    'locations',
    'os_glance_import_task',
    'kernel_id',
)
QUERY_NAMES = (
    'limit',
    'marker',
    'sort_key',
    'sort_dir',
    'sort',
    'name',
    'visibility',
    'status',
    'tag',
    'size_min',
    'size_max',
    'min_disk',
    'member_status',
    'created_at',
    'updated_at',
    'os_hidden',
    'protected',
    'owner',
    'id',
    'disk_format',
    'resource_types',
    'resource_type',
    'namespace',
    'type',
    'all_stores',
)


@dataclasses.dataclass
class Request:
    method: str
    target: str  # path and query, percent-encoded, ASCII
    headers: dict
    body: bytes = b''
    # Send only this many bytes of the body, then half-close: the body is
    # shorter than its Content-Length (a closed connection is a fair
    # answer to that).
    truncate_at: int | None = None
    route: str = ''


class Fuzzer:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.routes = [
            (path, method)
            for path, methods in router.ROUTES.items()
            for method in methods
        ]
        self.images = []
        self.namespaces = ['OS::Compute::Fuzz']

    def next_request(self):
        rng = self.rng
        if rng.random() < 0.25:
            return self._valid_request()
        roll = rng.random()
        if roll < 0.03:
            path, method = (
                rng.choice(
                    [
                        '/nope',
                        '/images/x/y/z',
                        '/metadefs',
                        '/info/nothing',
                        '',
                    ]
                ),
                rng.choice(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
            )
        else:
            path, method = rng.choice(self.routes)
            if roll < 0.08:  # a method the route does not take (405)
                method = rng.choice(
                    [
                        'GET',
                        'POST',
                        'PUT',
                        'PATCH',
                        'DELETE',
                        'HEAD',
                        'OPTIONS',
                    ]
                )
        target = '/v2' + self._fill(path) + self._query(path)
        if rng.random() < 0.02:
            target = rng.choice(
                [
                    '/',
                    '/versions',
                    '/v2',
                    '/v1/images',
                    '/v2.9/images',
                    '/healthcheck',
                ]
            ) + self._query(path)
        headers = dict(rng.choice(IDENTITIES))
        headers['Accept'] = rng.choice(
            ['application/json'] * 8 + ['*/*', 'text/html', 'text/plain']
        )
        body, content_type = self._body(path, method)
        if content_type is not None:
            headers['Content-Type'] = content_type
        if rng.random() < 0.1:
            headers['X-Image-Meta-Store'] = rng.choice(STORES + ('',))
        if rng.random() < 0.05:
            headers['X-Openstack-Append'] = rng.choice(['true', 'nope'])
        truncate_at = None
        if body and rng.random() < 0.04:
            truncate_at = rng.randrange(len(body))
        return Request(method, target, headers, body, truncate_at, path)

    # Well-formed requests, so that later ones find images with data,
    # staged data, members, namespaces and tasks to trip over.
    def _valid_request(self):
        rng = self.rng
        image_id = rng.choice(self.images) if self.images else None
        kinds = ['create', 'namespace', 'task']
        if image_id is not None:
            kinds += ['upload'] * 3 + ['stage', 'import', 'copy', 'member']
            kinds += ['location', 'patch', 'delete', 'download', 'tag']
        kind = rng.choice(kinds)
        admin = {'Accept': 'application/json'}
        as_json = dict(admin, **{'Content-Type': 'application/json'})
        base = '/v2/images/%s' % image_id
        if kind == 'create':
            values = {
                'name': 'fuzz-%d' % rng.randrange(10**6),
                'disk_format': 'raw',
                'container_format': 'bare',
                'visibility': rng.choice(['shared', 'public', 'private']),
            }
            if rng.random() < 0.3:
                values.update(self._image_values())
            # Ids of our own: the next requests do not depend on answers.
            values['id'] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            self.images.append(values['id'])
            return Request(
                'POST', '/v2/images', as_json, _dump(values), None, '/images'
            )
        if kind in ('upload', 'stage'):
            data = rng.randbytes(rng.choice([0, 1, 1000, 70000]))
            headers = dict(admin, **{'Content-Type': OCTET})
            if rng.random() < 0.3:
                headers['X-Image-Meta-Store'] = rng.choice(STORES)
            truncate_at = None
            if data and rng.random() < 0.1:
                truncate_at = rng.randrange(len(data))
            route = '/images/{image_id}/' + (
                'file' if kind == 'upload' else 'stage'
            )
            return Request(
                'PUT',
                base + route[len('/images/{image_id}') :],
                headers,
                data,
                truncate_at,
                route,
            )
        if kind in ('import', 'copy'):
            body = {'method': {'name': 'glance-direct'}}
            if kind == 'copy':
                body = {
                    'method': {'name': 'copy-image'},
                    'stores': rng.sample(['fast', 'cheap'], rng.randint(1, 2)),
                }
            elif rng.random() < 0.3:
                body = {
                    'method': {
                        'name': 'web-download',
                        'uri': rng.choice(FETCH_URLS[:3]),
                    }
                }
            return Request(
                'POST',
                base + '/import',
                as_json,
                _dump(body),
                None,
                '/images/{image_id}/import',
            )
        if kind == 'member':
            body = {'member': rng.choice(['fuzz-other', 'fuzz-reader'])}
            return Request(
                'POST',
                base + '/members',
                as_json,
                _dump(body),
                None,
                '/images/{image_id}/members',
            )
        if kind == 'delete':
            return Request(
                'DELETE', base, admin, b'', None, '/images/{image_id}'
            )
        if kind == 'download':
            return Request(
                'GET',
                base + '/file',
                admin,
                b'',
                None,
                '/images/{image_id}/file',
            )
        if kind == 'tag':
            target = base + '/tags/' + _quote(self._text() or 't')
            return Request(
                rng.choice(['PUT', 'DELETE']),
                target,
                admin,
                b'',
                None,
                '/images/{image_id}/tags/{tag_value}',
            )
        if kind == 'namespace':
            self.namespaces.append('Fuzz::%d' % rng.randrange(10**6))
            body = {
                'namespace': self.namespaces[-1],
                'visibility': 'public',
                'properties': {'p': {'title': 'P', 'type': 'string'}},
                'objects': [
                    {
                        'name': 'o',
                        'properties': {
                            'q': {
                                'title': 'Q',
                                'type': 'integer',
                                'minimum': 0,
                            }
                        },
                    }
                ],
                'tags': [{'name': 't'}],
                'resource_type_associations': [
                    {'name': 'OS::Glance::Image', 'prefix': 'fuzz_'}
                ],
            }
            return Request(
                'POST',
                '/v2/metadefs/namespaces',
                as_json,
                _dump(body),
                None,
                '/metadefs/namespaces',
            )
        if kind == 'task':
            body = {
                'type': 'import',
                'input': {
                    'import_from': rng.choice(FETCH_URLS[:3]),
                    'import_from_format': 'raw',
                    'image_properties': {
                        'disk_format': 'raw',
                        'container_format': 'bare',
                    },
                },
            }
            return Request(
                'POST', '/v2/tasks', as_json, _dump(body), None, '/tasks'
            )
        if kind == 'location':
            operations = [
                {
                    'op': 'add',
                    'path': '/locations/-',
                    'value': {'url': rng.choice(FETCH_URLS), 'metadata': {}},
                }
            ]
        else:  # 'patch'
            operations = [self._patch_op() for _ in range(rng.randint(1, 3))]
        headers = dict(admin, **{'Content-Type': PATCH_TYPES[0]})
        return Request(
            'PATCH',
            base,
            headers,
            _dump(operations),
            None,
            '/images/{image_id}',
        )

    # Paths and queries.
    def _fill(self, path):
        def value(match):
            return self._path_value(match.group(1))

        return re.sub(r'\{(\w+)\}', value, path)

    def _path_value(self, name):
        rng = self.rng
        pools = {
            'image_id': self.images,
            'namespace_name': self.namespaces,
            'store_id': list(STORES),
            'schema_name': sorted(metadef_schemas.SERVED),
            'member_id': ['fuzz-other', 'fuzz-owner', 'default'],
            'resource_type': ['OS::Glance::Image', 'OS::Nova::Server'],
        }
        pool = pools.get(name) or []
        if pool and rng.random() < 0.7:
            return _quote(rng.choice(pool))
        if rng.random() < 0.15:
            return rng.choice(
                ['%ff', '%zz', '%', '%ed%a0%80', '%00', '%c3', '%2F', '%2e%2e']
            )
        if rng.random() < 0.3:
            return str(uuid.UUID(int=rng.getrandbits(128)))
        return _quote(self._text()) or 'x'

    def _query(self, path):
        rng = self.rng
        if rng.random() < 0.5:
            return ''
        pairs = []
        for _ in range(rng.randint(1, 4)):
            name = rng.choice(QUERY_NAMES + (self._text(),))
            pairs.append(_quote(name) + '=' + self._query_value())
        if rng.random() < 0.1:
            pairs.append(rng.choice(['%ff', 'a=%', 'b=%zz', '=', '&&', 'c']))
        return '?' + '&'.join(pairs)

    def _query_value(self):
        rng = self.rng
        raw = rng.choice(
            [
                lambda: str(
                    rng.choice([-1, 0, 1, 2, 25, 2**31, 2**63, 10**30])
                ),
                lambda: rng.choice(self.images or ['x']),
                lambda: rng.choice(
                    [
                        'asc',
                        'desc',
                        'name:asc',
                        'created_at',
                        'size:desc,name',
                        'nonsense:up',
                    ]
                ),
                lambda: rng.choice(
                    [
                        'public',
                        'private',
                        'shared',
                        'community',
                        'all',
                        'queued',
                        'active',
                    ]
                ),
                lambda: rng.choice(
                    [
                        'in:a,b',
                        'in:"a,b",c',
                        'gte:2020-01-01T00:00:00Z',
                        'lt:never',
                        'neq:x',
                    ]
                ),
                lambda: rng.choice(['true', 'false', 'maybe', '']),
                self._text,
            ]
        )()
        return _quote(str(raw))

    # Strings and JSON values.
    def _text(self):
        rng = self.rng
        return rng.choice(
            [
                lambda: 'fuzz-%d' % rng.randrange(1000),
                lambda: 'a' * rng.choice([254, 255, 256, 300, 5000]),
                lambda: '\u2603\u00e9',
                lambda: '\U0001f600',
                lambda: 'ab\u0000cd',
                lambda: '../../etc/passwd',
                lambda: "' OR 1=1 --",
                lambda: ' ',
                lambda: '',
                lambda: '~0~1/',
                lambda: '<script>',
                lambda: '\\',
                lambda: ''.join(
                    chr(rng.randrange(1, 0x3000))
                    for _ in range(rng.randint(1, 20))
                ),
            ]
        )()

    def _scalar(self):
        rng = self.rng
        return rng.choice(
            [
                lambda: None,
                lambda: rng.choice([True, False]),
                lambda: rng.choice(
                    [0, -1, 1, 2**31 - 1, 2**31, 2**63, -(2**64), 10**40]
                ),
                lambda: rng.choice([0.5, 1e308, -0.0]),
                self._text,
            ]
        )()

    def _json(self, depth=0):
        rng = self.rng
        if depth > 3 or rng.random() < 0.5:
            return self._scalar()
        if rng.random() < 0.5:
            return [self._json(depth + 1) for _ in range(rng.randint(0, 3))]
        return {
            self._text(): self._json(depth + 1)
            for _ in range(rng.randint(0, 3))
        }

    # Bodies.
    def _body(self, path, method):
        rng = self.rng
        if (
            method in ('GET', 'HEAD', 'DELETE', 'OPTIONS')
            and rng.random() < 0.9
        ):
            return b'', None
        if path.endswith(('/file', '/stage')) and method == 'PUT':
            data = rng.randbytes(rng.choice([0, 1, 512, 4096, 65536]))
            if rng.random() < 0.1:  # a qcow2 header, to inspect
                data = b'QFI\xfb' + data
            return data, rng.choice([OCTET] * 9 + ['application/json'])
        roll = rng.random()
        if roll < 0.6:
            document = self._document(path, method)
        elif roll < 0.8:
            document = self._json()
        else:
            return self._broken_json(), 'application/json'
        content_type = 'application/json'
        if path == '/images/{image_id}' and method == 'PATCH':
            content_type = rng.choice(PATCH_TYPES * 4 + ('application/json',))
        elif rng.random() < 0.05:
            content_type = rng.choice(['text/plain', OCTET, ''])
        return _dump(document), content_type

    def _broken_json(self):
        rng = self.rng
        return rng.choice(
            [
                b'{"name": ',
                b'{' * 3000 + b'}' * 3000,
                b'[' * 100 + b']' * 100,
                b'{"name": "\\ud800"}',
                b'{"name": "\\udfff\\ud800"}',
                b'{"name": "\xff\xfe"}',
                b'\xef\xbb\xbf{}',
                b'NaN',
                b'{"a": Infinity}',
                b'{"min_disk": 1' + b'0' * 5000 + b'}',
                b'',
                b'null',
                b'"\\u0000"',
            ]
        )

    def _document(self, path, method):
        rng = self.rng
        if path == '/images':
            return self._image_values()
        if path == '/images/{image_id}':
            return [self._patch_op() for _ in range(rng.randint(0, 3))]
        if path.endswith('/import'):
            method_body = {
                'name': rng.choice(
                    [
                        'glance-direct',
                        'web-download',
                        'copy-image',
                        'glance-download',
                        'nope',
                    ]
                )
            }
            if rng.random() < 0.7:
                method_body['uri'] = rng.choice(FETCH_URLS)
            body = {'method': method_body}
            if rng.random() < 0.5:
                body['stores'] = rng.sample(STORES, rng.randint(0, 2))
            if rng.random() < 0.3:
                body['all_stores'] = rng.choice([True, False, 'yes'])
            if rng.random() < 0.3:
                body['all_stores_must_succeed'] = rng.choice([True, False])
            return body
        if path.endswith('/members'):
            return {
                'member': rng.choice(
                    ['fuzz-other', 'fuzz-reader', self._text()]
                )
            }
        if path.endswith('/members/{member_id}'):
            return {
                'status': rng.choice(['accepted', 'rejected', 'pending', 'x'])
            }
        if path == '/tasks':
            return {
                'type': rng.choice(['import', 'export', 'nope']),
                'input': {
                    'import_from': rng.choice(FETCH_URLS),
                    'import_from_format': rng.choice(['raw', 'qcow2', 'x']),
                    'image_properties': self._image_values(),
                },
            }
        if path == '/metadefs/namespaces' or path.endswith('{namespace_name}'):
            return self._namespace()
        if path.endswith('/objects') or path.endswith('{object_name}'):
            return self._metadef_object()
        if path.endswith('/properties') or path.endswith('{property_name}'):
            return self._metadef_property()
        if path.endswith('/tags'):
            return {
                'tags': [
                    {'name': self._text()} for _ in range(rng.randint(0, 3))
                ]
            }
        if path.endswith('{tag_name}'):
            return {'name': self._text()}
        if path.endswith('/resource_types'):
            return {
                'name': rng.choice(['OS::Glance::Image', self._text()]),
                'prefix': rng.choice(['hw_', None, self._text()]),
                'properties_target': rng.choice(['image', None, self._text()]),
            }
        return self._json()

    def _image_values(self):
        rng = self.rng
        values = {}
        for field in rng.sample(IMAGE_FIELDS, rng.randint(0, 5)):
            values[field] = self._image_field(field)
        for _ in range(rng.randint(0, 2)):
            values[self._text()] = rng.choice([self._text(), self._scalar()])
        return values

    def _image_field(self, field):
        rng = self.rng
        if rng.random() < 0.2:
            return self._scalar()
        choices = {
            'visibility': ['public', 'private', 'shared', 'community', 'x'],
            'disk_format': ['raw', 'qcow2', 'iso', 'floppy', None],
            'container_format': ['bare', 'ova', 'x', None],
            'tags': [['a', 'b'], ['a'] * 3, [self._text()], 'notalist'],
            'locations': [
                [{'url': rng.choice(FETCH_URLS), 'metadata': {}}],
                [{'url': 'x'}],
                'x',
            ],
            'protected': [True, False],
            'os_hidden': [True, False],
            'id': [str(uuid.UUID(int=rng.getrandbits(128))), 'not-a-uuid'],
        }
        if field in choices:
            return rng.choice(choices[field])
        if field in ('min_disk', 'min_ram', 'size'):
            return rng.choice([0, 1, -1, 2**31 - 1, 2**31, 2**63])
        return self._text()

    def _patch_op(self):
        rng = self.rng
        field = rng.choice(
            IMAGE_FIELDS
            + ('locations/-', 'locations/0', 'locations/9', 'x/y', '')
        )
        op = rng.choice(['add', 'replace', 'remove', 'move', None])
        name = field.split('/')[0]
        value = (
            self._image_field(name) if name in IMAGE_FIELDS else self._text()
        )
        if field.startswith('locations/'):
            value = {
                'url': rng.choice(FETCH_URLS),
                'metadata': rng.choice(
                    [{}, {'store': rng.choice(STORES)}, 'x']
                ),
            }
        if rng.random() < 0.3:
            field = self._text()
        if rng.random() < 0.5:  # the 2.1 form
            operation = {'op': op, 'path': '/' + field, 'value': value}
        else:  # the 2.0 form
            operation = {op or 'add': '/' + field, 'value': value}
        if rng.random() < 0.1:
            operation.pop('value')
        return operation

    def _namespace(self):
        rng = self.rng
        body = {
            'namespace': rng.choice(
                self.namespaces
                + ['Fuzz::%d' % rng.randrange(100), self._text()]
            ),
        }
        for field in (
            'display_name',
            'description',
            'visibility',
            'protected',
            'owner',
        ):
            if rng.random() < 0.4:
                body[field] = rng.choice(
                    [self._text(), self._scalar(), 'public', 'private']
                )
        if rng.random() < 0.3:
            body['properties'] = {self._text(): self._metadef_property()}
        if rng.random() < 0.3:
            body['objects'] = [self._metadef_object()]
        if rng.random() < 0.3:
            body['tags'] = [{'name': self._text()}]
        if rng.random() < 0.2:
            body['resource_type_associations'] = [{'name': self._text()}]
        return body

    def _metadef_property(self):
        rng = self.rng
        body = {
            'name': self._text(),
            'title': rng.choice([self._text(), self._scalar()]),
            'type': rng.choice(
                [
                    'string',
                    'integer',
                    'number',
                    'boolean',
                    'array',
                    'object',
                    'x',
                ]
            ),
        }
        for field in (
            'minimum',
            'maximum',
            'minLength',
            'maxLength',
            'minItems',
            'maxItems',
            'default',
            'enum',
            'pattern',
            'items',
            'readonly',
        ):
            if rng.random() < 0.2:
                body[field] = rng.choice(
                    [
                        self._scalar(),
                        self._json(),
                        ['a', 'b'],
                        {'type': 'string'},
                        '[',
                    ]
                )
        return body

    def _metadef_object(self):
        rng = self.rng
        body = {'name': self._text()}
        if rng.random() < 0.5:
            body['properties'] = {self._text(): self._metadef_property()}
        if rng.random() < 0.3:
            body['required'] = rng.choice([[self._text()], 'x', [1]])
        if rng.random() < 0.3:
            body['description'] = self._text()
        return body


def _quote(text):
    return urllib.parse.quote(text.encode('utf-8', 'surrogatepass'), safe='')


def _dump(document):
    text = json.dumps(document, ensure_ascii=False, allow_nan=True)
    return text.encode('utf-8', 'surrogatepass')
