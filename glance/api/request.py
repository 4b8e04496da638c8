"""Request parsing shared by the handlers: JSON bodies, query strings,
content types. Every failure here is the client's: a 4xx, never a 500."""

import functools
import json
import re
import urllib.parse

import jsonschema
import webob
import webob.exc

# Key under which the application state (glance.api.state.AppState) and the
# request context travel in the WSGI environ.
STATE_KEY = 'glance.state'
CONTEXT_KEY = 'glance.context'

# Integer columns are 4 bytes on every engine upstream supports.
MAX_DB_INT = 2**31 - 1
# Nesting deeper than this is no document a client needs; far below the
# interpreter's recursion limit for everything that walks one afterwards.
MAX_JSON_DEPTH = 32
# MySQL's utf8 stores at most 3 bytes a character: upstream refuses
# characters outside the Basic Multilingual Plane on every engine.
_FOUR_BYTE = re.compile('[\U00010000-\U0010ffff]')
# Lone surrogates (JSON's "\ud800") encode in no UTF-8; NUL is refused
# by PostgreSQL text.
_UNENCODABLE = re.compile('[\ud800-\udfff\x00]')
_BAD_ESCAPE = re.compile('%(?![0-9A-Fa-f]{2})')


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
        document = json.loads(body)
    except RecursionError:
        raise _too_deep() from None
    except ValueError:
        raise webob.exc.HTTPBadRequest(
            explanation='Malformed JSON in request body.'
        ) from None
    _check_document(document)
    return document


def _too_deep():
    return webob.exc.HTTPBadRequest(
        explanation='JSON in request body is nested deeper than %d levels.'
        % MAX_JSON_DEPTH
    )


def _check_document(document):
    """400 for nesting beyond MAX_JSON_DEPTH or a string no database
    stores (lone surrogate, NUL). Iterative: depth is what it bounds."""
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if _UNENCODABLE.search(value):
                raise webob.exc.HTTPBadRequest(
                    explanation='Strings in the request body must not '
                    'contain NUL characters or lone surrogates.'
                )
            continue
        if isinstance(value, dict):
            children = [*value.keys(), *value.values()]
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            raise _too_deep()
        pending.extend((child, depth + 1) for child in children)


def url_error(environ):
    """Why the request's path or query string is unusable, else None.

    The server gives PATH_INFO percent-decoded, its bytes as latin-1
    (PEP 3333); the raw target (gunicorn's RAW_URI, uWSGI's REQUEST_URI)
    shows escapes that were not. Both must be valid UTF-8 and free of
    NUL, as must every name and value of the query string.
    """
    raw = environ.get('RAW_URI', environ.get('REQUEST_URI', ''))
    raw_path = raw.split('?', 1)[0]
    query = environ.get('QUERY_STRING', '')
    if _BAD_ESCAPE.search(raw_path) or _BAD_ESCAPE.search(query):
        return 'Invalid percent-encoding in the request URL.'
    parts = [environ.get('SCRIPT_NAME', ''), environ.get('PATH_INFO', '')]
    try:
        for part in parts:
            part.encode('latin-1').decode('utf-8')
        for pair in query.replace(';', '&').split('&'):
            urllib.parse.unquote_to_bytes(pair.replace('+', ' ')).decode(
                'utf-8'
            )
    except UnicodeError:
        return 'The request URL is not valid UTF-8.'
    if '\x00' in ''.join(parts) or '%00' in query:
        return 'The request URL must not contain NUL characters.'
    return None


def check_4byte(value, name=None):
    """400 with upstream's message when ``value`` (a string, or a dict
    checked key by key, nested dicts too) has a 4-byte UTF-8 character.

    A string on its own is a 'param'; a dict value is named after its key.
    """
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict):
                check_4byte(item)
                continue
            if isinstance(key, str) and _FOUR_BYTE.search(key):
                raise webob.exc.HTTPBadRequest(
                    explanation="Property names can't contain 4 byte unicode."
                )
            check_4byte(item, key)
    elif isinstance(value, str) and _FOUR_BYTE.search(value):
        if name is None:
            explanation = "Param values can't contain 4 byte unicode."
        else:
            explanation = (
                "%s can't contain 4 byte unicode characters." % name.title()
            )
        raise webob.exc.HTTPBadRequest(explanation=explanation)


def check_db_ints(**values):
    """400 with upstream's message for an integer over MAX_DB_INT."""
    for name, value in sorted(values.items()):
        if isinstance(value, int) and value > MAX_DB_INT:
            raise webob.exc.HTTPBadRequest(
                explanation="'%s' value out of range, must not exceed %d."
                % (name, MAX_DB_INT)
            )


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
