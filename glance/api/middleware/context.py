"""Build the request context from identity headers.

``ContextMiddleware`` trusts keystonemiddleware's ``auth_token`` headers;
``UnauthenticatedContextMiddleware`` (the no-auth flavor) trusts whatever the
client sends, and a request with no identity at all acts as an admin of
``DEFAULT_PROJECT``.

The context they build is made current (oslo.context's thread-local store,
which oslo.log reads): every log line of the request names its request id
and user. ``per_request`` wraps the whole pipeline so that a request starts
with a context of its own (its request ids only) before any filter logs:
a worker thread never logs with the context of a request it served before.
"""

import json

import webob.exc
from oslo_middleware import request_id

from glance import context
from glance.api import request
from glance.api.middleware import base

DEFAULT_PROJECT = 'default'

# Keystone expands implied roles into tokens (admin -> member -> reader);
# without keystone we do the same, so the default policy rules hold.
_IMPLIED_ROLES = {'admin': ('member', 'reader'), 'member': ('reader',)}


def with_implied_roles(roles):
    expanded = list(roles)
    for role in roles:
        for implied in _IMPLIED_ROLES.get(role.lower(), ()):
            if implied not in expanded:
                expanded.append(implied)
    return expanded


def _service_catalog(req):
    """keystonemiddleware's X-Service-Catalog (JSON), for stores that
    act as the caller (multi-tenant swift); None when absent or broken."""
    try:
        catalog = json.loads(req.headers.get('X-Service-Catalog', ''))
    except ValueError:
        return None
    return catalog if isinstance(catalog, list) else None


def _header_list(req, name):
    values = req.headers.get(name, '').split(',')
    return [value.strip() for value in values if value.strip()]


def _request_ids(environ):
    """The ids oslo.middleware's request id filter put into the environ."""
    return {
        'request_id': environ.get(request_id.ENV_REQUEST_ID),
        'global_request_id': environ.get(request_id.GLOBAL_REQ_ID),
    }


def anonymous_context(environ, current=False):
    """A context naming only the request ids of ``environ`` (for a request
    no context filter has identified yet); with ``current``, made current."""
    return context.RequestContext(**_request_ids(environ), overwrite=current)


def per_request(app):
    """WSGI wrapper (inside the request id filter): each request starts
    with its own anonymous context made current."""

    def with_fresh_context(environ, start_response):
        anonymous_context(environ, current=True)
        return app(environ, start_response)

    return with_fresh_context


class ContextMiddleware(base.Middleware):
    """Context from keystonemiddleware's headers; 401 without a token.

    Both context filters make the context they build current (oslo.context's
    default ``overwrite``).
    """

    def process_request(self, req):
        if req.headers.get('X-Identity-Status', 'Invalid') != 'Confirmed':
            raise webob.exc.HTTPUnauthorized()
        req.environ[request.CONTEXT_KEY] = context.RequestContext(
            user_id=req.headers.get('X-User-Id'),
            project_id=req.headers.get('X-Project-Id')
            or req.headers.get('X-Tenant-Id'),
            roles=_header_list(req, 'X-Roles'),
            auth_token=req.headers.get('X-Auth-Token'),
            service_catalog=_service_catalog(req),
            **_request_ids(req.environ),
        )


class UnauthenticatedContextMiddleware(base.Middleware):
    """Context from X-Roles / X-Project-Id / X-Tenant-Id / X-User-Id."""

    def process_request(self, req):
        user = req.headers.get('X-User-Id')
        project = req.headers.get('X-Project-Id') or req.headers.get(
            'X-Tenant-Id'
        )
        roles = _header_list(req, 'X-Roles')
        if not (user or project or roles):
            project, roles = DEFAULT_PROJECT, ['admin']
        req.environ[request.CONTEXT_KEY] = context.RequestContext(
            user_id=user,
            project_id=project,
            roles=with_implied_roles(roles),
            **_request_ids(req.environ),
        )
