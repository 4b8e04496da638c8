"""Crash consistency of uploads and stages, with the real glance-api.

A glance-api killed (SIGKILL, workers and all) in the middle of ``PUT
/v2/images/{id}/file`` or ``.../stage`` leaves the image ``saving`` (or
``uploading``) and a partial file; the restarted API's recovery (or
``glance-manage image recover-uploads``) puts the image back to ``queued``
and removes the partial data once the write's lease ran out, and a retry
succeeds. A live upload of a second glance-api on the same database and
store is never touched. ``DELETE`` of an image being written, or staged,
removes that data; a store refusing the delete keeps the image (403).
"""

import contextlib
import hashlib
import os
import sqlite3
import subprocess
import sys
import time

import requests
import testtools
from testtools import content

from tests.fixtures import s3_server
from tests.fixtures import server as server_fixtures

MiB = 1024 * 1024
DATA = os.urandom(32 * MiB)
DIGEST = hashlib.sha512(DATA).hexdigest()
# Sent before the test acts: well inside the body, past the first writes.
FIRST_PART = 4 * MiB
# The lease (10 s) runs out, the next sweep (every 4 s) takes the write
# over; the machine is shared, so leave room.
RECOVERY_TIMEOUT = 90
STAGING = os.path.join('staging', 'os_glance_staging_store')
OCTETS = {'Content-Type': 'application/octet-stream'}


class UploadRecoveryTestCase(testtools.TestCase):
    """A multi-store glance-api (file stores fast and cheap) per test."""

    def setUp(self):
        super().setUp()
        self.server = self.useFixture(self.make_server())
        self.addOnException(self.attach_state)

    def make_server(self):
        return server_fixtures.GlanceAPIServer(multi_store=True)

    def attach_state(self, exc_info):
        self.addDetail(
            'glance-api.log', content.text_content(self.server.read_log())
        )
        self.addDetail(
            'tasks',
            content.text_content(repr(self.sql('SELECT * FROM tasks'))),
        )

    def request(self, method, path, server=None, **kwargs):
        server = server or self.server
        return requests.request(
            method, server.url + path, timeout=60, **kwargs
        )

    def create(self, server=None):
        response = self.request(
            'POST',
            '/v2/images',
            server,
            json={'disk_format': 'raw', 'container_format': 'bare'},
        )
        self.assertEqual(201, response.status_code, response.text)
        return response.json()['id']

    def status(self, image_id, server=None):
        response = self.request('GET', '/v2/images/' + image_id, server)
        if response.status_code == 404:
            return None
        self.assertEqual(200, response.status_code, response.text)
        return response.json()['status']

    def sql(self, statement, *args):
        database = os.path.join(self.server.tmp, 'glance.sqlite')
        with sqlite3.connect(database) as connection:
            return connection.execute(statement, args).fetchall()

    def db_status(self, image_id):
        [(status,)] = self.sql(
            'SELECT status FROM images WHERE id = ?', image_id
        )
        return status

    def leases(self, image_id):
        """Types of the task rows of the image (uploads hold a lease)."""
        return [
            task_type
            for (task_type,) in self.sql(
                'SELECT type FROM tasks WHERE image_id = ?', image_id
            )
        ]

    def files(self, where, image_id):
        """Names of the files, finished or partial, of the image."""
        directory = os.path.join(self.server.tmp, where)
        if not os.path.isdir(directory):
            return []
        return sorted(n for n in os.listdir(directory) if image_id in n)

    def wait_until(self, predicate, what, timeout=30, keep_alive=None):
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                self.fail('%s did not happen within %d s' % (what, timeout))
            if keep_alive is not None:
                keep_alive()
            time.sleep(0.2)

    def restart_until_queued(self, image_id):
        self.server.restart()
        self.wait_until(
            lambda: self.status(image_id) == 'queued',
            'the image back in queued',
            RECOVERY_TIMEOUT,
        )

    def partial_put(self, image_id, what='file', server=None):
        """A PUT that has sent part of the body and is being written."""
        server = server or self.server
        put = server_fixtures.PartialPut(
            server.port,
            '/v2/images/%s/%s' % (image_id, what),
            DATA,
            FIRST_PART,
        )
        self.addCleanup(put.close)
        where = 'fast' if what == 'file' else STAGING
        self.wait_until(
            lambda: self.files(where, image_id), 'the partial file'
        )
        return put

    def upload(self, image_id, what='file', server=None):
        return self.request(
            'PUT',
            '/v2/images/%s/%s' % (image_id, what),
            server,
            headers=OCTETS,
            data=DATA,
        )


class KilledWriteTest(UploadRecoveryTestCase):
    def kill_mid_write(self, what):
        image_id = self.create()
        self.partial_put(image_id, what)
        self.server.kill()
        writing = 'saving' if what == 'file' else 'uploading'
        self.assertEqual(writing, self.db_status(image_id))
        self.assertEqual(['os_glance_write'], self.leases(image_id))
        return image_id

    def test_killed_upload_is_undone_after_restart_and_retried(self):
        image_id = self.kill_mid_write('file')
        [partial] = self.files('fast', image_id)
        self.assertTrue(partial.startswith('.'), partial)
        self.restart_until_queued(image_id)
        self.assertEqual([], self.files('fast', image_id))
        self.assertEqual([], self.leases(image_id))
        self.assertIn(
            'The upload of image %s to store fast lost its process' % image_id,
            self.server.read_log(),
        )
        # The lease is no task of the API.
        tasks = self.request('GET', '/v2/tasks').json()['tasks']
        self.assertEqual([], tasks)
        response = self.upload(image_id)
        self.assertEqual(204, response.status_code, response.text)
        image = self.request('GET', '/v2/images/' + image_id).json()
        self.assertEqual(
            ('active', DIGEST), (image['status'], image['os_hash_value'])
        )
        self.assertEqual([image_id], self.files('fast', image_id))
        self.assertEqual([], self.leases(image_id))

    def test_killed_stage_is_undone_after_restart_and_retried(self):
        image_id = self.kill_mid_write('stage')
        self.restart_until_queued(image_id)
        self.assertEqual([], self.files(STAGING, image_id))
        self.assertEqual([], self.leases(image_id))
        response = self.upload(image_id, 'stage')
        self.assertEqual(204, response.status_code, response.text)
        self.assertEqual('uploading', self.status(image_id))
        self.assertEqual([image_id], self.files(STAGING, image_id))
        self.assertEqual([], self.leases(image_id))

    def test_glance_manage_undoes_a_killed_upload(self):
        image_id = self.kill_mid_write('file')
        self.recover_uploads(image_id)
        self.server.restart()
        response = self.upload(image_id)
        self.assertEqual(204, response.status_code, response.text)

    def kill_after_the_store_wrote(self):
        """What a process killed between the file store's rename and
        the database recording the upload leaves: the complete file under
        the image's name, no location, the image ``saving`` under a lease
        that runs out."""
        image_id = self.kill_mid_write('file')
        [partial] = self.files('fast', image_id)
        directory = os.path.join(self.server.tmp, 'fast')
        with open(os.path.join(directory, partial), 'wb') as f:
            f.write(DATA)
        os.rename(
            os.path.join(directory, partial), os.path.join(directory, image_id)
        )
        self.assertEqual([image_id], self.files('fast', image_id))
        return image_id

    def assert_retry_succeeds(self, image_id):
        response = self.upload(image_id)
        self.assertEqual(204, response.status_code, response.text)
        image = self.request('GET', '/v2/images/' + image_id).json()
        self.assertEqual(
            ('active', len(DATA), hashlib.md5(DATA).hexdigest(), DIGEST),
            (
                image['status'],
                image['size'],
                image['checksum'],
                image['os_hash_value'],
            ),
        )
        self.assertEqual([image_id], self.files('fast', image_id))
        self.assertEqual(
            DATA, self.request('GET', '/v2/images/%s/file' % image_id).content
        )

    def test_upload_killed_before_it_was_recorded_is_undone(self):
        image_id = self.kill_after_the_store_wrote()
        self.restart_until_queued(image_id)
        self.assertEqual([], self.files('fast', image_id))
        self.assertEqual([], self.leases(image_id))
        self.assert_retry_succeeds(image_id)

    def test_unrecorded_data_a_location_names_stays(self):
        other = self.create()
        image_id = self.kill_after_the_store_wrote()
        # Another image's live location names that data (as a client
        # could have added it, had the store allowed it).
        url = 'file://%s/fast/%s' % (self.server.tmp, image_id)
        self.sql(
            'INSERT INTO image_locations (image_id, value, meta_data, '
            'status, created_at, updated_at, deleted) VALUES (?, ?, ?, '
            "'active', datetime('now'), datetime('now'), 0)",
            other,
            url,
            '{"store": "fast"}',
        )
        self.restart_until_queued(image_id)
        self.assertEqual([], self.leases(image_id))
        self.assertEqual([image_id], self.files('fast', image_id))
        with open(os.path.join(self.server.tmp, 'fast', image_id), 'rb') as f:
            self.assertEqual(DIGEST, hashlib.sha512(f.read()).hexdigest())
        self.assertIn('a location names it', self.server.read_log())

    def test_glance_manage_removes_unrecorded_data(self):
        image_id = self.kill_after_the_store_wrote()
        self.recover_uploads(image_id)
        self.server.restart()
        self.assert_retry_succeeds(image_id)

    def recover_uploads(self, image_id):
        """glance-manage undoes the image's killed upload."""
        # The lease runs out (10 s) with no glance-api running.
        time.sleep(11)
        result = subprocess.run(
            [sys.executable, '-m', 'glance.cmd.manage']
            + ['--config-file', self.server.config_path]
            + ['image', 'recover-uploads'],
            cwd=self.server.tmp,
            env=self.server._environ(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertIn('1 abandoned upload(s) undone', result.stdout)
        self.assertEqual('queued', self.db_status(image_id))
        self.assertEqual([], self.files('fast', image_id))
        self.assertEqual([], self.leases(image_id))

    def test_delete_after_the_kill_removes_the_partial_file(self):
        image_id = self.kill_mid_write('file')
        self.server.restart()
        # At once: the dead writer's lease may still look live.
        response = self.request('DELETE', '/v2/images/' + image_id)
        self.assertEqual(204, response.status_code, response.text)
        self.assertEqual('deleted', self.db_status(image_id))
        self.wait_until(
            lambda: not self.files('fast', image_id),
            'the partial file removed',
            RECOVERY_TIMEOUT,
        )
        self.wait_until(lambda: not self.leases(image_id), 'the lease ended')
        self.assertEqual('deleted', self.db_status(image_id))


class DisconnectTest(UploadRecoveryTestCase):
    def test_client_going_away_leaves_nothing(self):
        for what, where in (('file', 'fast'), ('stage', STAGING)):
            image_id = self.create()
            self.partial_put(image_id, what).close()
            self.wait_until(
                lambda i=image_id: self.status(i) == 'queued', 'queued again'
            )
            self.assertEqual([], self.files(where, image_id))
            self.assertEqual([], self.leases(image_id))
            response = self.upload(image_id, what)
            self.assertEqual(204, response.status_code, response.text)


class LiveUploadElsewhereTest(UploadRecoveryTestCase):
    def test_restart_clean_up_leaves_a_live_upload_of_another_node(self):
        # Node B shares the database and the store directories of node A.
        other = self.useFixture(
            server_fixtures.GlanceAPIServer(
                multi_store=True,
                connection='sqlite:///%s/glance.sqlite' % self.server.tmp,
                data_dir=self.server.tmp,
            )
        )
        killed = self.create()
        live = self.create()
        self.partial_put(killed)
        on_b = self.partial_put(live, server=other)

        def trickle():
            on_b.send(64 * 1024)

        self.server.kill()
        self.server.restart()
        self.wait_until(
            lambda: self.status(killed) == 'queued',
            'the killed upload undone',
            RECOVERY_TIMEOUT,
            keep_alive=trickle,
        )
        # More sweeps of both nodes pass while B keeps writing.
        deadline = time.monotonic() + 10
        self.wait_until(
            lambda: time.monotonic() > deadline, 'time', keep_alive=trickle
        )
        self.assertEqual('saving', self.status(live))
        self.assertEqual(1, len(self.files('fast', live)))
        self.assertEqual(204, on_b.finish())
        image = self.request('GET', '/v2/images/' + live).json()
        self.assertEqual('active', image['status'])
        self.assertEqual(DIGEST, image['os_hash_value'])
        self.assertEqual([live], self.files('fast', live))
        self.assertEqual([], self.files('fast', killed))
        self.assertEqual([], self.leases(live) + self.leases(killed))


S3_LEGACY = """\
[glance_store]
stores = s3
default_store = s3
s3_store_host = {endpoint}
s3_store_access_key = AKIAKILLEDUPLOADTEST
s3_store_secret_key = killed/upload/secret
s3_store_bucket = glance
# Multipart from 5 MB on, in 5 MB parts.
s3_store_large_object_size = 5
s3_store_large_object_chunk_size = 5
"""


class S3KilledUploadTest(UploadRecoveryTestCase):
    """Legacy single-store s3 on a moto server: a killed multipart upload
    leaves parts, which the restarted API's clean-up aborts."""

    def make_server(self):
        self.s3 = self.useFixture(s3_server.MotoS3Server())
        self.client = self.s3.client()
        self.client.create_bucket(Bucket='glance')
        return server_fixtures.GlanceAPIServer(
            stores_config=S3_LEGACY.format(endpoint=self.s3.endpoint)
        )

    def uploads(self):
        listing = self.client.list_multipart_uploads(Bucket='glance')
        return [upload['Key'] for upload in listing.get('Uploads', [])]

    def objects(self):
        listing = self.client.list_objects_v2(Bucket='glance')
        return [item['Key'] for item in listing.get('Contents', [])]

    def test_killed_multipart_upload_is_aborted_after_restart(self):
        image_id = self.create()
        put = server_fixtures.PartialPut(
            self.server.port,
            '/v2/images/%s/file' % image_id,
            DATA,
            16 * MiB,
        )
        self.addCleanup(put.close)
        self.wait_until(
            lambda: image_id in self.uploads(), 'the multipart upload'
        )
        self.server.kill()
        put.close()
        self.assertEqual('saving', self.db_status(image_id))
        self.restart_until_queued(image_id)
        self.assertEqual([], self.uploads())
        self.assertEqual([], self.objects())
        self.assertEqual([], self.leases(image_id))
        response = self.upload(image_id)
        self.assertEqual(204, response.status_code, response.text)
        self.assertEqual([image_id], self.objects())
        self.assertEqual([], self.uploads())


@contextlib.contextmanager
def unwritable(directory):
    """Make ``directory`` refuse changes, even to root (immutable)."""
    if os.geteuid() == 0:
        undo = ['chattr', '-i', directory]
        subprocess.run(['chattr', '+i', directory], check=True)
    else:
        undo = ['chmod', '0755', directory]
        os.chmod(directory, 0o555)
    try:
        yield
    finally:
        subprocess.run(undo, check=True)


class DeleteTest(UploadRecoveryTestCase):
    def test_delete_of_an_image_being_uploaded(self):
        image_id = self.create()
        put = self.partial_put(image_id)
        response = self.request('DELETE', '/v2/images/' + image_id)
        self.assertEqual(204, response.status_code, response.text)
        # The live writer finds the image gone and removes its data.
        self.assertEqual(410, put.finish())
        self.assertEqual([], self.files('fast', image_id))
        self.assertEqual([], self.leases(image_id))
        self.assertEqual('deleted', self.db_status(image_id))

    def test_delete_of_a_staged_image_removes_the_staged_file(self):
        image_id = self.create()
        response = self.upload(image_id, 'stage')
        self.assertEqual(204, response.status_code, response.text)
        self.assertEqual([image_id], self.files(STAGING, image_id))
        response = self.request('DELETE', '/v2/images/' + image_id)
        self.assertEqual(204, response.status_code, response.text)
        self.assertEqual([], self.files(STAGING, image_id))
        self.assertEqual('deleted', self.db_status(image_id))

    def test_delete_refused_by_the_store_keeps_the_image(self):
        image_id = self.create()
        self.assertEqual(204, self.upload(image_id).status_code)
        with unwritable(os.path.join(self.server.tmp, 'fast')):
            response = self.request('DELETE', '/v2/images/' + image_id)
            self.assertEqual(403, response.status_code, response.text)
        self.assertEqual('active', self.status(image_id))
        self.assertEqual([image_id], self.files('fast', image_id))
        self.assertEqual(
            [('active',)],
            self.sql(
                'SELECT status FROM image_locations WHERE image_id = ?',
                image_id,
            ),
        )
        self.assertEqual(
            DATA, self.request('GET', '/v2/images/%s/file' % image_id).content
        )
        response = self.request('DELETE', '/v2/images/' + image_id)
        self.assertEqual(204, response.status_code, response.text)
        self.assertEqual([], self.files('fast', image_id))
        self.assertEqual('deleted', self.db_status(image_id))

    def test_delete_of_a_staged_image_refused_keeps_it(self):
        image_id = self.create()
        self.assertEqual(204, self.upload(image_id, 'stage').status_code)
        with unwritable(os.path.join(self.server.tmp, STAGING)):
            response = self.request('DELETE', '/v2/images/' + image_id)
            self.assertEqual(403, response.status_code, response.text)
        self.assertEqual('uploading', self.status(image_id))
        self.assertEqual([image_id], self.files(STAGING, image_id))
        response = self.request('DELETE', '/v2/images/' + image_id)
        self.assertEqual(204, response.status_code, response.text)
        self.assertEqual([], self.files(STAGING, image_id))
