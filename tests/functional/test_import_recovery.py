"""An import whose glance-api process is killed (SIGKILL, workers and all)
in the middle: after a restart no image stays ``importing``. glance-direct
and copy-image are resumed and end active in every requested store; a
web-download, which is not resumed, ends ``queued`` with
``os_glance_failed_import`` naming its stores, and a retried import
succeeds."""

import hashlib
import http.server
import os
import sqlite3
import threading
import time

from testtools import content

from tests.fixtures import byte_server
from tests.functional.api import base

# Large enough that copying it into two stores (with fsync) outlasts the
# moment between the 202 and the kill.
DATA = os.urandom(96 * 1024 * 1024)
DIGEST = hashlib.sha512(DATA).hexdigest()
# The lease (10 s) runs out, the next sweep (every 4 s) takes the task
# over and the import runs again.
RECOVERY_TIMEOUT = 180
STAGING = os.path.join('staging', 'os_glance_staging_store')


class SlowSource(http.server.ThreadingHTTPServer):
    """Serves DATA a little at a time, so a fetch is still running when
    the test kills the server that fetches."""

    def __init__(self):
        super().__init__(('127.0.0.1', 0), self._Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return 'http://127.0.0.1:%d/img' % self.server_port

    class _Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header('Content-Length', str(len(DATA)))
            self.end_headers()
            try:
                for start in range(0, len(DATA), 1024 * 1024):
                    self.wfile.write(DATA[start : start + 1024 * 1024])
                    time.sleep(0.2)
            except OSError:
                pass  # the fetching server died, as the test wants

        def log_message(self, *args):
            pass


class ImportRecoveryTest(base.DataTestCase):
    def setUp(self):
        super().setUp()
        self.addOnException(self.attach_log)
        self.slow = SlowSource()
        self.addCleanup(self.slow.server_close)
        self.addCleanup(self.slow.shutdown)
        self.quick = self.useFixture(byte_server.ByteServer(DATA))
        self.server.restart(
            extra_config='[import_filtering_opts]\n'
            'allowed_hosts = [127.0.0.1]\n'
            'allowed_ports = [%d, %d]\n'
            % (self.slow.server_port, self.quick.port)
        )

    def attach_log(self, exc_info):
        self.addDetail(
            'glance-api.log', content.text_content(self.server.read_log())
        )
        self.addDetail(
            'tasks',
            content.text_content(
                repr(
                    self.sql(
                        'SELECT * FROM tasks t '
                        'JOIN task_info i ON i.task_id = t.id'
                    )
                )
            ),
        )

    def sql(self, statement, *args):
        database = os.path.join(self.server.tmp, 'glance.sqlite')
        with sqlite3.connect(database) as connection:
            return connection.execute(statement, args).fetchall()

    def task_of(self, image_id):
        [row] = self.sql(
            'SELECT t.status, t.type, i.message FROM tasks t '
            'JOIN task_info i ON i.task_id = t.id WHERE t.image_id = ?',
            image_id,
        )
        return row

    def files_of(self, image_id, store):
        """Names of the files of the image in a store's directory (the
        class's server keeps one directory for every test)."""
        directory = os.path.join(self.server.tmp, store)
        return sorted(n for n in os.listdir(directory) if image_id in n)

    def start_import(self, image_id, method, stores):
        response = self.request(
            'POST',
            '/v2/images/%s/import' % image_id,
            json={'method': method, 'stores': list(stores)},
        )
        self.assertEqual(202, response.status_code, response.text)

    def kill_and_restart(self, image_id):
        deadline = time.monotonic() + 10
        while self.task_of(image_id)[0] == 'pending':
            self.assertLess(time.monotonic(), deadline, 'import never ran')
            time.sleep(0.01)
        self.server.kill()
        status, task_type, _ = self.task_of(image_id)
        self.assertEqual('api_image_import', task_type)
        # The kill came in the middle of the import.
        self.assertEqual('processing', status)
        self.server.restart()

    def recovered(self, image_id):
        return self.wait_for_import(image_id, timeout=RECOVERY_TIMEOUT)

    def assert_active_in(self, image, *stores):
        self.assertEqual('active', image['status'])
        self.assertEqual(','.join(stores), image['stores'])
        self.assertEqual(DIGEST, image['os_hash_value'])
        for store in stores:
            directory = os.path.join(self.server.tmp, store)
            # The killed attempt's partial file is gone too.
            self.assertEqual([image['id']], self.files_of(image['id'], store))
            path = os.path.join(directory, image['id'])
            with open(path, 'rb') as stored:
                self.assertEqual(
                    DIGEST, hashlib.sha512(stored.read()).hexdigest()
                )
        self.assertEqual('success', self.task_of(image['id'])[0])
        self.assertEqual([], self.files_of(image['id'], STAGING))

    def test_killed_glance_direct_import_is_resumed(self):
        image = self._new_image()
        staged = self.request(
            'PUT',
            '/v2/images/%s/stage' % image['id'],
            {'Content-Type': 'application/octet-stream'},
            data=DATA,
        )
        self.assertEqual(204, staged.status_code, staged.text)
        self.start_import(
            image['id'], {'name': 'glance-direct'}, ['fast', 'cheap']
        )
        self.kill_and_restart(image['id'])
        self.assert_active_in(self.recovered(image['id']), 'fast', 'cheap')

    def test_killed_copy_image_import_is_resumed(self):
        image = self._new_image()
        uploaded = self.request(
            'PUT',
            '/v2/images/%s/file' % image['id'],
            {'Content-Type': 'application/octet-stream'},
            data=DATA,
        )
        self.assertEqual(204, uploaded.status_code, uploaded.text)
        self.start_import(image['id'], {'name': 'copy-image'}, ['cheap'])
        self.kill_and_restart(image['id'])
        self.assert_active_in(self.recovered(image['id']), 'fast', 'cheap')

    def test_killed_web_download_fails_cleanly_and_a_retry_succeeds(self):
        image = self._new_image()
        method = {'name': 'web-download', 'uri': self.slow.url}
        self.start_import(image['id'], method, ['fast'])
        self.kill_and_restart(image['id'])
        failed = self.recovered(image['id'])
        self.assertEqual('queued', failed['status'])
        self.assertEqual('fast', failed['os_glance_failed_import'])
        self.assertEqual('', failed['os_glance_importing_to_stores'])
        status, _, message = self.task_of(image['id'])
        self.assertEqual('failure', status)
        self.assertIn('died', message)
        self.assertEqual([], self.files_of(image['id'], 'fast'))
        self.assertEqual([], self.files_of(image['id'], STAGING))
        method = {'name': 'web-download', 'uri': self.quick.url('/img')}
        self.start_import(image['id'], method, ['fast'])
        retried = self.wait_for_import(image['id'])
        self.assertEqual('active', retried['status'])
        self.assertEqual(DIGEST, retried['os_hash_value'])
