"""How glance-api answers the store errors upstream glance_store raises.

A real glance-api (multi-store: two file stores and an http one) and a
real local HTTP server: an http location whose server answers an error
status is a 400 "Invalid location" (the store's BadStoreUri), and an upload
the file system refuses as too large (a real EFBIG, from the file size
limit of the glance-api processes) is a 413, as a full disk is.
"""

import os
import resource

from tests.fixtures import byte_server
from tests.fixtures import server as server_fixtures
from tests.functional.api import base

STORES = server_fixtures.MULTI_STORE.replace(
    'cheap:file', 'cheap:file, web:http'
)
MiB = 1024 * 1024


def _process_tree(pid):
    """``pid`` and every process below it."""
    found = [pid]
    for task in os.listdir('/proc/%d/task' % pid):
        with open('/proc/%d/task/%s/children' % (pid, task)) as children:
            for child in children.read().split():
                found += _process_tree(int(child))
    return found


class StoreErrorsTest(base.ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.web = byte_server.ByteServer(
            b'12345', errors={'/denied': 403, '/broken': 500}
        )
        cls.web.setUp()
        cls.server_args = {
            'options': {'show_multiple_locations': 'true'},
            'stores_config': STORES,
            'extra_config': byte_server.ALLOW_LOCAL,
        }
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.web.cleanUp()

    def test_http_location_answering_an_error_is_invalid(self):
        for path in ('/denied', '/broken'):
            image = self.create_image(headers=base.ADMIN)
            response = self.add_location(image['id'], self.web.url(path))
            self.assertEqual(400, response.status_code, response.text)
            self.assertIn('Invalid location', response.text)
            shown = self.request('GET', '/v2/images/' + image['id']).json()
            self.assertEqual(
                ('queued', []), (shown['status'], shown['locations'])
            )

    def test_download_from_a_location_that_turned_bad_is_503(self):
        # BadStoreUri while reading an image's data is not the client's
        # fault: the location cannot be read now (503), not a 400.
        path = '/img/' + self.getUniqueString()
        image = self.create_image(headers=base.ADMIN)
        added = self.add_location(image['id'], self.web.url(path))
        self.assertEqual(200, added.status_code, added.text)
        self.web.errors[path] = 403
        self.addCleanup(self.web.errors.pop, path)
        response = self.request('GET', '/v2/images/%s/file' % image['id'])
        self.assertEqual(503, response.status_code, response.text)

    def test_upload_larger_than_the_file_system_allows_is_413(self):
        limit = 4 * MiB
        pids = _process_tree(self.server.process.pid)
        previous = {}
        for pid in pids:
            previous[pid] = resource.prlimit(pid, resource.RLIMIT_FSIZE)
            hard = previous[pid][1]
            resource.prlimit(pid, resource.RLIMIT_FSIZE, (limit, hard))
        try:
            image = self.create_image()
            response = self.request(
                'PUT',
                '/v2/images/%s/file' % image['id'],
                dict(
                    base.OWNER, **{'Content-Type': 'application/octet-stream'}
                ),
                data=b'x' * (2 * limit),
            )
        finally:
            for pid, limits in previous.items():
                resource.prlimit(pid, resource.RLIMIT_FSIZE, limits)
        self.assertEqual(413, response.status_code, response.text)
        shown = self.request('GET', '/v2/images/' + image['id']).json()
        self.assertEqual('queued', shown['status'])
        # The partial file is gone.
        datadir = os.path.join(self.server.tmp, 'fast')
        self.assertEqual(
            [], [n for n in os.listdir(datadir) if image['id'] in n]
        )
