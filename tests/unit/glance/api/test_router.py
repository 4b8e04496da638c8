import testtools

from glance.api.v2 import router
from tests.unit.glance.api import base

ALL_METHODS = ('GET', 'POST', 'PUT', 'PATCH', 'DELETE')


def concrete(path):
    return path.replace('{', '').replace('}', '')


class RouterTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.app = router.API(router.make_map(router.ROUTES))

    def test_every_route_has_a_handler(self):
        for methods in router.ROUTES.values():
            for name in methods.values():
                self.assertTrue(callable(router.resolve(name)), name)

    def test_other_methods_get_405_with_allow(self):
        for path, methods in router.ROUTES.items():
            for method in set(ALL_METHODS) - set(methods):
                req = base.make_request(concrete(path), method=method)
                response = req.get_response(self.app)
                self.assertEqual(405, response.status_int, (path, method))
                self.assertEqual(
                    ', '.join(sorted(methods)), response.headers['Allow']
                )

    def test_unknown_path_is_404(self):
        response = base.make_request('/nothing/here').get_response(self.app)
        self.assertEqual(404, response.status_int)

    def test_route_variables_reach_the_handler(self):
        seen = {}

        def handler(req):
            seen.update(req.urlvars)
            return 'done'

        mapper = router.make_map({})
        mapper.connect(
            '/images/{image_id}/tags/{tag_value}',
            handler=handler,
            conditions={'method': ['PUT']},
        )
        req = base.make_request('/images/i1/tags/t%20x', method='PUT')
        router.API(mapper)(req)
        self.assertEqual({'image_id': 'i1', 'tag_value': 't x'}, seen)

    def test_unknown_handler_stops_start_up(self):
        self.assertRaises(ImportError, router.resolve, 'nothing.handler')
        self.assertRaises(AttributeError, router.resolve, 'images.nothing')
