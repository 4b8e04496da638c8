"""Query string of ``GET /v2/images`` -> repository arguments. Pure."""

import dataclasses
import urllib.parse

import webob.exc

from glance import domain
from glance.api import request

SORT_DIRS = ('asc', 'desc')
MEMBER_STATUSES = ('pending', 'accepted', 'rejected', 'all')
_PAGING_PARAMS = ('limit', 'marker', 'sort_key', 'sort_dir', 'sort')


@dataclasses.dataclass
class ListQuery:
    filters: dict
    marker: str | None
    limit: int
    sort_key: list
    sort_dir: list
    member_status: str

    def repo_kwargs(self):
        return dataclasses.asdict(self)


def parse(params, conf):
    """A ``ListQuery`` from a webob MultiDict; 400 for anything invalid."""
    limit = request.query_int(params, 'limit', conf.limit_param_default)
    sort_key, sort_dir = _sorting(params)
    member_status = params.get('member_status', 'accepted')
    if member_status not in MEMBER_STATUSES:
        raise _bad('Invalid status value: %s' % member_status)
    return ListQuery(
        filters=_filters(params),
        marker=params.get('marker'),
        limit=min(limit, conf.api_limit_max),
        sort_key=sort_key,
        sort_dir=sort_dir,
        member_status=member_status,
    )


def _bad(message):
    return webob.exc.HTTPBadRequest(explanation=message)


def _sorting(params):
    keys = params.getall('sort_key')
    dirs = params.getall('sort_dir')
    if 'sort' in params:
        if keys or dirs:
            raise _bad(
                'The sort param cannot be used with sort_key or sort_dir.'
            )
        keys, dirs = _parse_sort(params['sort'])
    else:
        keys = keys or ['created_at']
        dirs = dirs or ['desc']
        if len(dirs) == 1:
            dirs = dirs * len(keys)
        elif len(dirs) != len(keys):
            raise _bad(
                'Number of sort dirs does not match the number of sort keys'
            )
    for key in keys:
        if key not in domain.SORT_KEYS:
            raise _bad(
                'Invalid sort key: %s. It must be one of the '
                'following: %s.' % (key, ', '.join(domain.SORT_KEYS))
            )
    for direction in dirs:
        if direction not in SORT_DIRS:
            raise _bad('Invalid sort direction: %s' % direction)
    return keys, dirs


def _parse_sort(value):
    keys, dirs = [], []
    for item in value.split(','):
        key, _, direction = item.strip().partition(':')
        keys.append(key.strip())
        dirs.append(direction.strip() or 'desc')
    return keys, dirs


def _filters(params):
    """Everything but paging is a filter; the DB layer validates values."""
    filters = {}
    for name, value in params.items():
        if name in _PAGING_PARAMS or name == 'member_status':
            continue
        if name == 'tag':
            filters.setdefault('tags', []).append(value)
        else:
            filters[name] = value
    return filters


def page_links(params, images, limit):
    """``first`` and, when the page is full, ``next`` of a list body."""
    unmarked = [(k, v) for k, v in params.items() if k != 'marker']
    links = {'first': _images_url(unmarked)}
    if images and len(images) == limit:
        links['next'] = _images_url(unmarked + [('marker', images[-1].id)])
    return links


def _images_url(pairs):
    query = urllib.parse.urlencode(pairs)
    return '/v2/images?' + query if query else '/v2/images'
