"""Helpers for API unit tests: a fresh config and a real AppState."""

import webob
from oslo_config import cfg

import glance.conf
from glance import context
from glance.api import request
from glance.api import state


def make_conf(**overrides):
    conf = cfg.ConfigOpts()
    glance.conf.register_opts(conf)
    conf([], project='glance', default_config_files=[])
    for name, value in overrides.items():
        conf.set_override(name, value)
    return conf


def make_request(path='/', conf=None, roles=('admin',), project='p1', **kw):
    """A glance Request with app state and a context in its environ."""
    req = request.Request.blank(path, **kw)
    req.environ[request.STATE_KEY] = state.AppState.build(conf or make_conf())
    req.environ[request.CONTEXT_KEY] = context.RequestContext(
        project_id=project, roles=list(roles), overwrite=False
    )
    return req


def call(app, req):
    response = req.get_response(app)
    assert isinstance(response, webob.Response)
    return response
