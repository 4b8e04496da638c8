"""``glance-api`` with no configuration at all, as on a fresh machine."""

import hashlib
import io
import os
import socket
import subprocess
import sys
import time

import fixtures
import glanceclient
import requests
import testtools

from tests.fixtures import server as server_fixtures

DEFAULT_PORT = 9292
# The command installed beside the Python running the tests (a venv's),
# else the one on PATH.
GLANCE_API = os.path.join(os.path.dirname(sys.executable), 'glance-api')
if not os.path.exists(GLANCE_API):
    GLANCE_API = 'glance-api'


def port_is_free(port):
    with socket.socket() as sock:
        try:
            sock.bind(('0.0.0.0', port))
        except OSError:
            return False
    return True


class EmbeddedDefaultTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        if not port_is_free(DEFAULT_PORT):
            self.skipTest('port %d is in use' % DEFAULT_PORT)
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.output = os.path.join(self.tmp, 'output.log')
        environ = dict(
            os.environ, HOME=self.tmp, PYTHONPATH=server_fixtures.REPO_ROOT
        )
        with open(self.output, 'wb') as output:
            self.process = subprocess.Popen(
                [GLANCE_API],
                cwd=self.tmp,
                env=environ,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        self.addCleanup(self.stop)
        self.url = 'http://127.0.0.1:%d' % DEFAULT_PORT
        self.wait_until_serving()

    def stop(self):
        self.process.terminate()
        try:
            returncode = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            self.fail('glance-api ignored SIGTERM:\n' + self.read_output())
        self.assertEqual(0, returncode, self.read_output())

    def read_output(self):
        with open(self.output, errors='replace') as output:
            return output.read()

    def wait_until_serving(self):
        deadline = time.monotonic() + server_fixtures.START_TIMEOUT
        while time.monotonic() < deadline:
            self.assertIsNone(self.process.poll(), self.read_output())
            try:
                requests.get(self.url + '/versions', timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        self.fail('glance-api did not start:\n' + self.read_output())

    def test_listens_on_loopback_only(self):
        # /proc/net/tcp: local address as hex "addr:port", state 0A = LISTEN.
        with open('/proc/net/tcp') as table:
            rows = [line.split() for line in table.readlines()[1:]]
        listening = {
            row[1].split(':')[0]
            for row in rows
            if row[3] == '0A' and int(row[1].split(':')[1], 16) == DEFAULT_PORT
        }
        self.assertEqual({'0100007F'}, listening)  # 127.0.0.1, little-endian

    def test_serves_with_data_under_cwd(self):
        data = os.path.join(self.tmp, 'data')
        self.assertIn('data lives in %s' % data, self.read_output())
        self.assertTrue(os.path.isfile(os.path.join(data, 'glance.sqlite')))
        client = glanceclient.Client('2', self.url, token='unused')
        image = client.images.create(name='fresh')
        client.images.upload(image.id, io.BytesIO(b'fresh machine'))
        shown = client.images.get(image.id)
        self.assertEqual('fast', shown.stores)
        self.assertEqual(
            hashlib.md5(b'fresh machine').hexdigest(), shown.checksum
        )
        stored = os.listdir(os.path.join(data, 'fast'))
        self.assertEqual([image.id], stored)
        listing = subprocess.run(
            ['glance', '--os-image-url', self.url, 'image-list'],
            env=dict(os.environ, OS_AUTH_TOKEN='unused'),
            capture_output=True,
            text=True,
            timeout=60,
        )
        self.assertEqual(0, listing.returncode, listing.stderr)
        self.assertIn(image.id, listing.stdout)
