"""Request parsing shared by the handlers: JSON bodies, query strings,
content types. Every failure here is the client's: a 4xx, never a 500."""

import functools
import json

import jsonschema
import webob
import webob.exc

# Key under which the application state (glance.api.state.AppState) and the
# request context travel in the WSGI environ.
STATE_KEY = 'glance.state'
CONTEXT_KEY = 'glance.context'


class Request(webob.Request):
    """A webob request that knows our context and application state."""

    @property
    def context(self):
        return self.environ[CONTEXT_KEY]

    @property
    def state(self):
        return self.environ[STATE_KEY]


def _read_body(req, max_size):
    """The raw body, refusing more than ``max_size`` bytes with 413.

    Chunked bodies have no Content-Length, so read one byte past the limit.
    """
    if req.content_length is not None and req.content_length > max_size:
        raise _too_large(max_size)
    body = req.body_file.read(max_size + 1)
    if len(body) > max_size:
        raise _too_large(max_size)
    return body


def _too_large(max_size):
    return webob.exc.HTTPRequestEntityTooLarge(
        explanation='Request body larger than %d bytes.' % max_size
    )


def _parse_json(body):
    try:
        return json.loads(body)
    except ValueError:
        raise webob.exc.HTTPBadRequest(
            explanation='Malformed JSON in request body.'
        ) from None


def validate(document, schema):
    """Raise 400 naming the schema when ``document`` does not match it."""
    try:
        jsonschema.validate(document, schema)
    except jsonschema.ValidationError as exc:
        raise webob.exc.HTTPBadRequest(
            explanation="Provided object does not match schema '%s': %s"
            % (schema.get('name', 'request'), exc.message)
        ) from None


def extract_json(req, schema=None):
    """The request body as validated JSON (size-capped by the config)."""
    body = _read_body(req, req.state.conf.max_request_body_size)
    document = _parse_json(body)
    if schema is not None:
        validate(document, schema)
    return document


def query_int(params, name, default=None, minimum=0):
    """An integer query parameter, 400 when it is not one or too small."""
    value = params.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < minimum:
        raise webob.exc.HTTPBadRequest(
            explanation='%s param must be an integer >= %d' % (name, minimum)
        )
    return number


def require_content(*media_types, headers=None):
    """Decorator: 415 unless the body's media type is one of these.

    ``headers`` go on the 415 (e.g. ``Accept-Patch`` for PATCH).
    """

    def decorator(handler):
        @functools.wraps(handler)
        def checked(req, *args, **kwargs):
            if req.content_type not in media_types:
                raise webob.exc.HTTPUnsupportedMediaType(
                    explanation='Unsupported Content-Type %r; expected one '
                    'of: %s' % (req.content_type, ', '.join(media_types)),
                    headers=headers,
                )
            return handler(req, *args, **kwargs)

        return checked

    return decorator
