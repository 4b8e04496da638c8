"""Stalled and slow request bodies, and keep-alive after early errors,
against the real glance-api (gunicorn gthread, 8 threads per worker).

Clients here are raw sockets (a stalled or trickling client is one no
library would be) and, for keep-alive, http.client and requests sessions.
Each test checks what is left afterwards: the image row's status in the
database and no file of the image in the store or the staging area.
"""

import http.client
import os
import socket
import sqlite3
import threading
import time
import uuid

import requests

from glance.cmd import api as api_cmd
from tests.functional.api import base

CAP = 8 * 1024 * 1024
DATA = os.urandom(3 * 1024 * 1024 + 17)
OCTET = {'Content-Type': 'application/octet-stream'}
# Generous bounds: the machine running the tests may be loaded.
SLACK = 20


class BodyTestCase(base.DataTestCase):
    def _row(self, image_id):
        db = sqlite3.connect(os.path.join(self.server.tmp, 'glance.sqlite'))
        try:
            status = db.execute(
                'SELECT status, size FROM images WHERE id = ?', (image_id,)
            ).fetchone()
            locations = db.execute(
                'SELECT count(*) FROM image_locations '
                "WHERE image_id = ? AND deleted = 0 AND status != 'deleted'",
                (image_id,),
            ).fetchone()[0]
        finally:
            db.close()
        return status, locations

    def _files(self, image_id):
        """Files (finished, temporary or staged) naming the image."""
        return [
            os.path.join(top, name)
            for top, _, names in os.walk(self.server.tmp)
            for name in names
            if image_id in name
        ]

    def _assert_left_queued(self, image_id):
        (status, size), locations = self._row(image_id)
        self.assertEqual('queued', status)
        self.assertIsNone(size)
        self.assertEqual(0, locations)
        self.assertEqual([], self._files(image_id))

    def _wait_for_status(self, image_id, status, timeout=SLACK):
        deadline = time.monotonic() + timeout
        while self._show(image_id)['status'] != status:
            if time.monotonic() > deadline:
                self.fail('image %s never became %s' % (image_id, status))
            time.sleep(0.05)

    def _start_body(self, image_id, first, length=None, target='file'):
        """A socket that sent the head and ``first`` bytes of a body of
        ``length`` bytes (None: chunked, ``first`` as one chunk)."""
        sock = socket.create_connection(('127.0.0.1', self.server.port))
        self.addCleanup(sock.close)
        framing = (
            b'Transfer-Encoding: chunked'
            if length is None
            else b'Content-Length: %d' % length
        )
        sock.sendall(
            b'PUT /v2/images/%s/%s HTTP/1.1\r\nHost: glance\r\n'
            b'Content-Type: application/octet-stream\r\n%s\r\n\r\n'
            % (image_id.encode(), target.encode(), framing)
        )
        if length is None:
            sock.sendall(b'%x\r\n%s\r\n' % (len(first), first))
        else:
            sock.sendall(first)
        return sock

    def _response(self, sock, timeout=SLACK + 30):
        """Status line and headers of what the server answers, once it has
        answered and closed."""
        sock.settimeout(timeout)
        received = b''
        while True:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                break
            if not data:
                break
            received += data
        head = received.split(b'\r\n\r\n', 1)[0].decode('latin-1')
        lines = head.split('\r\n')
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(':')
            headers[name.strip().lower()] = value.strip()
        return lines[0], headers


class StalledBodyTest(BodyTestCase):
    """client_socket_timeout 2 s; minimum rate 256 KiB/s (a MiB in 4 s,
    so each piece gets the 5 s floor)."""

    server_args = {
        'multi_store': True,
        'options': {
            'image_size_cap': str(CAP),
            'client_socket_timeout': '2',
            'client_body_min_rate': str(256 * 1024),
        },
    }

    def _check_cut(self, image_id, sock, started, least, most):
        status_line, headers = self._response(sock)
        took = time.monotonic() - started
        self.assertIn(' 408 ', status_line)
        self.assertEqual('close', headers.get('connection'))
        self.assertGreaterEqual(took, least)
        self.assertLess(took, most)
        self._assert_left_queued(image_id)
        # And the image takes a proper upload afterwards.
        response = self.request(
            'PUT', '/v2/images/%s/file' % image_id, OCTET, data=DATA
        )
        self.assertEqual(204, response.status_code, response.text)
        self.assertEqual('active', self._row(image_id)[0][0])
        return took

    def test_stalled_upload_is_cut(self):
        image = self._new_image()
        sock = self._start_body(image['id'], DATA[:200000], len(DATA))
        self._wait_for_status(image['id'], 'saving')
        started = time.monotonic()
        self._check_cut(image['id'], sock, started, 1, 2 + SLACK)

    def test_stalled_chunked_upload_is_cut(self):
        image = self._new_image()
        sock = self._start_body(image['id'], DATA[:200000])
        self._wait_for_status(image['id'], 'saving')
        started = time.monotonic()
        self._check_cut(image['id'], sock, started, 1, 2 + SLACK)

    def test_stalled_stage_is_cut(self):
        image = self._new_image()
        sock = self._start_body(
            image['id'], DATA[:200000], len(DATA), target='stage'
        )
        self._wait_for_status(image['id'], 'uploading')
        started = time.monotonic()
        status_line, headers = self._response(sock)
        self.assertLess(time.monotonic() - started, 2 + SLACK)
        self.assertIn(' 408 ', status_line)
        self.assertEqual('close', headers.get('connection'))
        self._assert_left_queued(image['id'])

    def test_trickle_below_the_minimum_rate_is_cut(self):
        # 1 KiB every 0.2 s: never idle for client_socket_timeout, but
        # 5 KiB/s, far below the minimum.
        image = self._new_image()
        sock = self._start_body(image['id'], DATA[:1024], len(DATA))
        self._wait_for_status(image['id'], 'saving')
        started = time.monotonic()
        stop = threading.Event()

        def trickle():
            offset = 1024
            while not stop.wait(0.2):
                try:
                    sock.sendall(DATA[offset : offset + 1024])
                except OSError:
                    return
                offset += 1024

        sender = threading.Thread(target=trickle)
        sender.start()
        self.addCleanup(sender.join)
        self.addCleanup(stop.set)
        took = self._check_cut(image['id'], sock, started, 4, 5 + SLACK)
        # Cut by the rate, not the idle timeout (it never idled 2 s).
        self.assertIn('slower than the minimum rate', self.server.read_log())
        self.assertGreater(took, 2)

    def test_json_body_stalled(self):
        sock = socket.create_connection(('127.0.0.1', self.server.port))
        self.addCleanup(sock.close)
        sock.sendall(
            b'POST /v2/images HTTP/1.1\r\nHost: glance\r\n'
            b'Content-Type: application/json\r\nContent-Length: 100\r\n'
            b'\r\n{"name": '
        )
        status_line, headers = self._response(sock)
        self.assertIn(' 408 ', status_line)
        self.assertEqual('close', headers.get('connection'))


class KeepAliveTest(BodyTestCase):
    """Early errors on uploads whose body is still unread."""

    server_args = {
        'multi_store': True,
        'options': {'image_size_cap': str(CAP)},
    }

    def _active_image(self):
        image = self._new_image()
        response = self.request(
            'PUT', '/v2/images/%s/file' % image['id'], OCTET, data=b'x'
        )
        self.assertEqual(204, response.status_code)
        return image

    def _early_errors(self, size):
        """(method, path, headers, body, status) of early errors with a
        body of ``size`` bytes."""
        active = self._active_image()
        queued = self._new_image()
        body = os.urandom(size)
        return [
            ('PUT', '/v2/images/%s/file' % active['id'], OCTET, body, 409),
            ('PUT', '/v2/images/%s/file' % uuid.uuid4(), OCTET, body, 404),
            (
                'PUT',
                '/v2/images/%s/file' % queued['id'],
                {'Content-Type': 'text/plain'},
                body,
                415,
            ),
        ], queued

    def test_small_unread_body_is_drained_and_kept_alive(self):
        errors, queued = self._early_errors(300 * 1024)
        conn = http.client.HTTPConnection('127.0.0.1', self.server.port)
        self.addCleanup(conn.close)
        conn.connect()
        sock = conn.sock
        for method, path, headers, body, status in errors:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            self.assertEqual(status, response.status, path)
            self.assertEqual('keep-alive', response.getheader('Connection'))
            # The next request on the same connection is served.
            conn.request('GET', '/v2/images/%s' % queued['id'])
            response = conn.getresponse()
            response.read()
            self.assertEqual(200, response.status)
            self.assertIs(sock, conn.sock)
        self._assert_left_queued(queued['id'])

    def test_large_unread_body_closes_honestly(self):
        errors, queued = self._early_errors(3 * 1024 * 1024)
        errors.append(
            (
                'PUT',
                '/v2/images/%s/file' % queued['id'],
                OCTET,
                os.urandom(CAP + 1),
                413,
            )
        )
        for method, path, headers, body, status in errors:
            conn = http.client.HTTPConnection('127.0.0.1', self.server.port)
            self.addCleanup(conn.close)
            try:
                conn.request(method, path, body=body, headers=headers)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server answered and closed before the end
            response = conn.getresponse()
            response.read()
            self.assertEqual(status, response.status, path)
            self.assertEqual('close', response.getheader('Connection'))
        self._assert_left_queued(queued['id'])

    def test_session_survives_early_errors(self):
        for size in (1000, 300 * 1024, 3 * 1024 * 1024):
            errors, queued = self._early_errors(size)
            with requests.Session() as session:
                for method, path, headers, body, status in errors:
                    response = session.request(
                        method,
                        self.server.url + path,
                        headers=headers,
                        data=body,
                        timeout=30,
                    )
                    self.assertEqual(status, response.status_code, path)
                    again = session.get(
                        self.server.url + '/v2/images/' + queued['id'],
                        timeout=30,
                    )
                    self.assertEqual(200, again.status_code)
            self._assert_left_queued(queued['id'])


class StalledClientsTest(BodyTestCase):
    """More stalled uploads than a worker has threads; no idle timeout
    or minimum rate to save the day within the test."""

    server_args = {
        'multi_store': True,
        'options': {
            'image_size_cap': str(CAP),
            'client_socket_timeout': '120',
            'client_body_min_rate': '0',
        },
    }

    def test_stalled_clients_do_not_take_every_thread(self):
        stalled = api_cmd.THREADS_PER_WORKER + 4
        images = [self._new_image() for _ in range(stalled)]
        socks = [
            self._start_body(image['id'], DATA[:100000], len(DATA))
            for image in images
        ]
        time.sleep(0.5)
        started = time.monotonic()
        response = self.request('GET', '/v2/images')
        served_in = time.monotonic() - started
        self.assertEqual(200, response.status_code)
        self.assertLess(served_in, SLACK)
        # Those cut are back to queued with nothing left; the others still
        # hold their threads, at most MAX_STALLED_PER_WORKER of them.
        deadline = time.monotonic() + SLACK
        while True:
            statuses = [self._row(i['id'])[0][0] for i in images]
            if statuses.count('saving') <= api_cmd.MAX_STALLED_PER_WORKER:
                break
            self.assertLess(time.monotonic(), deadline, statuses)
            time.sleep(0.1)
        for image, status in zip(images, statuses, strict=True):
            if status == 'queued':
                self._assert_left_queued(image['id'])
        self.assertIn(
            'too many stalled request bodies at once', self.server.read_log()
        )
        # Clients hanging up leave nothing behind either.
        for sock in socks:
            sock.close()
        for image in images:
            self._wait_for_status(image['id'], 'queued')
            self._assert_left_queued(image['id'])
