import io

import testtools
import webob.exc

from glance.api import request
from tests.unit.glance.api import base

SCHEMA = {
    'name': 'thing',
    'type': 'object',
    'properties': {'n': {'type': 'integer'}},
}


class ExtractJsonTest(testtools.TestCase):
    def req(self, body, max_size=64, chunked=False):
        conf = base.make_conf(max_request_body_size=max_size)
        req = base.make_request('/', conf=conf, method='POST')
        if chunked:
            req.body_file_raw = io.BytesIO(body)
            req.environ['wsgi.input_terminated'] = True  # as gunicorn
            req.content_length = None
        else:
            req.body = body
        return req

    def test_valid(self):
        self.assertEqual(
            {'n': 1}, request.extract_json(self.req(b'{"n": 1}'), SCHEMA)
        )

    def test_malformed(self):
        exc = self.assertRaises(
            webob.exc.HTTPBadRequest,
            request.extract_json,
            self.req(b'{"n": '),
        )
        self.assertIn('Malformed JSON', exc.explanation)

    def test_schema_mismatch_names_the_schema(self):
        exc = self.assertRaises(
            webob.exc.HTTPBadRequest,
            request.extract_json,
            self.req(b'{"n": "one"}'),
            SCHEMA,
        )
        self.assertIn("schema 'thing'", exc.explanation)

    def test_too_large_by_length(self):
        self.assertRaises(
            webob.exc.HTTPRequestEntityTooLarge,
            request.extract_json,
            self.req(b'{"n": 1}' + b' ' * 100),
        )

    def test_too_large_chunked(self):
        self.assertRaises(
            webob.exc.HTTPRequestEntityTooLarge,
            request.extract_json,
            self.req(b'[' + b'1,' * 100 + b'1]', chunked=True),
        )


class QueryTest(testtools.TestCase):
    def test_query_int(self):
        self.assertEqual(5, request.query_int({'limit': '5'}, 'limit'))
        self.assertEqual(7, request.query_int({}, 'limit', 7))
        for bad in ('-1', 'x', '1.5'):
            self.assertRaises(
                webob.exc.HTTPBadRequest,
                request.query_int,
                {'limit': bad},
                'limit',
            )


class RequireContentTest(testtools.TestCase):
    def test_other_media_type_is_415_with_headers(self):
        @request.require_content('a/b', headers={'Accept-Patch': 'a/b'})
        def handler(req):
            return 'called'

        req = base.make_request('/', method='PATCH', content_type='a/b')
        self.assertEqual('called', handler(req))
        req = base.make_request('/', method='PATCH', content_type='c/d')
        exc = self.assertRaises(
            webob.exc.HTTPUnsupportedMediaType, handler, req
        )
        self.assertEqual('a/b', exc.headers['Accept-Patch'])
