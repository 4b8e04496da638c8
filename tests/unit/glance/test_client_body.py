"""glance.client_body on real sockets (a socket pair stands for the
client connection; the server side reads it as a buffered file, which,
like gunicorn's body readers, loops over recv() until it has a piece)."""

import io
import socket
import threading
import time

import fixtures
import testtools

from glance import client_body
from glance import exception


class BodyTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        for name, value in (('RATE_FLOOR', 0.3), ('TICK', 0.05)):
            self.useFixture(
                fixtures.MonkeyPatch('glance.client_body.' + name, value)
            )

    def _pair(self):
        client, server = socket.socketpair()
        self.addCleanup(client.close)
        self.addCleanup(server.close)
        return client, server

    def _body(self, server, length, **limits):
        limits = client_body.Limits(**limits)
        return client_body.Body(
            server.makefile('rb'),
            server,
            length,
            limits,
            client_body.Watchdog(limits),
            'test',
        )

    def test_reads_to_the_end(self):
        client, server = self._pair()
        body = self._body(server, 5, timeout=5, min_rate=1000)
        client.sendall(b'hello')
        self.assertEqual(b'hel', body.read(3))
        self.assertFalse(body.ended)
        self.assertEqual(b'lo', body.read())
        self.assertTrue(body.ended)
        self.assertEqual(b'', body.read(10))
        self.assertTrue(body.drain())

    def test_nothing_received_within_the_timeout(self):
        client, server = self._pair()
        body = self._body(server, 100, timeout=0.2)
        client.sendall(b'x' * 10)
        started = time.monotonic()
        error = self.assertRaises(exception.RequestBodyTimeout, body.read, 100)
        self.assertLess(time.monotonic() - started, 5)
        self.assertIn('nothing received for 0.2 seconds', str(error))
        self.assertFalse(body.drain())

    def test_below_the_minimum_rate(self):
        client, server = self._pair()
        # A piece of 1000 bytes at 1000 B/s must arrive within 1 s.
        body = self._body(server, 1000, timeout=5, min_rate=1000)
        stop = threading.Event()

        def trickle():
            while not stop.wait(0.05):
                try:
                    client.sendall(b'x')
                except OSError:
                    return

        sender = threading.Thread(target=trickle)
        sender.start()
        self.addCleanup(sender.join)
        self.addCleanup(stop.set)
        started = time.monotonic()
        error = self.assertRaises(
            exception.RequestBodyTimeout, body.read, 1000
        )
        took = time.monotonic() - started
        self.assertGreater(took, 0.9)
        self.assertLess(took, 10)
        self.assertIn('slower than the minimum rate', str(error))
        # Cut for good: a further read refuses at once.
        self.assertRaises(exception.RequestBodyTimeout, body.read, 10)

    def test_slow_but_moving_client_is_not_stalled(self):
        # 320 KiB/s for 1 MiB, read at once, with no stalled read allowed
        # to wait a second: the read is timed piece by piece, so it is
        # seen to move and never cut.
        self.useFixture(
            fixtures.MonkeyPatch('glance.client_body.PRESSURE_GRACE', 1.0)
        )
        client, server = self._pair()
        size = 1024 * 1024
        body = self._body(server, size, timeout=5, max_stalled=0)

        def send():
            for _ in range(size // 16384):
                client.sendall(b'x' * 16384)
                time.sleep(0.05)

        sender = threading.Thread(target=send)
        sender.start()
        self.addCleanup(sender.join)
        self.assertEqual(size, len(body.read(size)))
        self.assertTrue(body.ended)

    def test_chunked_body_ends_on_empty_read(self):
        body = client_body.Body(
            io.BytesIO(b'abc'),
            None,
            None,
            client_body.Limits(),
            client_body.Watchdog(client_body.Limits()),
            'test',
        )
        self.assertEqual(b'abc', body.read(10))
        self.assertFalse(body.ended)
        self.assertTrue(body.drain())


class StalledCapTest(testtools.TestCase):
    def _watchdog(self, ages, now=1000.0):
        watchdog = client_body.Watchdog(client_body.Limits(max_stalled=2))
        bodies = [object() for _ in ages]
        for age, body in zip(ages, bodies, strict=True):
            watchdog._reads[body] = (now - age, None)
        cut = [body for body, _ in watchdog._due(now)]
        return [bodies.index(body) for body in cut]

    def test_newest_stalled_cut_beyond_the_cap(self):
        # Waiting 10, 9, 3, 2.5 s and 1 s: the first two are kept.
        self.assertEqual([2, 3, 4], self._watchdog((10, 9, 3, 2.5, 1)))

    def test_short_grace_once_the_cap_is_held(self):
        self.assertEqual([2], self._watchdog((10, 9, 0.6, 0.1)))

    def test_long_grace_below_the_cap(self):
        # One stalled for long: others get STALL_GRACE.
        self.assertEqual([], self._watchdog((10, 1.9, 1.5, 0.6)))
        self.assertEqual([], self._watchdog((10, 2.1)))

    def test_reason(self):
        watchdog = client_body.Watchdog(client_body.Limits(max_stalled=0))
        body = object()
        watchdog._reads[body] = (0.0, None)
        self.assertEqual(
            [(body, 'too many stalled request bodies at once')],
            watchdog._due(10.0),
        )

    def test_deadlines(self):
        watchdog = client_body.Watchdog(client_body.Limits())
        late, early = object(), object()
        watchdog._reads[late] = (0.0, 5.0)
        watchdog._reads[early] = (0.0, 50.0)
        self.assertEqual(
            [(late, 'slower than the minimum rate')], watchdog._due(10.0)
        )


class GuardTest(testtools.TestCase):
    """An application answering without reading the body."""

    def _call(self, body, environ=None):
        closed = []

        def app(environ, start_response):
            start_response('409 Conflict', [('Content-Length', '0')])
            return [b'']

        guard = client_body.Guard(
            app, client_body.Limits(), close=closed.append
        )
        env = {
            'REQUEST_METHOD': 'PUT',
            'PATH_INFO': '/v2/images/x/file',
            'CONTENT_LENGTH': str(len(body)),
            'wsgi.input': io.BytesIO(body),
        }
        env.update(environ or {})
        started = []
        guard(env, lambda status, headers, exc_info=None: started.append(1))
        self.assertEqual([1], started)
        return closed, env

    def test_small_body_drained(self):
        closed, env = self._call(b'x' * 1000)
        self.assertEqual([], closed)
        self.assertTrue(env[client_body.ENVIRON_KEY].ended)

    def test_large_body_closes(self):
        closed, env = self._call(b'x' * (client_body.DRAIN_MAX + 1))
        self.assertEqual(1, len(closed))
        self.assertFalse(env[client_body.ENVIRON_KEY].ended)

    def test_chunked_large_body_closes(self):
        closed, _ = self._call(
            b'x' * (client_body.DRAIN_MAX + client_body.DRAIN_STEP + 1),
            {'HTTP_TRANSFER_ENCODING': 'chunked', 'CONTENT_LENGTH': ''},
        )
        self.assertEqual(1, len(closed))

    def test_no_body_untouched(self):
        closed, env = self._call(b'', {'CONTENT_LENGTH': '0'})
        self.assertEqual([], closed)
        self.assertNotIn(client_body.ENVIRON_KEY, env)
