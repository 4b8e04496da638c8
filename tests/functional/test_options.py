"""Options at start-up, against the real glance-api and glance-manage:
validation, warnings for upstream options without effect, server options.
"""

import hashlib
import socket
import time

import fixtures
import requests
import testtools

from tests.fixtures import server as server_fixtures
from tests.functional.api import base

BAD_PORTS = (
    server_fixtures.MINIMAL
    + """\
[import_filtering_opts]
allowed_ports = 80, 443
"""
)


class InvalidValueTest(testtools.TestCase):
    """A list in the form upstream refuses (no brackets) stops both."""

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def _assert_names_option(self, result):
        self.assertEqual(1, result.returncode, result.stderr)
        self.assertIn(
            'Invalid value for option [import_filtering_opts] allowed_ports '
            'in %s/glance-api.conf: \'80, 443\' (Value should start with "[")'
            % self.tmp,
            result.stderr,
        )
        self.assertNotIn('Traceback', result.stderr)

    def test_glance_api_does_not_start(self):
        self._assert_names_option(
            server_fixtures.run_command('glance.cmd.api', BAD_PORTS, self.tmp)
        )

    def test_glance_manage_refuses_to_run(self):
        self._assert_names_option(
            server_fixtures.run_command(
                ('glance.cmd.manage', 'db', 'sync'), BAD_PORTS, self.tmp
            )
        )


class IgnoredOptionTest(testtools.TestCase):
    """An upstream option that has no effect here: one WARNING when set
    (two workers, one start), none for those left alone."""

    def test_one_warning_per_option_set(self):
        server = self.useFixture(
            server_fixtures.GlanceAPIServer(
                options={'delayed_delete': 'true'},
                extra_config='[taskflow_executor]\nengine_mode = serial\n',
                workers=2,
            )
        )
        log = server.read_log()
        self.assertEqual(
            1,
            log.count(
                'Option [DEFAULT] delayed_delete is set but has no effect '
                'in this version'
            ),
            log,
        )
        self.assertEqual(
            1, log.count('Option [taskflow_executor] engine_mode is')
        )
        self.assertNotIn('scrub_time', log)


class ServerOptionsTest(testtools.TestCase):
    def _server(self, **options):
        return self.useFixture(
            server_fixtures.GlanceAPIServer(
                options={k: str(v) for k, v in options.items()}
            )
        )

    def test_header_lines_up_to_max_header_line(self):
        # Default 16384, as upstream: a 12 KiB header (a big token) passes.
        server = self._server()
        response = requests.get(
            server.url + '/versions',
            headers={'X-Big': 'x' * 12000},
            timeout=30,
        )
        self.assertEqual(200, response.status_code)

    def test_longer_header_lines_refused(self):
        server = self._server(max_header_line=1024)
        response = requests.get(
            server.url + '/versions',
            headers={'X-Big': 'x' * 2000},
            timeout=30,
        )
        self.assertEqual(400, response.status_code // 100 * 100)
        ok = requests.get(
            server.url + '/versions', headers={'X-Small': 'x' * 900}
        )
        self.assertEqual(200, ok.status_code)

    def test_idle_connection_closed_after_client_socket_timeout(self):
        server = self._server(client_socket_timeout=1)
        with socket.create_connection(('127.0.0.1', server.port)) as sock:
            sock.sendall(b'GET /versions HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
            sock.settimeout(10)
            self.assertIn(b' 200 ', sock.recv(65536).split(b'\r\n')[0])
            started = time.monotonic()
            while sock.recv(65536):
                pass  # rest of the response, then the server's close
            self.assertLess(time.monotonic() - started, 8)


class ImageOptionsTest(base.ServerTestCase):
    """[image_format] and hashing_algorithm set to non-defaults."""

    server_args = {
        'options': {'hashing_algorithm': 'sha256'},
        'extra_config': '[image_format]\ndisk_formats = raw, qcow2\n'
        'container_formats = bare\n',
    }

    def test_schema_lists_the_configured_formats(self):
        schema = self.request('GET', '/v2/schemas/image').json()
        properties = schema['properties']
        self.assertEqual(
            [None, 'raw', 'qcow2'], properties['disk_format']['enum']
        )
        self.assertEqual(
            [None, 'bare'], properties['container_format']['enum']
        )
        images = self.request('GET', '/v2/schemas/images').json()
        self.assertEqual(
            [None, 'raw', 'qcow2'],
            images['properties']['images']['items']['properties'][
                'disk_format'
            ]['enum'],
        )

    def test_other_formats_refused(self):
        self.create_image(disk_format='qcow2', container_format='bare')
        for values in (
            {'disk_format': 'vmdk'},
            {'container_format': 'ovf'},
        ):
            response = self.request(
                'POST', '/v2/images', base.OWNER, json=values
            )
            self.assertEqual(400, response.status_code, response.text)
        image = self.create_image()
        response = self.patch(
            image['id'],
            [{'op': 'add', 'path': '/disk_format', 'value': 'iso'}],
        )
        self.assertEqual(400, response.status_code, response.text)

    def test_upload_hashes_with_hashing_algorithm(self):
        image = self.create_image(disk_format='raw', container_format='bare')
        data = b'data' * 1000
        response = self.request(
            'PUT',
            '/v2/images/%s/file' % image['id'],
            dict(base.OWNER, **{'Content-Type': 'application/octet-stream'}),
            data=data,
        )
        self.assertEqual(204, response.status_code, response.text)
        shown = self.request('GET', '/v2/images/' + image['id'], base.OWNER)
        self.assertEqual('sha256', shown.json()['os_hash_algo'])
        self.assertEqual(
            hashlib.sha256(data).hexdigest(), shown.json()['os_hash_value']
        )


class WorkersTest(testtools.TestCase):
    def test_workers_sets_the_worker_processes(self):
        server = self.useFixture(server_fixtures.GlanceAPIServer(workers=3))
        pid = server.process.pid
        path = '/proc/%d/task/%d/children' % (pid, pid)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with open(path) as children:
                if len(children.read().split()) == 3:
                    break
            time.sleep(0.2)
        with open(path) as children:
            self.assertEqual(3, len(children.read().split()))
