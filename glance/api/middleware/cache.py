"""Accepted so that existing glance-api-paste.ini files load; no cache.

A pipeline with this filter (upstream's ``caching`` and
``cachemanagement`` flavors) logs once, when it is loaded, that image data
is not cached; ``/v2/cache`` answers as upstream's does with caching off.
"""

from oslo_log import log as logging

from glance.api.middleware import base

LOG = logging.getLogger(__name__)


class CacheFilter(base.Middleware):
    """Image cache filter: passes every request through (not built)."""

    @classmethod
    def factory(cls, global_conf, **local_conf):
        LOG.warning(
            'The paste pipeline has the image cache filter, but the image '
            'cache is not available in this release: image data is not '
            'cached, and /v2/cache answers 404.'
        )
        return super().factory(global_conf, **local_conf)
