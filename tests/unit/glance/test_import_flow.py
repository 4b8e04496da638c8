"""Tests of glance.import_flow with real SQLite and real file stores."""

import hashlib
import io
import logging
import os
import shutil

import fixtures

from glance import exception
from glance import image_data
from glance import import_flow
from glance import stores
from tests.fixtures import byte_server
from tests.fixtures import stores as store_fixtures

DATA = b'import me' * 1000


def _importer(test):
    return import_flow.Importer(test.repo, test.tasks, test.conf, test.stores)


class ImportFlowTest(store_fixtures.StoresAndImageTestCase):
    def _reread(self):
        return self.repo.get(self.image.id)

    def _import(self, body, header_store=None):
        image = self._reread()
        request = import_flow.prepare(
            image, body, header_store, self.conf, self.stores
        )
        worker = import_flow.start(
            _importer(self), self.context, image, request
        )
        if worker is not None:
            worker.join()
        return self._reread()

    def _stage(self):
        image_data.stage(
            self.repo,
            self.stores,
            self.image,
            io.BytesIO(DATA),
            len(DATA),
            self.conf.image_size_cap,
        )

    def _files(self, store_id):
        return os.listdir(os.path.join(self.root, store_id))

    def _assert_in(self, image, *store_ids):
        self.assertEqual('active', image.status)
        self.assertEqual(
            [{'store': s} for s in store_ids],
            [loc.metadata for loc in image.active_locations],
        )
        self.assertEqual(hashlib.sha512(DATA).hexdigest(), image.os_hash_value)
        for store_id in store_ids:
            self.assertEqual([image.id], self._files(store_id))

    def test_glance_direct_to_all_stores(self):
        self._stage()
        image = self._import(
            {'method': {'name': 'glance-direct'}, 'all_stores': True}
        )
        self._assert_in(image, 'fast', 'cheap')
        self.assertEqual('', image.properties[import_flow.IMPORTING])
        self.assertEqual('', image.properties[import_flow.FAILED])
        self.assertNotIn(import_flow.LOCK, image.properties)
        staging = os.path.join(self.root, 'staging', stores.STAGING_STORE)
        self.assertEqual([], os.listdir(staging))

    def test_copy_image_to_another_store(self):
        self._stage()
        self._import({'method': {'name': 'glance-direct'}})
        image = self._import(
            {'method': {'name': 'copy-image'}, 'stores': ['cheap']}
        )
        self._assert_in(image, 'fast', 'cheap')

    def test_copy_image_with_all_stores_already_there_does_nothing(self):
        self._stage()
        everywhere = {'all_stores': True}
        self._import({'method': {'name': 'glance-direct'}, **everywhere})
        image = self._import({'method': {'name': 'copy-image'}, **everywhere})
        self._assert_in(image, 'fast', 'cheap')

    def _break_cheap(self):
        shutil.rmtree(os.path.join(self.root, 'cheap'))

    def test_a_failing_store_is_recorded_when_others_may_succeed(self):
        self._stage()
        self._break_cheap()
        image = self._import(
            {
                'method': {'name': 'glance-direct'},
                'stores': ['cheap', 'fast'],
                'all_stores_must_succeed': False,
            }
        )
        self.assertEqual('active', image.status)
        self.assertEqual(['fast'], [loc.store for loc in image.locations])
        self.assertEqual('cheap', image.properties[import_flow.FAILED])
        self.assertEqual('', image.properties[import_flow.IMPORTING])

    def test_a_failing_store_undoes_everything_when_all_must_succeed(self):
        self._stage()
        self._break_cheap()
        image = self._import(
            {'method': {'name': 'glance-direct'}, 'stores': ['fast', 'cheap']}
        )
        self.assertEqual('queued', image.status)
        self.assertEqual([], image.locations)
        self.assertEqual([], self._files('fast'))
        self.assertEqual('cheap,fast', image.properties[import_flow.FAILED])
        self.assertEqual('', image.properties[import_flow.IMPORTING])

    def _source(self, redirects=None):
        """A local HTTP server whose port the import filter allows."""
        server = self.useFixture(byte_server.ByteServer(DATA, redirects))
        self.conf.set_override(
            'allowed_ports', [server.port], group='import_filtering_opts'
        )
        self.conf.set_override(
            'allowed_hosts', ['127.0.0.1'], group='import_filtering_opts'
        )
        return server

    def _web_download(self, uri, **more):
        return self._import(
            {'method': {'name': 'web-download', 'uri': uri}, **more}
        )

    def _assert_failed(self, image):
        self.assertEqual('queued', image.status)
        self.assertEqual([], image.locations)
        self.assertNotIn(import_flow.LOCK, image.properties)
        self.assertEqual('fast', image.properties[import_flow.FAILED])

    def test_web_download_from_a_local_server(self):
        source = self._source()
        image = self._web_download(source.url('/img'), stores=['cheap'])
        self._assert_in(image, 'cheap')

    def test_failed_web_download_goes_back_to_queued(self):
        source = self._source()
        self._assert_failed(self._web_download(source.url('/missing')))

    def test_web_download_follows_redirects_the_filter_allows(self):
        source = self._source({'/hop': '/img'})
        self._assert_in(self._web_download(source.url('/hop')), 'fast')
        self.assertEqual(['/hop', '/img'], source.requested)

    def test_web_download_refuses_a_port_the_filter_does_not_allow(self):
        elsewhere = self.useFixture(byte_server.ByteServer(DATA))
        self._refused(
            exception.Invalid,
            {'method': {'name': 'web-download', 'uri': elsewhere.url('/img')}},
        )
        self.assertEqual([], elsewhere.requested)

    def test_web_download_refuses_loopback_unless_allowed_hosts_names_it(
        self,
    ):
        source = self._source()
        self.conf.clear_override('allowed_hosts', 'import_filtering_opts')
        for host in ('127.0.0.1', '127.1', '2130706433', 'localhost'):
            uri = source.url('/img').replace('127.0.0.1', host)
            self._refused(
                exception.Invalid,
                {'method': {'name': 'web-download', 'uri': uri}},
            )
        self.assertEqual([], source.requested)

    def test_web_download_connects_to_the_address_it_checked(self):
        # A name the filter allows, resolving to this server's address once:
        # a second lookup (DNS rebinding) would find nothing.
        source = self._source()
        self.conf.set_override(
            'allowed_hosts',
            ['images.example.test'],
            group='import_filtering_opts',
        )
        answers = [['127.0.0.1']]
        self.useFixture(
            fixtures.MonkeyPatch(
                'glance.uri_filter._resolve',
                lambda host, port: answers.pop() if answers else [],
            )
        )
        uri = source.url('/img').replace('127.0.0.1', 'images.example.test')
        with import_flow._fetch(self.conf, uri) as response:
            self.assertEqual(DATA, response.raw.read())
        self.assertEqual(['/img'], source.requested)
        self.assertEqual([], answers)

    def test_web_download_refuses_a_redirect_the_filter_does_not_allow(self):
        elsewhere = self.useFixture(byte_server.ByteServer(DATA))
        source = self._source({'/away': elsewhere.url('/img')})
        self._assert_failed(self._web_download(source.url('/away')))
        self.assertEqual(['/away'], source.requested)
        self.assertEqual([], elsewhere.requested)

    def test_web_download_gives_up_on_a_redirect_loop(self):
        source = self._source({'/loop': '/loop'})
        self._assert_failed(self._web_download(source.url('/loop')))
        self.assertEqual(import_flow._MAX_REDIRECTS + 1, len(source.requested))

    def test_failed_fetch_logs_no_credentials(self):
        source = self._source()
        logs = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        url = source.url('/missing').replace('://', '://user:hunter2@')
        self._assert_failed(self._web_download(url))
        self.assertIn('web-download of', logs.output)
        self.assertNotIn('hunter2', logs.output)

    def _refused(self, error, body, header_store=None, image=None):
        self.assertRaises(
            error,
            import_flow.prepare,
            image or self._reread(),
            body,
            header_store,
            self.conf,
            self.stores,
        )

    def test_request_rules(self):
        self._stage()
        direct = {'name': 'glance-direct'}
        self._refused(
            exception.Invalid,
            {'method': direct, 'all_stores': True, 'stores': ['fast']},
        )
        self._refused(
            exception.Invalid, {'method': direct, 'all_stores': True}, 'fast'
        )
        self._refused(
            exception.Invalid, {'method': direct, 'stores': ['fast']}, 'cheap'
        )
        self._refused(exception.Conflict, {'method': direct, 'stores': ['x']})
        self._refused(exception.Conflict, {'method': {'name': 'web-download'}})
        self._refused(exception.Invalid, {'method': {'name': 'nope'}})

    def test_web_download_needs_an_http_uri(self):
        self._refused(
            exception.Invalid,
            {'method': {'name': 'web-download', 'uri': 'file:///etc/passwd'}},
        )

    def test_copy_to_a_store_holding_the_image_is_refused(self):
        self._stage()
        self._import({'method': {'name': 'glance-direct'}})
        self._refused(
            exception.Invalid,
            {'method': {'name': 'copy-image'}, 'stores': ['fast']},
        )


class LegacyImportFlowTest(store_fixtures.StoresAndImageTestCase):
    """Single-store mode: import into the one store."""

    def make_conf(self, root, extra):
        return store_fixtures.legacy_store_conf(self, root, extra)

    def _import(self, body):
        image = self.repo.get(self.image.id)
        request = import_flow.prepare(
            image, body, None, self.conf, self.stores
        )
        import_flow.start(_importer(self), self.context, image, request).join()
        return self.repo.get(self.image.id)

    def test_glance_direct(self):
        image_data.stage(
            self.repo,
            self.stores,
            self.image,
            io.BytesIO(DATA),
            None,
            self.conf.image_size_cap,
        )
        image = self._import(
            {'method': {'name': 'glance-direct'}, 'stores': ['ignored']}
        )
        self.assertEqual('active', image.status)
        [loc] = image.locations
        self.assertEqual(
            'file://%s/images/%s' % (self.root, image.id), loc.url
        )
        self.assertEqual(hashlib.sha512(DATA).hexdigest(), image.os_hash_value)

    def test_multi_store_only_requests(self):
        for body in (
            {'method': {'name': 'copy-image'}},
            {
                'method': {'name': 'web-download', 'uri': 'http://x/y'},
                'all_stores_must_succeed': False,
            },
        ):
            self.assertRaises(
                exception.Invalid,
                import_flow.prepare,
                self.image,
                body,
                None,
                self.conf,
                self.stores,
            )
