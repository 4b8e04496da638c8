"""The shipped glance-api-paste.ini and the paste factories."""

import configparser
import os

import fixtures
import testtools
from oslo_config import cfg
from oslo_config import fixture as config_fixture
from paste import deploy

import glance.conf
from glance import wsgi
from tests.unit.glance.api import base

PIPELINES = configparser.ConfigParser(interpolation=None)
PIPELINES.read(wsgi.PACKAGED_PASTE_FILE)


def load(name, path=wsgi.PACKAGED_PASTE_FILE):
    return deploy.loadapp('config:' + path, name=name)


def get(app, path, **kw):
    req = base.make_request(path, **kw)
    return req.get_response(app)


class ShippedPipelinesTest(testtools.TestCase):
    def test_every_flavor_loads(self):
        flavors = set(PIPELINES['composite:api']) - {'paste.composite_factory'}
        self.assertEqual(
            {
                'default',
                'caching',
                'cachemanagement',
                'keystone',
                'keystone+caching',
                'keystone+cachemanagement',
            },
            flavors,
        )
        conf = self.useFixture(config_fixture.Config(cfg.CONF))
        glance.conf.register_opts(cfg.CONF)
        for flavor in flavors:
            # Unset selects the default flavor, as upstream.
            conf.config(
                flavor=None if flavor == 'default' else flavor,
                group='paste_deploy',
            )
            name = wsgi.pipeline_name(cfg.CONF)
            self.assertIn('composite:' + name, PIPELINES)
            self.assertIsNotNone(load(name), name)

    def test_upstream_factory_paths(self):
        factories = {
            PIPELINES[section].get('paste.app_factory')
            or PIPELINES[section].get('paste.filter_factory')
            or PIPELINES[section].get('paste.composite_factory')
            for section in PIPELINES.sections()
        }
        for path in (
            'glance.api:root_app_factory',
            'glance.api.versions:create_resource',
            'glance.api.v2.router:API.factory',
            'glance.api.middleware.context:ContextMiddleware.factory',
            'glance.api.middleware.context:'
            'UnauthenticatedContextMiddleware.factory',
            'glance.api.middleware.version_negotiation:'
            'VersionNegotiationFilter.factory',
            'keystonemiddleware.auth_token:filter_factory',
        ):
            self.assertIn(path, factories)

    def test_root_map(self):
        app = load('glance-api')
        self.assertEqual(300, get(app, '/').status_int)
        self.assertEqual(200, get(app, '/versions').status_int)
        self.assertEqual(200, get(app, '/healthcheck').status_int)
        self.assertEqual(404, get(app, '/v2/nothing').status_int)
        self.assertEqual(
            405, get(app, '/v2/images', method='DELETE').status_int
        )

    def test_no_op_filters_pass_requests(self):
        app = load('glance-api-cachemanagement')
        self.assertEqual(200, get(app, '/versions').status_int)


PIPELINE_FACTORY_INI = """\
[composite:main]
paste.composite_factory = glance.api:pipeline_factory
default = versionnegotiation apiversions
keystone = versionnegotiation authtoken context apiversions

[app:apiversions]
paste.app_factory = glance.api.versions:create_resource

[filter:versionnegotiation]
paste.filter_factory = glance.api.middleware.version_negotiation:\
VersionNegotiationFilter.factory

[filter:context]
paste.filter_factory = glance.api.middleware.context:ContextMiddleware.factory

[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
delay_auth_decision = true
www_authenticate_uri = http://127.0.0.1:9
"""


class PipelineFactoryTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.conf = self.useFixture(config_fixture.Config(cfg.CONF))
        glance.conf.register_opts(cfg.CONF)
        tmp = self.useFixture(fixtures.TempDir()).path
        self.path = os.path.join(tmp, 'paste.ini')
        with open(self.path, 'w') as ini:
            ini.write(PIPELINE_FACTORY_INI)

    def test_flavor_selects_the_pipeline(self):
        # Without authentication the request reaches the versions app.
        app = load('main', self.path)
        self.assertEqual(300, get(app, '/v2/images').status_int)
        self.conf.config(flavor='keystone', group='paste_deploy')
        app = load('main', self.path)
        response = get(app, '/v2/images')
        self.assertEqual(401, response.status_int)
