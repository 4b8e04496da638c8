"""The tasks API against the real glance-api: imports record tasks.

Tasks other than imports (old, finished, expired) are written straight
into the server's SQLite database, as an older glance or an upstream one
would have left them.
"""

import datetime
import io
import os
import time
import uuid

from oslo_config import cfg

from glance import context as glance_context
from glance.db import session
from glance.db import tasks as db_tasks
from tests.fixtures import byte_server
from tests.functional.api import base

DATA = os.urandom(256 * 1024)
NOW = datetime.datetime.utcnow()


class TasksTest(base.DataTestCase):
    @classmethod
    def setUpClass(cls):
        cls.source = byte_server.ByteServer(DATA)
        cls.source.setUp()
        cls.server_args = dict(
            cls.server_args,
            extra_config='[import_filtering_opts]\nallowed_hosts = ['
            '127.0.0.1]\nallowed_ports = [%d]\n' % cls.source.port,
        )
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.source.cleanUp()

    def setUp(self):
        super().setUp()
        conf = cfg.ConfigOpts()
        session.register_opts(conf)
        conf([], default_config_files=[])
        conf.set_override(
            'connection',
            'sqlite:///%s/glance.sqlite' % self.server.tmp,
            group='database',
        )
        session.configure(conf)
        self.admin = glance_context.get_admin_context()

    def add_task(self, **values):
        values.setdefault('type', 'import')
        values.setdefault('status', 'success')
        values.setdefault('owner', 'owner-project')
        values.setdefault('input', {'import_from': 'http://example.com/x'})
        return db_tasks.create(self.admin, values)

    def age(self, task_id, hours):
        """Make a task look last changed ``hours`` ago."""
        with session.writer.using(self.admin) as connection:
            connection.execute(
                db_tasks.TASKS.update()
                .where(db_tasks.TASKS.c.id == task_id)
                .values(updated_at=NOW - datetime.timedelta(hours=hours))
            )

    def test_list_show_filters_and_paging(self):
        kind = uuid.uuid4().hex[:8]
        created = [
            self.add_task(status=status, result={'kind': kind})
            for status in ('success', 'failure', 'processing')
        ]
        listed = self.request('GET', '/v2/tasks?limit=100').json()
        self.assertEqual('/v2/schemas/tasks', listed['schema'])
        by_id = {t['id']: t for t in listed['tasks']}
        for task in created:
            self.assertIn(task.id, by_id)
            entry = by_id[task.id]
            self.assertEqual('/v2/tasks/' + task.id, entry['self'])
            for hidden in ('input', 'result', 'message'):
                self.assertNotIn(hidden, entry)
        failed = self.request('GET', '/v2/tasks?status=failure').json()
        self.assertIn(created[1].id, [t['id'] for t in failed['tasks']])
        self.assertEqual({'failure'}, {t['status'] for t in failed['tasks']})
        self.assertEqual(
            400, self.request('GET', '/v2/tasks?status=bogus').status_code
        )
        self.assertEqual(
            400, self.request('GET', '/v2/tasks?type=bogus').status_code
        )
        self.assertEqual(
            400, self.request('GET', '/v2/tasks?sort_key=owner').status_code
        )

        seen = []
        path = '/v2/tasks?limit=2&sort_key=id&sort_dir=asc'
        while path:
            page = self.request('GET', path).json()
            self.assertLessEqual(len(page['tasks']), 2)
            seen += [t['id'] for t in page['tasks']]
            path = page.get('next')
        self.assertEqual(sorted(seen), seen)
        self.assertLessEqual({t.id for t in created}, set(seen))

        shown = self.request('GET', '/v2/tasks/' + created[0].id)
        self.assertEqual(200, shown.status_code)
        body = shown.json()
        self.assertEqual({'kind': kind}, body['result'])
        self.assertEqual(
            {'import_from': 'http://example.com/x'}, body['input']
        )
        self.assertEqual('/v2/schemas/task', body['schema'])
        # Finished: shown until task_time_to_live (48 hours) after.
        updated = datetime.datetime.strptime(
            body['updated_at'], '%Y-%m-%dT%H:%M:%SZ'
        )
        self.assertEqual(
            updated + datetime.timedelta(hours=48),
            datetime.datetime.strptime(
                body['expires_at'], '%Y-%m-%dT%H:%M:%SZ'
            ),
        )
        running = self.request('GET', '/v2/tasks/' + created[2].id).json()
        self.assertNotIn('expires_at', running)
        self.assertEqual(
            404,
            self.request('GET', '/v2/tasks/' + str(uuid.uuid4())).status_code,
        )

    def test_tasks_cannot_be_deleted(self):
        task = self.add_task()
        response = self.request('DELETE', '/v2/tasks/' + task.id)
        self.assertEqual(405, response.status_code)
        self.assertEqual('GET', response.headers['Allow'])
        self.assertEqual(
            200, self.request('GET', '/v2/tasks/' + task.id).status_code
        )

    def test_expired_tasks_are_not_shown(self):
        old = self.add_task(status='success')
        self.age(old.id, 49)
        still = self.add_task(status='failure')
        self.age(still.id, 47)
        running = self.add_task(status='processing')
        self.age(running.id, 100)
        dated = self.add_task(
            status='success', expires_at=NOW - datetime.timedelta(minutes=1)
        )
        listed = {
            t['id']
            for t in self.request('GET', '/v2/tasks?limit=1000').json()[
                'tasks'
            ]
        }
        self.assertNotIn(old.id, listed)
        self.assertNotIn(dated.id, listed)
        self.assertIn(still.id, listed)
        self.assertIn(running.id, listed)
        for task_id in (old.id, dated.id):
            self.assertEqual(
                404, self.request('GET', '/v2/tasks/' + task_id).status_code
            )

    def test_tasks_api_is_for_admins(self):
        task = self.add_task()
        for path in ('/v2/tasks', '/v2/tasks/' + task.id):
            self.assertEqual(
                403, self.request('GET', path, base.OWNER).status_code, path
            )

    def test_schemas(self):
        task = self.request('GET', '/v2/schemas/task').json()
        self.assertEqual('task', task['name'])
        self.assertIn('api_image_import', task['properties']['type']['enum'])
        tasks = self.request('GET', '/v2/schemas/tasks').json()
        self.assertNotIn(
            'input', tasks['properties']['tasks']['items']['properties']
        )

    def test_an_import_shows_in_the_image_tasks(self):
        image = self.create_image(
            headers=base.OWNER, disk_format='raw', container_format='bare'
        )
        path = '/v2/images/%s/tasks' % image['id']
        self.assertEqual(
            [], self.request('GET', path, base.OWNER).json()['tasks']
        )
        self.glance.images.stage(image['id'], io.BytesIO(DATA))
        response = self.request(
            'POST',
            '/v2/images/%s/import' % image['id'],
            base.OWNER,
            json={'method': {'name': 'glance-direct'}},
        )
        self.assertEqual(202, response.status_code, response.text)
        deadline = time.monotonic() + 30
        while True:
            tasks = self.request('GET', path, base.OWNER).json()['tasks']
            if tasks and tasks[0]['status'] in ('success', 'failure'):
                break
            self.assertLess(time.monotonic(), deadline, tasks)
            time.sleep(0.1)
        self.assertEqual(1, len(tasks))
        task = tasks[0]
        self.assertEqual('success', task['status'])
        self.assertEqual('api_image_import', task['type'])
        self.assertEqual(image['id'], task['image_id'])
        self.assertEqual('owner-project', task['owner'])
        self.assertIn('request-id', task)
        self.assertIn('expires_at', task)
        # Other projects do not see the image, nor its tasks.
        self.assertEqual(
            404, self.request('GET', path, base.OTHER).status_code
        )
        # The admin's tasks API shows the same task.
        shown = self.request('GET', '/v2/tasks/' + task['id']).json()
        self.assertEqual('success', shown['status'])
        self.assertEqual(image['id'], shown['image_id'])

    def wait_for_task(self, task_id):
        deadline = time.monotonic() + 30
        while True:
            task = self.request('GET', '/v2/tasks/' + task_id).json()
            if task['status'] in ('success', 'failure'):
                return task
            self.assertLess(time.monotonic(), deadline, task)
            time.sleep(0.1)

    def import_task(self, uri, headers=base.ADMIN, **properties):
        return self.request(
            'POST',
            '/v2/tasks',
            headers,
            json={
                'type': 'import',
                'input': {
                    'import_from': uri,
                    'import_from_format': 'raw',
                    'image_properties': dict(
                        properties, container_format='bare'
                    ),
                },
            },
        )

    def test_import_task_creates_an_image(self):
        name = uuid.uuid4().hex
        response = self.import_task(
            self.source.url('/img'), name=name, color='blue'
        )
        self.assertEqual(201, response.status_code, response.text)
        created = response.json()
        self.assertEqual('pending', created['status'])
        self.assertEqual('import', created['type'])
        self.assertTrue(
            response.headers['Location'].endswith('/v2/tasks/' + created['id'])
        )
        task = self.wait_for_task(created['id'])
        self.assertEqual('success', task['status'], task)
        image = self._show(task['result']['image_id'])
        self.addCleanup(self.request, 'DELETE', '/v2/images/' + image['id'])
        self.assertEqual('active', image['status'])
        self.assertEqual(len(DATA), image['size'])
        self.assertEqual(
            (name, 'blue', 'raw'),
            (image['name'], image['color'], image['disk_format']),
        )
        self.assertEqual(DATA, b''.join(self.glance.images.data(image['id'])))

    def test_import_task_from_a_fake_location_fails(self):
        # As tempest's test_task_create_fake_image_location.
        name = uuid.uuid4().hex
        response = self.import_task(
            'http://%s.invalid/dummy-img-file.qcow2' % name, name=name
        )
        self.assertEqual(201, response.status_code, response.text)
        task = self.wait_for_task(response.json()['id'])
        self.assertEqual('failure', task['status'])
        # Here [import_filtering_opts] refuses the host before any fetch.
        self.assertIn('import_filtering_opts', task['message'])
        self.assertNotIn(
            name,
            [i['name'] for i in self.glance.images.list()],
            'the image is removed with the failure',
        )

    def test_import_task_rules(self):
        self.assertEqual(
            403,
            self.import_task(self.source.url('/img'), base.OWNER).status_code,
        )
        for body in (
            {'type': 'other', 'input': {}},
            {'type': 'import'},
            {'type': 'import', 'input': {'import_from': 'http://x/y'}},
        ):
            response = self.request('POST', '/v2/tasks', json=body)
            self.assertEqual(400, response.status_code, body)
        response = self.import_task(self.source.url('/img'), id='bad')
        self.assertEqual(403, response.status_code, response.text)
