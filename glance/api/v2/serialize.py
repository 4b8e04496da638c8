"""Image and member records -> response bodies, as upstream renders them.

The only place that decides which fields and locations a caller sees.
"""

import json
import operator

import webob

from glance import store_resolution
from glance.api import protections
from glance.policies import images as image_policies

# Column attributes every image body carries, null or not.
_IMAGE_ATTRIBUTES = (
    'name',
    'disk_format',
    'container_format',
    'visibility',
    'size',
    'virtual_size',
    'status',
    'checksum',
    'protected',
    'min_ram',
    'min_disk',
    'owner',
    'os_hidden',
    'os_hash_algo',
    'os_hash_value',
)


def isotime(moment):
    """Upstream's timestamp format: second precision, ``Z`` for UTC."""
    return moment.strftime('%Y-%m-%dT%H:%M:%SZ') if moment else None


def image_href(image_id):
    return '/v2/images/%s' % image_id


def image(req, record):
    """The body of one image for the caller of ``req``."""
    body = dict(protections.readable(req, record.properties))
    body.update((name, getattr(record, name)) for name in _IMAGE_ATTRIBUTES)
    body.update(
        id=record.id,
        created_at=isotime(record.created_at),
        updated_at=isotime(record.updated_at),
        tags=list(record.tags),
        self=image_href(record.id),
        file=image_href(record.id) + '/file',
        schema='/v2/schemas/image',
    )
    locations = record.active_locations
    stores = _store_ids(req, locations)
    if stores:
        body['stores'] = ','.join(stores)
    conf = req.state.conf
    if _may_see_locations(req, record):
        if conf.show_multiple_locations:
            body['locations'] = [
                {
                    'url': store_resolution.strip_credentials(loc.url),
                    'metadata': dict(loc.metadata or {}),
                }
                for loc in locations
            ]
        if conf.show_image_direct_url and locations:
            body['direct_url'] = store_resolution.strip_credentials(
                _best_location(req, locations).url
            )
    return body


def _may_see_locations(req, record):
    conf = req.state.conf
    if not (conf.show_multiple_locations or conf.show_image_direct_url):
        return False
    return req.state.allowed(
        req.context,
        image_policies.GET_IMAGE_LOCATION,
        image_policies.target(record),
    )


_STORE_OF = operator.attrgetter('store')


def _store_ids(req, locations):
    # Upstream shows ``stores`` in multi-store mode only.
    if not req.state.stores.multi:
        return []
    return [store for store in map(_STORE_OF, locations) if store]


def _best_location(req, locations):
    """The location a direct URL points at: heaviest store first (in
    legacy mode, which has no weights, the first)."""

    def weight(loc):
        info = req.state.stores.get(loc.store)
        return info.weight if info else 0

    return max(locations, key=weight)


def member(record):
    return {
        'created_at': isotime(record.created_at),
        'updated_at': isotime(record.updated_at),
        'image_id': record.image_id,
        'member_id': record.member,
        'status': record.status,
        'schema': '/v2/schemas/member',
    }


def json_response(body, status=200, headers=None):
    response = webob.Response(
        status=status,
        content_type='application/json',
        charset='UTF-8',
        body=json.dumps(body).encode('utf-8'),
    )
    response.headers.update(headers or {})
    return response
