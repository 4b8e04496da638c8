"""Rules of the cache API (``/v2/cache``), upstream's names and defaults.

The image cache is not built: the routes answer as upstream does when
caching is off, but only after the rule allowed the caller.
"""

from oslo_policy import policy

from glance.policies import base

CACHE_IMAGE = 'cache_image'
CACHE_LIST = 'cache_list'
CACHE_DELETE = 'cache_delete'
CACHE_CLEAN = 'cache_clean'
CACHE_PRUNE = 'cache_prune'
LIST_CACHED_NODES = 'list_cached_nodes'

_OPERATIONS = {
    CACHE_IMAGE: ('Queue an image for caching', [('PUT', '/{image_id}')]),
    CACHE_LIST: ('List the cache state', [('GET', '')]),
    CACHE_DELETE: (
        'Delete image(s) from the cache or its queue',
        [('DELETE', ''), ('DELETE', '/{image_id}')],
    ),
    CACHE_CLEAN: ('Clean invalid and stalled entries', [('POST', '/clean')]),
    CACHE_PRUNE: ('Prune the cache to its size', [('POST', '/prune')]),
    LIST_CACHED_NODES: (
        'List the nodes caching an image',
        [('GET', '/nodes/{image_id}')],
    ),
}

RULES = [
    policy.DocumentedRuleDefault(
        name=name,
        check_str=base.ADMIN,
        description=description,
        operations=[
            {'path': '/v2/cache' + path, 'method': method}
            for method, path in operations
        ],
    )
    for name, (description, operations) in _OPERATIONS.items()
]
