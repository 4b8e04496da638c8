"""The versions document served at ``/`` (300) and ``/versions`` (200)."""

import json

import webob

from glance.api import errors

# The minor versions served, as upstream lists them: (version, needs
# multi-store mode, routes of glance.api.v2.router.ROUTES that carry what
# the version introduced). A version is listed once all its features
# exist; tests check that its routes do. Not served: 2.14, 2.16, 2.18
# (the cache API), 2.15 (the /images/{id}/locations API) and 2.17.
VERSIONS = (
    ('2.0', False, ('/images', '/images/{image_id}/members')),
    ('2.1', False, ()),
    (
        '2.2',
        False,
        ('/tasks', '/tasks/{task_id}', '/metadefs/namespaces'),
    ),
    ('2.3', False, ('/metadefs/namespaces/{namespace_name}/tags',)),
    ('2.4', False, ()),
    ('2.5', False, ()),
    (
        '2.6',
        False,
        (
            '/images/{image_id}/stage',
            '/images/{image_id}/import',
            '/info/import',
        ),
    ),
    ('2.7', False, ()),
    ('2.8', True, ('/info/stores',)),
    ('2.9', False, ()),
    ('2.10', True, ('/stores/{store_id}/{image_id}',)),
    ('2.11', True, ()),
    ('2.12', True, ('/images/{image_id}/tasks',)),
    ('2.13', True, ('/info/stores/detail',)),
)


def _version_key(version):
    return tuple(int(part) for part in version.split('.'))


def known_versions(conf):
    """The versions this deployment serves, newest first."""
    multi_store = bool(conf.enabled_backends)
    versions = [
        version
        for version, needs_multi_store, _routes in VERSIONS
        if multi_store or not needs_multi_store
    ]
    return sorted(versions, key=_version_key, reverse=True)


def document(conf, base_url):
    """``{"versions": [...]}``, newest first, the newest CURRENT."""
    href = '%s/v2/' % (conf.public_endpoint or base_url).rstrip('/')
    versions = known_versions(conf)
    return {
        'versions': [
            {
                'id': 'v' + version,
                'status': 'CURRENT' if version == versions[0] else 'SUPPORTED',
                'links': [{'rel': 'self', 'href': href}],
            }
            for version in versions
        ]
    }


def response(req, status):
    return webob.Response(
        status=status,
        content_type='application/json',
        charset='UTF-8',
        body=json.dumps(document(req.state.conf, req.host_url)).encode(),
    )


@errors.Wsgify
def versions_app(req):
    # An explicit /versions is a plain answer; anything else reaching here
    # ("/" or an unknown version) is a choice for the client to make.
    explicit = req.path_info.rstrip('/') == '/versions'
    return response(req, 200 if explicit else 300)


def create_resource(global_conf=None, **local_conf):
    """paste.app_factory of ``[app:apiversions]``."""
    return versions_app
