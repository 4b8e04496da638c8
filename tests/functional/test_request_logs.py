"""glance-api's log, request by request, on the real process.

Every request gets one access line naming its request id; every line a
request logs (the lazy store update's and store resolution's included)
carries that request's id and user, never those of a request the same
worker thread served before.
"""

import re
import sqlite3
import time
import uuid

import requests
import sqlalchemy as sa
import testtools

from tests.fixtures import server as server_fixtures
from tests.fixtures import tcp_proxy
from tests.functional import test_lazy_update
from tests.functional.api import base
from tests.functional.db import base as db_base

# oslo.log's default context format plus the thread, so a test can tell
# which requests one worker thread served.
LOG_FORMAT = (
    '%(asctime)s.%(msecs)03d %(process)d %(thread)d %(levelname)s '
    '%(name)s [%(global_request_id)s %(request_id)s %(user_identity)s] '
    '%(instance)s%(message)s'
)
LINE = re.compile(
    r'^\S+ \S+ (?P<pid>\d+) (?P<thread>\d+) (?P<level>\w+) (?P<logger>\S+) '
    r'\[\S+ (?P<request_id>\S+) (?P<user>\S+) (?P<project>\S+) [^\]]*\] '
    r'(?P<message>.*)$'
)
ACCESS = re.compile(
    r'^(?P<client>\S+) "(?P<method>\S+) (?P<path>\S+) HTTP/1.1" '
    r'status: (?P<status>\d+) len: (?P<len>\d+) time: (?P<time>[\d.]+)$'
)
ACCESS_LOGGER = 'glance.wsgi.access_log'
SECRET = 'query-token-f00d'
DATA = b'0123456789' * 100000


def user(name):
    return {
        'X-User-Id': name,
        'X-Project-Id': 'project-' + name,
        'X-Roles': 'member',
    }


def parse(log):
    """The context-formatted lines of ``log`` as dicts."""
    found = []
    for line in log.splitlines():
        match = LINE.match(line)
        if match:
            found.append(match.groupdict())
    return found


class LoggedServerTest(testtools.TestCase):
    server_args = {}

    def setUp(self):
        super().setUp()
        options = {'logging_context_format_string': LOG_FORMAT}
        self.server = self.useFixture(
            server_fixtures.GlanceAPIServer(
                options=options, **self.server_args
            )
        )

    def request(self, method, path, headers=None, **kwargs):
        return requests.request(
            method,
            self.server.url + path,
            headers=headers,
            timeout=30,
            **kwargs,
        )

    def access_lines(self):
        lines = {}
        for line in parse(self.server.read_log()):
            if line['logger'] == ACCESS_LOGGER:
                match = ACCESS.match(line['message'])
                self.assertIsNotNone(match, line['message'])
                line.update(match.groupdict())
                lines.setdefault(line['request_id'], []).append(line)
        return lines


class AccessLineTest(LoggedServerTest):
    def test_one_line_per_request(self):
        sent = []  # (response, method, path) in order

        def call(method, path, headers=base.OWNER, **kwargs):
            response = self.request(method, path, headers, **kwargs)
            sent.append((response, method, path.split('?')[0]))
            return response

        image = call(
            'POST',
            '/v2/images',
            json={'disk_format': 'raw', 'container_format': 'bare'},
        ).json()
        file_path = '/v2/images/%s/file' % image['id']
        call(
            'PUT',
            file_path,
            dict(base.OWNER, **{'Content-Type': 'application/octet-stream'}),
            data=DATA,
        )
        for _ in range(3):
            self.assertEqual(DATA, call('GET', file_path).content)
        ranged = call('GET', file_path, dict(base.OWNER, Range='bytes=0-9'))
        self.assertEqual(206, ranged.status_code)
        # A streamed download the client stops reading.
        with self.request('GET', file_path, base.OWNER, stream=True) as cut:
            cut.raw.read(10)
        sent.append((cut, 'GET', file_path))
        call('GET', '/v2/images?limit=1&marker=%s' % SECRET)
        call('GET', '/v2/images/%s?token=%s' % (image['id'], SECRET))
        call('GET', '/v2/images/no-such-image')
        call('HEAD', '/versions')
        call('DELETE', '/v2/images/' + image['id'])

        # A line is written once its response has gone out (for the cut
        # download: once the server notices the client left), which may be
        # after the client has moved on.
        wanted = {r.headers['x-openstack-request-id'] for r, _, _ in sent}
        deadline = time.monotonic() + 30
        lines = self.access_lines()
        while not wanted <= set(lines) and time.monotonic() < deadline:
            time.sleep(0.2)
            lines = self.access_lines()
        self.assertNotIn(SECRET, self.server.read_log())
        for response, method, path in sent:
            request_id = response.headers['x-openstack-request-id']
            [line] = lines[request_id]
            self.assertEqual(
                (method, path, str(response.status_code), '127.0.0.1'),
                (line['method'], line['path'], line['status'], line['client']),
            )
            self.assertEqual('INFO', line['level'])
            if response is not cut:
                self.assertEqual(len(response.content), int(line['len']))
            self.assertLess(float(line['time']), 30)
        # The cut download logged what went out, never more than the image.
        cut_line = lines[cut.headers['x-openstack-request-id']][0]
        self.assertLessEqual(int(cut_line['len']), len(DATA))
        # The owner's requests name the owner's project.
        self.assertEqual(
            {'owner-project'},
            {
                lines[r.headers['x-openstack-request-id']][0]['project']
                for r, method, path in sent
                if method != 'HEAD'
            },
        )


class LazyUpdateContextTest(LoggedServerTest):
    """Lazy store update lines name the request (and user) that read."""

    IMAGES = 8

    def legacy_images(self):
        ids = []
        for _ in range(self.IMAGES):
            image = self.request(
                'POST',
                '/v2/images',
                base.ADMIN,
                json={
                    'disk_format': 'raw',
                    'container_format': 'bare',
                    'visibility': 'public',
                },
            ).json()
            self.request(
                'PUT',
                '/v2/images/%s/file' % image['id'],
                {'Content-Type': 'application/octet-stream'},
                data=b'legacy bytes',
            )
            ids.append(image['id'])
        return ids

    def add_foreign_location(self, image_id, url):
        database = '%s/glance.sqlite' % self.server.tmp
        with sqlite3.connect(database) as connection:
            connection.execute(
                'INSERT INTO image_locations (image_id, value, meta_data, '
                "status, created_at, updated_at, deleted) VALUES (?, ?, '{}', "
                "'active', '2020-01-01 00:00:00', '2020-01-01 00:00:00', 0)",
                (image_id, url),
            )

    def test_each_request_logs_its_own_id_and_user(self):
        ids = self.legacy_images()
        foreign = 'file:///elsewhere/foreign-location'
        self.add_foreign_location(ids[-1], foreign)
        self.server.restart(
            stores_config=test_lazy_update.MULTI.format(old='fast')
        )
        # Every worker thread started so far serves someone else first.
        for _ in range(8):
            self.request('GET', '/versions', user('dave'))
        readers = {}  # request id -> user
        for number, image_id in enumerate(ids):
            name = 'alice' if number % 3 == 0 else 'bob'
            response = self.request(
                'GET', '/v2/images/' + image_id, user(name)
            )
            self.assertEqual(200, response.status_code, response.text)
            self.assertEqual('fast', response.json()['stores'])
            readers[response.headers['x-openstack-request-id']] = name

        lines = parse(self.server.read_log())
        recorded = [
            line
            for line in lines
            if line['message'].startswith('Recorded the store of 1 image')
        ]
        self.assertEqual(
            sorted(readers), sorted(r['request_id'] for r in recorded)
        )
        for line in recorded:
            self.assertEqual(readers[line['request_id']], line['user'])
            self.assertEqual(
                'project-' + readers[line['request_id']], line['project']
            )
        [unmatched] = [line for line in lines if foreign in line['message']]
        self.assertEqual('WARNING', unmatched['level'])
        last_read = list(readers)[-1]
        self.assertEqual(
            (last_read, readers[last_read]),
            (unmatched['request_id'], unmatched['user']),
        )
        # The run covered what it is about: some lazy update ran on a
        # worker thread whose previous request was another user's.
        previous_user = {}  # thread -> user of its last request so far
        covered = False
        for line in lines:
            if line['message'].startswith('Recorded the store of 1 image'):
                before = previous_user.get(line['thread'])
                covered = covered or before not in (None, line['user'])
            if line['logger'] == ACCESS_LOGGER:
                previous_user[line['thread']] = line['user']
        self.assertTrue(covered, 'no thread served two users in turn')


class ImportContextTest(LoggedServerTest):
    """An import's thread logs with the context of the request that
    started it."""

    closed_port = server_fixtures.free_port()  # nothing listens there
    server_args = {
        'multi_store': True,
        'extra_config': '[import_filtering_opts]\n'
        'allowed_hosts = [127.0.0.1]\n'
        'allowed_ports = [%d]\n' % closed_port,
    }

    def test_failed_import_lines_name_the_import_request(self):
        headers = user('carol')
        image = self.request(
            'POST',
            '/v2/images',
            headers,
            json={'disk_format': 'raw', 'container_format': 'bare'},
        ).json()
        uri = 'http://127.0.0.1:%d/image' % self.closed_port
        response = self.request(
            'POST',
            '/v2/images/%s/import' % image['id'],
            headers,
            json={'method': {'name': 'web-download', 'uri': uri}},
        )
        self.assertEqual(202, response.status_code, response.text)
        request_id = response.headers['x-openstack-request-id']
        failed = 'Import of image %s failed' % image['id']
        deadline = time.monotonic() + 30
        while failed not in self.server.read_log():
            self.assertLess(time.monotonic(), deadline, 'import never failed')
            time.sleep(0.2)
        [line] = [
            line
            for line in parse(self.server.read_log())
            if line['message'].startswith(failed)
        ]
        self.assertEqual(
            (request_id, 'carol', 'project-carol'),
            (line['request_id'], line['user'], line['project']),
        )
        self.assertNotEqual(
            line['thread'],
            self.access_lines()[request_id][0]['thread'],
        )


class DatabaseOutageTest(testtools.TestCase):
    """MariaDB going away and coming back, through a proxy the test cuts
    (the shared server itself is never stopped)."""

    def setUp(self):
        super().setUp()
        database = self.useFixture(db_base.Database('mysql'))
        url = sa.engine.make_url(database.url)
        self.password = 'pw-%s' % uuid.uuid4().hex
        account = 'glance_%s' % uuid.uuid4().hex[:8]
        self.admin = sa.create_engine(database.url)
        self.addCleanup(self.admin.dispose)
        for host in ('localhost', '127.0.0.1'):
            self.sql(
                "CREATE USER '%s'@'%s' IDENTIFIED BY '%s'"
                % (account, host, self.password)
            )
            self.addCleanup(self.sql, "DROP USER '%s'@'%s'" % (account, host))
            self.sql(
                "GRANT ALL ON %s.* TO '%s'@'%s'"
                % (url.database, account, host)
            )
        self.proxy = self.useFixture(tcp_proxy.TCPProxy(url.port or 3306))
        connection = url.set(
            username=account, password=self.password, port=self.proxy.port
        ).render_as_string(hide_password=False)
        self.server = self.useFixture(
            server_fixtures.GlanceAPIServer(connection=connection)
        )

    def sql(self, statement):
        with self.admin.begin() as connection:
            connection.execute(sa.text(statement))

    def statuses(self, count):
        return [
            requests.get(
                self.server.url + '/v2/images', headers=base.OWNER, timeout=60
            ).status_code
            for _ in range(count)
        ]

    def test_outage_logged_once_down_and_once_back(self):
        self.assertEqual([200] * 3, self.statuses(3))
        self.proxy.cut()
        self.assertEqual([503] * 5, self.statuses(5))
        self.proxy.restore()
        self.assertEqual([200] * 3, self.statuses(3))

        log = self.server.read_log()
        down = [line for line in log.splitlines() if 'unavailable (' in line]
        back = [line for line in log.splitlines() if 'reachable again' in line]
        self.assertEqual(1, len(down), log)
        self.assertEqual(1, len(back), log)
        self.assertIn('ERROR glance.db.session', down[0])
        self.assertIn('pymysql.err.OperationalError', down[0])
        self.assertIn('INFO glance.db.session', back[0])
        self.assertNotIn(self.password, log + self.server.read_output())
