"""``/v2/cache``: answered as upstream answers with the image cache off.

The rule of each route is checked first (403 as upstream), then 404 with
upstream's message: this release has no image cache.
"""

import webob.exc

from glance.api import errors
from glance.policies import cache as policies

NOT_SUPPORTED = 'Caching via API is not supported at this site.'


def _not_supported(rule):
    @errors.Wsgify
    def handler(req):
        req.state.authorize(req.context, rule)
        raise webob.exc.HTTPNotFound(explanation=NOT_SUPPORTED)

    return handler


get_cache_state = _not_supported(policies.CACHE_LIST)
clear_cache = _not_supported(policies.CACHE_DELETE)
delete_cache_entry = _not_supported(policies.CACHE_DELETE)
queue_image = _not_supported(policies.CACHE_IMAGE)
list_cached_nodes = _not_supported(policies.LIST_CACHED_NODES)
clean_cache = _not_supported(policies.CACHE_CLEAN)
prune_cache = _not_supported(policies.CACHE_PRUNE)
