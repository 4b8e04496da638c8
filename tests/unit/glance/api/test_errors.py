import testtools
import webob.exc
from oslo_db import exception as db_exception
from oslo_middleware import request_id

from glance import exception
from glance.api import errors
from tests.unit.glance.api import base


def raising(exc):
    @errors.Wsgify
    def handler(req):
        raise exc

    return handler


class WsgifyTest(testtools.TestCase):
    def status_of(self, exc, **kw):
        response = base.make_request('/', **kw).get_response(raising(exc))
        return response.status_int, response

    def test_domain_exceptions_are_mapped(self):
        cases = [
            (exception.ImageNotFound(image_id='x'), 404),
            (exception.ReservedProperty(property='deleted'), 403),
            (exception.Conflict(), 409),
            (exception.Duplicate(), 409),
            (exception.InvalidSortKey(key='k'), 400),
            (exception.ImageSizeLimitExceeded(), 413),
        ]
        for exc, status in cases:
            self.assertEqual(status, self.status_of(exc)[0], exc)

    def test_lost_deadlock_is_a_retryable_conflict(self):
        status, response = self.status_of(
            db_exception.DBDeadlock(),
            headers={'Accept': 'application/json'},
        )
        self.assertEqual(409, status)
        self.assertIn('retry', response.json['message'])
        self.assertEqual(
            503, self.status_of(db_exception.DBConnectionError())[0]
        )

    def test_http_errors_pass_through(self):
        status, _ = self.status_of(webob.exc.HTTPUnsupportedMediaType())
        self.assertEqual(415, status)

    def test_unexpected_error_is_500_without_details(self):
        status, response = self.status_of(
            RuntimeError('password=hunter2 at /secret/path'),
            headers={'Accept': 'application/json'},
        )
        self.assertEqual(500, status)
        self.assertNotIn('hunter2', response.text)
        self.assertNotIn('Traceback', response.text)
        self.assertEqual('500 Internal Server Error', response.json['code'])

    def test_error_body_follows_accept(self):
        exc = exception.ImageNotFound(image_id='abc')
        _, as_json = self.status_of(
            exc, headers={'Accept': 'application/json'}
        )
        self.assertIn('No image found with ID abc', as_json.json['message'])
        _, as_text = self.status_of(exc, headers={'Accept': 'text/plain'})
        self.assertTrue(as_text.text.startswith('404 Not Found'))
        self.assertIn('No image found with ID abc', as_text.text)

    def test_none_means_the_prepared_response(self):
        @errors.Wsgify
        def handler(req):
            req.response.status = 204

        response = base.make_request('/').get_response(handler)
        self.assertEqual(204, response.status_int)


class RequestIdTest(testtools.TestCase):
    def test_500_body_names_the_request_id_of_the_response(self):
        # As glance.wsgi wraps every pipeline.
        app = request_id.RequestId(raising(RuntimeError('secret detail')))
        response = base.make_request('/').get_response(app)
        self.assertEqual(500, response.status_int)
        sent = response.headers['x-openstack-request-id']
        self.assertTrue(sent.startswith('req-'))
        self.assertIn('(request %s)' % sent, response.text)
        self.assertNotIn('secret detail', response.text)
