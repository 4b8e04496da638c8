"""Route ``/v2.N/...`` to the v2 app; answer anything else with versions.

``/`` and ``/versions`` are answered here, before authentication, so that
clients can discover versions without a token (as upstream);
``/healthcheck`` passes to its app. A path naming a version we do not serve
gets the versions document with 300.
"""

import re

from glance.api import versions
from glance.api.middleware import base

_VERSIONED_PATH = re.compile(r'^/v(\d+(?:\.\d+)?)(/.*)?$')
_VERSION_MEDIA_TYPE = re.compile(r'application/vnd\.openstack\.images-v(\S+)')


class VersionNegotiationFilter(base.Middleware):
    def process_request(self, req):
        path = req.path_info
        if path.rstrip('/') == '/healthcheck':
            return None
        if path.rstrip('/') in ('', '/versions'):
            return versions.versions_app(req)
        match = _VERSIONED_PATH.match(path)
        if match:
            version, rest = match.group(1), match.group(2) or ''
        else:
            version, rest = self._version_from_accept(req), path
        if version is None or not self._serves(req, version):
            return versions.response(req, 300)
        req.path_info = '/v2' + rest
        return None

    @staticmethod
    def _version_from_accept(req):
        match = _VERSION_MEDIA_TYPE.search(req.headers.get('Accept', ''))
        return match.group(1).split('+')[0] if match else None

    @staticmethod
    def _serves(req, version):
        return version == '2' or version in versions.known_versions(
            req.state.conf
        )
