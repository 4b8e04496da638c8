"""How errors leave the API: one mapping, one format, one fault barrier.

Bodies are rendered by webob's HTTP exceptions, which is what upstream Glance
answers with: JSON (``{"message", "code", "title"}``) when the client asks
for ``application/json``, HTML for browsers and ``*/*``, plain text
otherwise. python-glanceclient and openstacksdk both parse these.
"""

import webob.dec
import webob.exc
import webob.request
from oslo_db import exception as db_exception
from oslo_log import log as logging

from glance import exception
from glance.api import request

LOG = logging.getLogger(__name__)


class HTTPRefusedImageData(webob.exc.HTTPUnsupportedMediaType):
    """415 whose body says why the data was refused (webob's own template
    blames the request's media type instead)."""

    body_template_obj = webob.exc.WSGIHTTPException.body_template_obj


# Exception -> HTTP error and, for exceptions without a ``msg`` of ours,
# the message to send. Most specific first. Handlers catch only the
# exceptions whose status depends on the route.
_HTTP_ERRORS = (
    (exception.NotFound, webob.exc.HTTPNotFound, None),
    (exception.ImageGone, webob.exc.HTTPGone, None),
    (exception.Forbidden, webob.exc.HTTPForbidden, None),
    (exception.Conflict, webob.exc.HTTPConflict, None),
    (exception.Duplicate, webob.exc.HTTPConflict, None),
    (exception.Invalid, webob.exc.HTTPBadRequest, None),
    (
        exception.ImageSizeLimitExceeded,
        webob.exc.HTTPRequestEntityTooLarge,
        None,
    ),
    (exception.StoreFull, webob.exc.HTTPRequestEntityTooLarge, None),
    (exception.RequestBodyTimeout, webob.exc.HTTPRequestTimeout, None),
    (exception.InvalidImageData, HTTPRefusedImageData, None),
    (exception.StoreUnavailable, webob.exc.HTTPServiceUnavailable, None),
    # A transaction that lost a deadlock was rolled back whole: the client
    # may retry, exactly as after a compare-and-set conflict.
    (
        db_exception.DBDeadlock,
        webob.exc.HTTPConflict,
        exception.Conflict.msg_fmt,
    ),
    (
        db_exception.DBConnectionError,
        webob.exc.HTTPServiceUnavailable,
        'The database is unavailable.',
    ),
)


def http_error(exc):
    """The webob error for an exception, or None if it has none."""
    if isinstance(exc, webob.request.DisconnectionError):
        # A body shorter than its Content-Length: nothing more will come.
        return webob.exc.HTTPBadRequest(
            explanation='The request body ended before its Content-Length.',
            headers={'Connection': 'close'},
        )
    for exc_class, http_class, message in _HTTP_ERRORS:
        if isinstance(exc, exc_class):
            return http_class(explanation=message or exc.msg)
    return None


def internal_error(req, exc):
    """A 500 that names only the request id: no traceback, no secrets."""
    request_id = req.environ.get('openstack.request_id', '-')
    LOG.exception(
        'Unexpected error in %s %s (request %s)',
        req.method,
        # Raw, as the server passed it: decoding must not fail here.
        req.environ.get('SCRIPT_NAME', '') + req.environ.get('PATH_INFO', ''),
        request_id,
    )
    return webob.exc.HTTPInternalServerError(
        explanation='The server has either erred or is incapable of '
        'performing the requested operation. (request %s)' % request_id
    )


class Wsgify(webob.dec.wsgify):
    """Decorator for handlers and apps: our Request class, mapped errors.

    A handler may raise webob HTTP errors or domain exceptions; both become
    responses here. Anything else is a fault: logged, answered with 500.
    """

    RequestClass = request.Request

    def call_func(self, req, *args, **kwargs):
        try:
            resp = super().call_func(req, *args, **kwargs)
        except webob.exc.HTTPException as exc:
            return exc
        except Exception as exc:
            return http_error(exc) or internal_error(req, exc)
        return req.response if resp is None else resp


class URLCheck:
    """WSGI wrapper: 400 in our error format for a path or query string
    that is not valid UTF-8 or percent-encoding (``request.url_error``),
    before anything decodes them."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        problem = request.url_error(environ)
        if problem is None:
            return self.app(environ, start_response)
        error = webob.exc.HTTPBadRequest(explanation=problem)
        return error(environ, start_response)
