import testtools
import webob

from glance.api import request
from glance.api import state
from glance.api.middleware import context as context_middleware
from glance.api.middleware import version_negotiation
from tests.unit.glance.api import base


@webob.dec.wsgify
def echo(req):
    """Answers with what the middleware left in the environ."""
    ctx = req.environ.get(request.CONTEXT_KEY)
    if ctx is None:
        return webob.Response(req.path_info)
    return webob.Response(
        '%s|%s|%s|%s'
        % (ctx.project_id, ctx.user_id, ','.join(ctx.roles), ctx.is_admin)
    )


def run(middleware, path='/', headers=None, conf=None):
    req = webob.Request.blank(path, headers=headers or {})
    req.environ[request.STATE_KEY] = state.AppState.build(
        conf or base.make_conf()
    )
    return req.get_response(middleware(echo))


class UnauthenticatedContextTest(testtools.TestCase):
    def test_no_identity_is_admin_of_default_project(self):
        response = run(context_middleware.UnauthenticatedContextMiddleware)
        self.assertEqual(
            'default|None|admin,member,reader|True', response.text
        )

    def test_identity_headers(self):
        response = run(
            context_middleware.UnauthenticatedContextMiddleware,
            headers={
                'X-Tenant-Id': 'p',
                'X-User-Id': 'u',
                'X-Roles': 'member, other',
            },
        )
        self.assertEqual('p|u|member,other,reader|False', response.text)


class ContextTest(testtools.TestCase):
    def test_unconfirmed_identity_is_401(self):
        response = run(
            context_middleware.ContextMiddleware,
            headers={'X-Identity-Status': 'Invalid'},
        )
        self.assertEqual(401, response.status_int)

    def test_confirmed_identity(self):
        response = run(
            context_middleware.ContextMiddleware,
            headers={
                'X-Identity-Status': 'Confirmed',
                'X-Project-Id': 'p',
                'X-User-Id': 'u',
                'X-Roles': 'admin',
            },
        )
        self.assertEqual('p|u|admin|True', response.text)

    def test_token_and_service_catalog_reach_the_context(self):
        seen = []

        @webob.dec.wsgify
        def keep(req):
            seen.append(req.environ[request.CONTEXT_KEY])
            return webob.Response()

        catalog = [{'type': 'object-store', 'endpoints': []}]
        for header, expected in (
            ('[{"type": "object-store", "endpoints": []}]', catalog),
            ('not json', None),
            ('{"type": "object-store"}', None),
        ):
            req = webob.Request.blank(
                '/',
                headers={
                    'X-Identity-Status': 'Confirmed',
                    'X-Auth-Token': 'tok',
                    'X-Service-Catalog': header,
                },
            )
            req.environ[request.STATE_KEY] = state.AppState.build(
                base.make_conf()
            )
            req.get_response(context_middleware.ContextMiddleware(keep))
            self.assertEqual(
                ('tok', expected),
                (seen[-1].auth_token, seen[-1].service_catalog),
            )


class VersionNegotiationTest(testtools.TestCase):
    def negotiate(self, path, headers=None, **conf):
        return run(
            version_negotiation.VersionNegotiationFilter,
            path,
            headers,
            base.make_conf(**conf),
        )

    def test_versioned_paths(self):
        for path in ('/v2/images', '/v2.0/images', '/v2.9/images'):
            self.assertEqual('/v2/images', self.negotiate(path).text, path)

    def test_healthcheck_passes(self):
        self.assertEqual('/healthcheck', self.negotiate('/healthcheck').text)

    def test_versions_answered_before_authentication(self):
        self.assertEqual(300, self.negotiate('/').status_int)
        self.assertEqual(200, self.negotiate('/versions').status_int)
        self.assertIn('versions', self.negotiate('/versions').json)

    def test_multi_store_versions_only_with_multi_store(self):
        self.assertEqual(300, self.negotiate('/v2.13/images').status_int)
        response = self.negotiate(
            '/v2.13/images', enabled_backends={'a': 'file'}
        )
        self.assertEqual('/v2/images', response.text)

    def test_unknown_version_is_300_with_document(self):
        response = self.negotiate('/v1/images')
        self.assertEqual(300, response.status_int)
        self.assertIn('versions', response.json)

    def test_version_from_accept(self):
        response = self.negotiate(
            '/images',
            {'Accept': 'application/vnd.openstack.images-v2.1+json'},
        )
        self.assertEqual('/v2/images', response.text)
