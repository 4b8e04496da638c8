"""glance-api with upstream Glance 33's glance-api-paste.ini and a
glance-api.conf as kolla-ansible renders one (multi-store, two workers).

The paste file is generated here with upstream's sections, factory paths
and filter order (never copied); when upstream glance 33 is installed
(tools/backends/upstream-glance.sh), a test checks it against upstream's
shipped file. Every response must carry x-openstack-request-id.
"""

import configparser
import hashlib
import io
import os
import re
import shutil
import tempfile

import fixtures
import glanceclient
import requests
import sqlalchemy as sa
import testtools
from osprofiler import profiler
from osprofiler import web

from glance import wsgi
from tests.fixtures import upstream_glance
from tests.functional.api import base
from tests.functional.db import base as db_base

FLAVORS = {
    'default': ('unauthenticated-context', []),
    'caching': ('unauthenticated-context', ['cache']),
    'cachemanagement': ('unauthenticated-context', ['cache', 'cachemanage']),
    'keystone': ('authtoken context', []),
    'keystone+caching': ('authtoken context', ['cache']),
    'keystone+cachemanagement': (
        'authtoken context',
        ['cache', 'cachemanage'],
    ),
}
MIDDLEWARE = 'glance.api.middleware.'
FILTERS = {
    'versionnegotiation': MIDDLEWARE
    + 'version_negotiation:VersionNegotiationFilter.factory',
    'cache': MIDDLEWARE + 'cache:CacheFilter.factory',
    'cachemanage': MIDDLEWARE + 'cache_manage:CacheManageFilter.factory',
    'context': MIDDLEWARE + 'context:ContextMiddleware.factory',
    'unauthenticated-context': MIDDLEWARE
    + 'context:UnauthenticatedContextMiddleware.factory',
    'authtoken': 'keystonemiddleware.auth_token:filter_factory',
    'gzip': MIDDLEWARE + 'gzip:GzipMiddleware.factory',
    'osprofiler': 'osprofiler.web:WsgiMiddleware.factory',
    'cors': 'oslo_middleware.cors:filter_factory',
    'http_proxy_to_wsgi': 'oslo_middleware:HTTPProxyToWSGI.factory',
}
FILTER_OPTIONS = {
    'authtoken': {'delay_auth_decision': 'true'},
    'cors': {
        'oslo_config_project': 'glance',
        'oslo_config_program': 'glance-api',
    },
}
REQUEST_ID = re.compile(r'^req-[0-9a-f-]{36}$')


def pipeline(flavor):
    auth, cache = FLAVORS[flavor]
    return ' '.join(
        ['cors', 'http_proxy_to_wsgi', 'versionnegotiation', 'osprofiler']
        + auth.split()
        + cache
        + ['rootapp']
    )


def upstream_paste_sections():
    """Upstream 33's file as section -> {key: value}."""
    sections = {}
    for flavor in FLAVORS:
        name = 'glance-api' if flavor == 'default' else 'glance-api-' + flavor
        sections['composite:' + name] = {
            'paste.composite_factory': 'glance.api:root_app_factory',
            '/': 'api',
            '/healthcheck': 'healthcheck',
        }
    sections['composite:api'] = dict(
        {'paste.composite_factory': 'glance.api:pipeline_factory'},
        **{flavor: pipeline(flavor) for flavor in FLAVORS},
    )
    sections['composite:rootapp'] = {
        'paste.composite_factory': 'glance.api:root_app_factory',
        '/': 'apiversions',
        '/v2': 'apiv2app',
    }
    sections['app:apiversions'] = {
        'paste.app_factory': 'glance.api.versions:create_resource'
    }
    sections['app:apiv2app'] = {
        'paste.app_factory': 'glance.api.v2.router:API.factory'
    }
    sections['app:healthcheck'] = {
        'paste.app_factory': 'oslo_middleware:Healthcheck.app_factory',
        'backends': 'disable_by_file',
        'disable_by_file_path': '/etc/glance/healthcheck_disable',
    }
    for name, factory in FILTERS.items():
        sections['filter:' + name] = dict(
            {'paste.filter_factory': factory}, **FILTER_OPTIONS.get(name, {})
        )
    return sections


def write_ini(path, sections):
    with open(path, 'w') as ini:
        for section, values in sections.items():
            ini.write('[%s]\n' % section)
            ini.writelines('%s = %s\n' % item for item in values.items())
            ini.write('\n')


def read_ini(path):
    parser = configparser.RawConfigParser(delimiters=('=', ':'))
    parser.optionxform = str
    parser.read(path)
    return {
        section: {key: ' '.join(value.split()) for key, value in items}
        for section in parser.sections()
        for items in [parser.items(section)]
    }


# The way kolla-ansible renders glance-api.conf for a file backend (our
# fixture adds bind address, port, workers, log file and [database]).
KOLLA_STORES = """\
[DEFAULT]
enabled_backends = file:file, cheap:file
show_image_direct_url = False
enable_v2_api = True
cinder_catalog_info = volume:cinder:internalURL
use_forwarded_for = true

[glance_store]
default_backend = file

[file]
filesystem_store_datadir = {tmp}/images/

[cheap]
filesystem_store_datadir = {tmp}/cheap/

[os_glance_tasks_store]
filesystem_store_datadir = {tmp}/tasks_work_dir

[os_glance_staging_store]
filesystem_store_datadir = {tmp}/staging

[oslo_middleware]
enable_proxy_headers_parsing = True

[oslo_messaging_notifications]
driver = noop

[oslo_concurrency]
lock_path = {tmp}/lock

[profiler]
enabled = {profiler_enabled}
trace_sqlalchemy = true
hmac_keys = SECRET_KEY
connection_string = {profiler_connection}
"""


class UpstreamPasteFileTest(testtools.TestCase):
    def test_generated_file_is_upstreams(self):
        upstream_glance.skip_unless_installed()
        path = os.path.join(self.useFixture(fixtures.TempDir()).path, 'p.ini')
        write_ini(path, upstream_paste_sections())
        self.assertEqual(read_ini(upstream_glance.PASTE_FILE), read_ini(path))


class ShippedPasteFileTest(testtools.TestCase):
    def test_ours_is_upstreams_plus_two_filters(self):
        ours = read_ini(wsgi.PACKAGED_PASTE_FILE)
        for extra in ('filter:request_id', 'filter:sizelimit'):
            ours.pop(extra)
        self.assertEqual(upstream_paste_sections(), ours)


class UpstreamPasteServer(base.ServerTestCase):
    """One server per class on the generated file; FLAVOR picks the
    pipeline."""

    FLAVOR = None
    EXTRA_CONFIG = ''
    PROFILER = {
        'profiler_enabled': 'false',
        'profiler_connection': 'mysql+pymysql://u:profiler-secret@127.0.0.1/x',
    }

    @classmethod
    def setUpClass(cls):
        cls.paste_dir = tempfile.mkdtemp()
        paste = os.path.join(cls.paste_dir, 'glance-api-paste.ini')
        write_ini(paste, upstream_paste_sections())
        flavor = 'flavor = %s\n' % cls.FLAVOR if cls.FLAVOR else ''
        cls.server_args = {
            'workers': 2,
            'options': {'debug': 'true'},
            # {tmp} is the fixture's to fill.
            'stores_config': KOLLA_STORES.format(tmp='{tmp}', **cls.PROFILER),
            'extra_config': '\n[paste_deploy]\n%sconfig_file = %s\n'
            % (flavor, paste)
            + cls.EXTRA_CONFIG,
        }
        try:
            super().setUpClass()
        except Exception:
            shutil.rmtree(cls.paste_dir)
            raise

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.paste_dir)

    def setUp(self):
        super().setUp()
        self.responses = []

    def client(self):
        client = glanceclient.Client('2', self.server.url, token='unused')
        client.http_client.session.hooks['response'].append(self._record)
        return client

    def _record(self, response, **kwargs):
        self.responses.append(response)

    def get(self, path, method='GET', **kwargs):
        response = requests.request(
            method, self.server.url + path, timeout=30, **kwargs
        )
        self._record(response)
        return response

    def assertEveryResponseHasRequestId(self):
        self.assertNotEqual([], self.responses)
        for response in self.responses:
            request_id = response.headers.get('x-openstack-request-id', '')
            self.assertRegex(
                request_id,
                REQUEST_ID,
                '%s %s' % (response.request.method, response.url),
            )


class UpstreamPasteTests:
    def test_image_life_cycle_with_glanceclient(self):
        client = self.client()
        data = os.urandom(1024 * 1024 + 3)
        image = client.images.create(
            name='kolla', disk_format='raw', container_format='bare'
        )
        client.images.upload(image.id, io.BytesIO(data))
        shown = client.images.get(image.id)
        self.assertEqual('active', shown.status)
        self.assertEqual('file', shown.stores)
        self.assertEqual(hashlib.md5(data).hexdigest(), shown.checksum)
        self.assertEqual(data, b''.join(client.images.data(image.id)))
        client.images.update(image.id, name='kolla2', os_distro='cirros')
        client.image_tags.update(image.id, 'base')
        self.assertIn(image.id, [i.id for i in client.images.list()])
        client.images.deactivate(image.id)
        client.images.reactivate(image.id)
        client.images.delete(image.id)
        self.assertRaises(
            glanceclient.exc.HTTPNotFound, client.images.get, image.id
        )
        self.assertEveryResponseHasRequestId()

    def test_request_id_on_every_kind_of_response(self):
        for path in ('/', '/versions', '/v2/images', '/healthcheck'):
            self.assertLess(self.get(path).status_code, 400, path)
        self.assertEqual(404, self.get('/v2/nowhere').status_code)
        self.assertEqual(405, self.get('/v2/images', 'PUT').status_code)
        self.assertEqual(300, self.get('/v9/images').status_code)
        bad = self.get(
            '/v2/images',
            'POST',
            data='{',
            headers={'Content-Type': 'application/json'},
        )
        self.assertEqual(400, bad.status_code)
        self.assertEveryResponseHasRequestId()
        # One id per request.
        ids = [r.headers['x-openstack-request-id'] for r in self.responses]
        self.assertEqual(len(ids), len(set(ids)))

    def test_cache_api_answers_as_upstream_without_cache(self):
        for method, path in (
            ('GET', '/v2/cache'),
            ('DELETE', '/v2/cache'),
            ('PUT', '/v2/cache/%s' % ('1' * 36)),
            ('POST', '/v2/cache/clean'),
        ):
            response = self.get(path, method)
            self.assertEqual(404, response.status_code, path)
            self.assertIn('not supported at this site', response.text)
        member = {'X-Roles': 'member,reader', 'X-Project-Id': 'p1'}
        self.assertEqual(
            403, self.get('/v2/cache', headers=member).status_code
        )
        self.assertEveryResponseHasRequestId()

    def test_options_dumped_at_debug_with_secrets_masked(self):
        log = self.server.read_log()
        self.assertIn('profiler.hmac_keys', log)
        self.assertIn('workers', log)
        self.assertNotIn('SECRET_KEY', log)
        self.assertNotIn('profiler-secret', log)

    def cache_warnings(self):
        return self.server.read_log().count('image cache is not available')


class TestUpstreamPasteDefaultFlavor(UpstreamPasteTests, UpstreamPasteServer):
    def test_no_cache_warning(self):
        self.assertEqual(0, self.cache_warnings())


class TestUpstreamPasteCachingFlavor(UpstreamPasteTests, UpstreamPasteServer):
    FLAVOR = 'caching'

    def test_cache_warning_logged_once(self):
        self.assertEqual(1, self.cache_warnings())


class TestUpstreamPasteCacheManagementFlavor(
    UpstreamPasteTests, UpstreamPasteServer
):
    FLAVOR = 'cachemanagement'

    def test_cache_warning_logged_once(self):
        self.assertEqual(1, self.cache_warnings())


class TestUpstreamPasteKeystoneFlavor(UpstreamPasteServer):
    # A real keystone is the tempest issue's; here: the pipeline loads,
    # keystonemiddleware refuses a request without a token.
    FLAVOR = 'keystone'
    # Named in the 401's WWW-Authenticate header; never contacted here.
    EXTRA_CONFIG = '\n[keystone_authtoken]\nwww_authenticate_uri = http://127.0.0.1:9/v3\n'

    def test_without_token_401_with_request_id(self):
        response = self.get('/v2/images')
        self.assertEqual(401, response.status_code, self.server.read_log())
        self.assertEqual(200, self.get('/versions').status_code)
        self.assertEveryResponseHasRequestId()


class TestProfilerTracesRequestsAndSQL(UpstreamPasteServer):
    """[profiler] enabled: a signed request is traced, its SQL too, into
    osprofiler's SQL driver on MariaDB (read back here)."""

    @classmethod
    def setUpClass(cls):
        cls.traces = db_base.Database('mysql')
        cls.traces.setUp()
        cls.PROFILER = {
            'profiler_enabled': 'true',
            # osprofiler's driver never commits: autocommit on the DBAPI.
            'profiler_connection': cls.traces.url + '?autocommit=true',
        }
        try:
            super().setUpClass()
        except Exception:
            cls.traces.cleanUp()
            raise

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.traces.cleanUp()

    def trace_names(self, base_id):
        engine = sa.create_engine(self.traces.url)
        try:
            with engine.connect() as connection:
                return {
                    row[0]
                    for row in connection.execute(
                        sa.text('SELECT name FROM data WHERE base_id = :b'),
                        {'b': base_id},
                    )
                }
        finally:
            engine.dispose()

    def traced_list(self, hmac_key):
        """Trace point names of GET /v2/images signed with ``hmac_key``."""
        profiler.init(hmac_key)
        self.addCleanup(profiler.clean)
        base_id = profiler.get().get_base_id()
        headers = web.get_trace_id_headers()
        self.assertEqual(
            200, self.get('/v2/images', headers=headers).status_code
        )
        return self.trace_names(base_id)

    def test_signed_request_traced_with_sql(self):
        names = self.traced_list('SECRET_KEY')
        self.assertIn('wsgi-start', names)
        self.assertIn('wsgi-stop', names)
        self.assertIn('db-start', names)

    def test_request_signed_with_another_key_not_traced(self):
        self.assertEqual(set(), self.traced_list('WRONG_KEY'))
