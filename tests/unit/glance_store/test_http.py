"""The http driver, against a real HTTP server running in a thread."""

import base64
import http.server
import re
import socket
import threading

import fixtures
import testtools

from glance_store import exceptions
from glance_store import location
from glance_store import multi_backend
from glance_store._drivers import http as http_store
from tests import store_contract
from tests.fixtures import store_maps

DATA = store_contract.IMAGE_DATA
_RANGE = re.compile(r'bytes=(\d+)-(\d*)$')


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``server.images`` under /images/, plus a few odd routes:
    /redirect/<n>/<name> (n redirects), /loop, /norange/<name> (ignores
    Range), /auth/<name> (needs user:secret), /broken (500)."""

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.do_GET(body=False)

    def do_GET(self, body=True):
        parts = self.path.strip('/').split('/')
        route = getattr(self, '_route_' + parts[0], None)
        if route is None:
            return self._reply(404)
        route(body, *parts[1:])

    def _reply(self, status, data=b'', headers=(), body=True):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _route_images(self, body, name, ranged=True):
        data = self.server.images.get(name)
        if data is None:
            return self._reply(404, b'no such image', body=body)
        match = _RANGE.match(self.headers.get('Range', ''))
        if not (ranged and match):
            return self._reply(200, data, body=body)
        first = int(match.group(1))
        last = int(match.group(2) or len(data) - 1)
        if first >= len(data):
            return self._reply(416, body=body)
        data = data[first : last + 1]
        self._reply(206, data, [('Content-Range', 'bytes')], body)

    def _route_norange(self, body, name):
        self._route_images(body, name, ranged=False)

    def _route_redirect(self, body, count, name):
        count = int(count)
        target = '/images/%s' % name
        if count > 1:
            target = '/redirect/%d/%s' % (count - 1, name)
        self._reply(302, headers=[('Location', target)], body=body)

    def _route_loop(self, body):
        self._reply(302, headers=[('Location', '/loop')], body=body)

    def _route_auth(self, body, name):
        expected = 'Basic ' + base64.b64encode(b'user:secret').decode()
        if self.headers.get('Authorization') != expected:
            return self._reply(401, body=body)
        self._route_images(body, name)

    def _route_broken(self, body):
        self._reply(500, b'oops', body=body)


class HTTPServerFixture(fixtures.Fixture):
    """A ThreadingHTTPServer on a free port; ``images`` is its content."""

    def _setUp(self):
        self.server = http.server.ThreadingHTTPServer(
            ('127.0.0.1', 0), _Handler
        )
        self.server.images = {}
        self.images = self.server.images
        self.base_url = 'http://127.0.0.1:%d' % self.server.server_port
        thread = threading.Thread(target=self.server.serve_forever)
        thread.start()
        self.addCleanup(thread.join)
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)


class HTTPStoreTestCase(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.useFixture(store_maps.StoreMapsFixture())
        self.http = self.useFixture(HTTPServerFixture())
        self.http.images['image'] = DATA
        conf = store_contract.new_conf({'web': 'http'})
        multi_backend.create_multi_stores(conf)
        self.store = multi_backend.get_store_from_store_identifier('web')

    def location(self, url):
        return location.get_location_from_uri_and_backend(
            url, 'web', conf=self.store.conf
        )

    def read(self, url, **kwargs):
        data, size = self.store.get(self.location(url), **kwargs)
        content = b''.join(data)
        self.assertEqual(size, len(content))
        return content


class TestHTTPStoreContract(store_contract.StoreContract, HTTPStoreTestCase):
    def put_image(self, image_id, data):
        self.http.images[image_id] = data
        return '%s/images/%s' % (self.http.base_url, image_id)

    def absent_url(self):
        return self.http.base_url + '/images/absent'


class TestHTTPStore(HTTPStoreTestCase):
    def test_prefixes(self):
        self.assertEqual('http', self.store.url_prefix)
        self.assertEqual(('http://', 'https://'), self.store.url_prefixes)

    def test_redirects_are_followed(self):
        url = self.http.base_url + '/redirect/5/image'
        self.assertEqual(DATA, self.read(url))
        self.assertEqual(len(DATA), self.store.get_size(self.location(url)))
        self.assertEqual(DATA[5:9], self.read(url, offset=5, chunk_size=4))

    def test_too_many_redirects(self):
        url = self.http.base_url + '/redirect/6/image'
        self.assertRaises(exceptions.MaxRedirectsExceeded, self.read, url)

    def test_redirect_loop(self):
        url = self.http.base_url + '/loop'
        self.assertRaises(exceptions.MaxRedirectsExceeded, self.read, url)

    def test_range_ignored_by_server(self):
        url = self.http.base_url + '/norange/image'
        self.assertEqual(
            DATA[70000:70010], self.read(url, offset=70000, chunk_size=10)
        )
        self.assertEqual(DATA[-3:], self.read(url, offset=len(DATA) - 3))

    def test_offset_past_the_end(self):
        url = self.http.base_url + '/images/image'
        self.assertEqual(b'', self.read(url, offset=len(DATA) + 1))

    def test_credentials_are_used_but_never_shown(self):
        good = self.http.base_url.replace('//', '//user:secret@')
        self.assertEqual(DATA, self.read(good + '/auth/image'))
        bad = self.http.base_url.replace('//', '//user:wrong@')
        error = self.assertRaises(
            exceptions.BadStoreUri, self.read, bad + '/auth/image'
        )
        self.assertIn('HTTP 401', str(error))
        missing = self.assertRaises(
            exceptions.NotFound, self.read, good + '/images/absent'
        )
        for message in (str(error), str(missing)):
            self.assertNotIn('secret', message)
            self.assertNotIn('wrong', message)
            self.assertIn('127.0.0.1', message)

    def test_error_statuses_are_bad_store_uris(self):
        # As upstream: every error status but 404 (and 410) is BadStoreUri,
        # which glance answers with 400 "Invalid location".
        for path, status in (('/broken', 500), ('/auth/image', 401)):
            loc = self.location(self.http.base_url + path)
            for call in (self.store.get, self.store.get_size):
                error = self.assertRaises(exceptions.BadStoreUri, call, loc)
                self.assertIn('HTTP %d from' % status, str(error))

    def test_server_down(self):
        with socket.socket() as sock:
            sock.bind(('127.0.0.1', 0))
            port = sock.getsockname()[1]
        url = 'http://user:secret@127.0.0.1:%d/images/image' % port
        error = self.assertRaises(
            exceptions.RemoteServiceUnavailable, self.read, url
        )
        # Upstream's get_size (what adding a location runs) calls this an
        # invalid location; ours a passing outage, like get.
        size_error = self.assertRaises(
            exceptions.RemoteServiceUnavailable,
            self.store.get_size,
            self.location(url),
        )
        for message in (str(error), str(size_error)):
            self.assertIn('cannot reach 127.0.0.1', message)
            self.assertNotIn('secret', message)

    def test_bad_urls(self):
        self.assertRaises(
            exceptions.BadStoreUri, self.location, 'http:///no-host'
        )

    def test_redact(self):
        self.assertEqual(
            'https://h:8/p?q', http_store.redact('https://u:p@w@h:8/p?q')
        )
