"""One access line per request, through oslo.log.

gunicorn calls its logger's ``access`` once per request, after the last
byte was sent or the client went away (streamed and sendfile downloads
included) and for the requests it answers itself (a malformed request
line, oversized headers). ``Logger`` writes that line to glance-api's log
with the request's context, so the line names the request id and user
like every other line of the request::

    ... INFO glance.wsgi.access_log [- req-... user project - - -] 127.0.0.1
    "GET /v2/images/<id>/file HTTP/1.1" status: 200 len: 1048576
    time: 0.0213452

The query string is never logged (it may carry tokens or signatures), nor
any userinfo of an absolute request target; characters outside printable
ASCII, quotes and backslashes are escaped, so a path cannot forge a line.
"""

from gunicorn import glogging
from oslo_log import log as logging
from oslo_middleware import request_id

from glance.api import request
from glance.api.middleware import context as context_middleware

LOG = logging.getLogger(__name__)

FORMAT = '%s "%s %s %s" status: %s len: %d time: %.7f'


def logged_path(raw_uri):
    """``raw_uri`` without query, fragment or userinfo, printable ASCII."""
    path = raw_uri.split('?', 1)[0].split('#', 1)[0]
    scheme, sep, rest = path.partition('://')
    if sep:
        authority, slash, tail = rest.partition('/')
        path = scheme + sep + authority.rpartition('@')[2] + slash + tail
    return ''.join(_printable(char) for char in path)


def _printable(char):
    if ' ' < char < '\x7f' and char not in '"\\':
        return char
    if ord(char) < 0x100:
        return '\\x%02x' % ord(char)
    return '\\u%04x' % ord(char)


def request_context(environ):
    """The context of the request, or one naming its request id only
    (None for a request gunicorn refused before any filter saw it)."""
    found = environ.get(request.CONTEXT_KEY)
    if found is None and environ.get(request_id.ENV_REQUEST_ID):
        found = context_middleware.anonymous_context(environ)
    return found


def log_request(environ, status, sent, seconds):
    LOG.info(
        FORMAT,
        environ.get('REMOTE_ADDR') or '-',
        environ.get('REQUEST_METHOD') or '-',
        logged_path(environ.get('RAW_URI') or environ.get('PATH_INFO', '')),
        environ.get('SERVER_PROTOCOL') or '-',
        status,
        sent,
        seconds,
        context=request_context(environ),
    )


class Logger(glogging.Logger):
    """gunicorn's logger, its access lines written by ``log_request``."""

    def access(self, resp, req, environ, request_time):
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        try:
            log_request(
                environ or {},
                status or '-',
                getattr(resp, 'sent', 0) or 0,
                request_time.total_seconds(),
            )
        except Exception:  # a log line must never fail a request
            LOG.exception('Could not write the access line')
