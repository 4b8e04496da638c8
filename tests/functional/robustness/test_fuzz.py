"""Seeded fuzz of every v2 route against the real glance-api.

A bounded number of hostile requests (``fuzz.Fuzzer``), one connection
each; then the server must still be healthy and the database and stores
consistent: no answer 5xx, no connection closed without an answer (except
after a body cut short, where closing is fair), no image left ``saving``,
no file in a store without a live location, no live location without its
file, no staged file of an image that is not being staged or imported.

Budget and seed come from the environment::

    GLANCE_FUZZ_REQUESTS  number of requests (default 1000, CI's budget)
    GLANCE_FUZZ_SEED      the generator's seed (default 16)
    GLANCE_FUZZ_BACKEND   sqlite (default) or mysql (MariaDB on 127.0.0.1)

For example, the larger run by hand::

    GLANCE_FUZZ_REQUESTS=3000 python -m stestr run tests.functional.robustness

The figures (requests, 5xx, dropped connections, seconds) are attached to
the test's result as the ``fuzz`` detail and printed to stdout.
"""

import http.client
import os
import re
import socket
import time

import requests
import sqlalchemy as sa
import testtools
from testtools import content

from tests.fixtures import server as server_fixtures
from tests.functional.db import base as db_base
from tests.functional.robustness import fuzz

REQUESTS = int(os.environ.get('GLANCE_FUZZ_REQUESTS', '1000'))
SEED = int(os.environ.get('GLANCE_FUZZ_SEED', '16'))
BACKEND = os.environ.get('GLANCE_FUZZ_BACKEND', 'sqlite')
REQUEST_TIMEOUT = 60
SETTLE_TIMEOUT = 60
FILTER = """
[import_filtering_opts]
allowed_hosts = [127.0.0.1]
"""
UUID = re.compile(
    '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
)


def send(port, request):
    """``(status, body)``; status None when the connection closed (or
    stalled) without an answer."""
    body = request.body
    head = ['%s %s HTTP/1.1' % (request.method, request.target), 'Host: fuzz']
    head += ['%s: %s' % item for item in request.headers.items()]
    head += ['Content-Length: %d' % len(body), 'Connection: close', '', '']
    sent = body if request.truncate_at is None else body[: request.truncate_at]
    with socket.create_connection(('127.0.0.1', port)) as sock:
        sock.settimeout(REQUEST_TIMEOUT)
        try:
            sock.sendall('\r\n'.join(head).encode('latin-1') + sent)
            if request.truncate_at is not None:
                sock.shutdown(socket.SHUT_WR)
            response = http.client.HTTPResponse(sock, method=request.method)
            response.begin()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            return None, b''


class FuzzTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        connection = None
        if BACKEND != 'sqlite':
            connection = self.useFixture(db_base.Database(BACKEND)).url
        self.server = self.useFixture(
            server_fixtures.GlanceAPIServer(
                multi_store=True,
                options={'show_multiple_locations': 'true'},
                extra_config=FILTER,
                connection=connection,
            )
        )
        self.engine = sa.create_engine(
            connection or 'sqlite:///%s/glance.sqlite' % self.server.tmp
        )
        self.addCleanup(self.engine.dispose)

    def sql(self, statement):
        with self.engine.begin() as connection:
            return connection.execute(sa.text(statement)).fetchall()

    def test_fuzzed_requests(self):
        fuzzer = fuzz.Fuzzer(SEED)
        errors, dropped = [], []
        started = time.monotonic()
        for number in range(REQUESTS):
            request = fuzzer.next_request()
            status, body = send(self.server.port, request)
            if status is None and request.truncate_at is None:
                dropped.append((number, request.method, request.target))
            elif status is not None and status >= 500:
                errors.append(
                    (
                        number,
                        status,
                        request.method,
                        request.target,
                        body[:300],
                    )
                )
        seconds = time.monotonic() - started
        figures = (
            'fuzz: seed %d, %d requests, %d 5xx, %d dropped connections, '
            '%.1f s (%s)'
            % (SEED, REQUESTS, len(errors), len(dropped), seconds, BACKEND)
        )
        print(figures)
        self.addDetail('fuzz', content.text_content(figures))
        self.assertEqual([], errors, self.server.read_log()[-20000:])
        self.assertEqual([], dropped)
        self.assertHealthy()
        self.settle()
        self.assertConsistent()

    def assertHealthy(self):
        for path in ('/healthcheck', '/v2/images', '/versions'):
            response = requests.get(self.server.url + path, timeout=30)
            self.assertIn(response.status_code, (200, 300), path)

    def settle(self):
        """Wait for background imports and task fetches to end."""
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while time.monotonic() < deadline:
            busy = self.sql(
                'SELECT id FROM images WHERE deleted = false AND status '
                "IN ('saving', 'importing')"
            ) + self.sql(
                'SELECT id FROM tasks WHERE deleted = false AND status '
                "IN ('pending', 'processing')"
            )
            if not busy:
                return
            time.sleep(0.5)

    def assertConsistent(self):
        saving = self.sql(
            "SELECT id FROM images WHERE deleted = false AND status = 'saving'"
        )
        self.assertEqual([], saving, 'images left in saving')
        live = {
            value[len('file://') :]
            for (value,) in self.sql(
                'SELECT l.value FROM image_locations l JOIN images i ON '
                'i.id = l.image_id WHERE l.deleted = false AND i.deleted = '
                "false AND l.status = 'active'"
            )
            if value.startswith('file://')
        }
        stored = set()
        for store in ('fast', 'cheap'):
            for root, _dirs, files in os.walk(
                os.path.join(self.server.tmp, store)
            ):
                stored.update(os.path.join(root, name) for name in files)
        self.assertEqual(set(), stored - live, 'files without a live location')
        self.assertEqual(set(), live - stored, 'live locations without a file')
        staging_images = {
            image_id: status
            for image_id, status in self.sql(
                'SELECT id, status FROM images WHERE deleted = false'
            )
        }
        stray = []
        for root, _dirs, files in os.walk(
            os.path.join(self.server.tmp, 'staging')
        ):
            for name in files:
                found = UUID.search(name)
                status = staging_images.get(found.group(0)) if found else None
                if status not in ('uploading', 'importing'):
                    stray.append((os.path.join(root, name), status))
        self.assertEqual([], stray, 'staged files of no image being staged')
