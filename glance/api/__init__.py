"""Paste factories named by glance-api-paste.ini (upstream's paths).

A request goes, outermost first: CORS, healthcheck, proxy headers, request
id, version negotiation, authentication (keystone flavor only), context,
then ``rootapp``, which sends ``/v2/...`` to ``glance.api.v2.router.API``
and everything else to the versions document.
"""

import webob.exc
from oslo_config import cfg

from glance.api import errors


class URLMap:
    """Send a request to the app mounted at the longest matching prefix.

    The prefix moves from PATH_INFO to SCRIPT_NAME, as paste's urlmap does.
    """

    def __init__(self, apps):
        self.apps = sorted(
            ((prefix.rstrip('/'), app) for prefix, app in apps.items()),
            key=lambda item: len(item[0]),
            reverse=True,
        )

    @errors.Wsgify
    def __call__(self, req):
        path = req.path_info
        for prefix, app in self.apps:
            if path == prefix or path.startswith(prefix + '/'):
                req.script_name += prefix
                req.path_info = path[len(prefix) :]
                return req.get_response(app)
        raise webob.exc.HTTPNotFound()


def root_app_factory(loader, global_conf, **local_conf):
    """``[composite:rootapp]``: ``/path = app name`` lines."""
    return URLMap(
        {
            prefix: loader.get_app(name, global_conf=global_conf)
            for prefix, name in local_conf.items()
            if prefix.startswith('/')
        }
    )


def pipeline_factory(loader, global_conf, **local_conf):
    """A composite choosing its pipeline by ``[paste_deploy] flavor``.

    ``local_conf`` maps flavor names (``default`` when none is set) to
    space-separated filter names ending with the app name.
    """
    flavor = cfg.CONF.paste_deploy.flavor or 'default'
    names = local_conf[flavor].split()
    app = loader.get_app(names[-1], global_conf=global_conf)
    for name in reversed(names[:-1]):
        app = loader.get_filter(name, global_conf=global_conf)(app)
    return app
