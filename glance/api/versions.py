"""The versions document served at ``/`` (300) and ``/versions`` (200)."""

import json

import webob

from glance.api import errors

# Minor versions every deployment offers, and those that need multi-store
# (stores in info, import to several stores, delete from a store, ...).
_SINGLE_STORE_VERSIONS = ('2.0', '2.1', '2.2', '2.3', '2.4', '2.5', '2.6')
_SINGLE_STORE_VERSIONS += ('2.7', '2.9')
_MULTI_STORE_VERSIONS = _SINGLE_STORE_VERSIONS + (
    '2.8',
    '2.10',
    '2.11',
    '2.12',
    '2.13',
)


def _version_key(version):
    return tuple(int(part) for part in version.split('.'))


def known_versions(conf):
    versions = (
        _MULTI_STORE_VERSIONS
        if conf.enabled_backends
        else _SINGLE_STORE_VERSIONS
    )
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
