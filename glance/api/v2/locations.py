"""``/locations`` operations of an image PATCH (show_multiple_locations).

Location URLs must use a scheme of a configured store; in multi-store mode
the store is recorded from the URL's prefix when the client gives none.
Callers run ``apply`` inside their DB transaction and delete the data of
removed locations (``delete_data``) only once it has committed.
"""

import copy
import dataclasses
import urllib.parse

import jsonschema

from glance import exception
from glance import image_data
from glance import store_resolution
from glance.db import locations as db_locations
from glance.policies import images as policies
from glance.schemas import image as image_schema
from glance_store import backend
from glance_store import exceptions as store_exceptions
from glance_store import location as store_location
from glance_store import multi_backend

_LOCATION = image_schema.PROPERTIES['locations']['items']
_VERB = {'add': 'add', 'replace': 'update', 'remove': 'remove'}


def apply(req, image, operations):
    """Apply location ``operations`` to ``image`` in the database.

    Returns the removed locations, whose data is still in the stores.
    """
    removed = []
    for operation in operations:
        if not req.state.conf.show_multiple_locations:
            raise exception.Forbidden(
                "It's not allowed to %s locations if locations are "
                'invisible.' % _VERB[operation.op]
            )
        _authorize(req, image, operation.op)
        if operation.op == 'remove':
            image, gone = _remove(req, image, operation.path)
            removed.append(gone)
        elif operation.op == 'add':
            image = _add(req, image, operation.value)
        else:
            _replace(req, image, operation)
    return removed


def delete_data(req, removed):
    """Delete the data of removed locations (failures are logged)."""
    stores = req.state.stores
    for loc in removed:
        image_data.delete_quietly(
            req.context,
            stores,
            loc.url,
            image_data.location_store(stores, loc),
        )


def _authorize(req, image, op):
    target = policies.target(image)
    if op in ('add', 'replace'):
        req.state.authorize(req.context, policies.SET_IMAGE_LOCATION, target)
    if op in ('remove', 'replace'):
        req.state.authorize(
            req.context, policies.DELETE_IMAGE_LOCATION, target
        )


def _invalid(url):
    # Location URLs may carry credentials: never echo them.
    return exception.Invalid(
        'Invalid location: %s' % store_resolution.redact(url)
    )


def _validated(req, value):
    try:
        jsonschema.validate(value, _LOCATION)
    except jsonschema.ValidationError as exc:
        raise exception.Invalid('Invalid location: %s' % exc.message) from None
    url, metadata = value['url'], dict(value['metadata'])
    if urllib.parse.urlsplit(url).scheme not in _known_schemes(req):
        raise _invalid(url)
    if req.state.multi_store and 'store' not in metadata:
        store_id = req.state.store_index.resolve(url)
        if store_id is None:
            raise exception.Invalid(
                'The location %s does not belong to any configured store.'
                % store_resolution.redact(url)
            )
        metadata['store'] = store_id
    return url, metadata


def _known_schemes(req):
    if req.state.multi_store:
        return store_location.SCHEME_TO_CLS_BACKEND_MAP.keys()
    return store_location.SCHEME_TO_CLS_MAP.keys()


def _size_of(req, url, metadata):
    try:
        if req.state.multi_store:
            return multi_backend.get_size_from_uri_and_backend(
                url, metadata['store'], context=req.context
            )
        return backend.get_size_from_backend(url, context=req.context)
    except (store_exceptions.NotFound, store_exceptions.BadStoreUri):
        raise _invalid(url) from None


def _add(req, image, value):
    url, metadata = _validated(req, value)
    quota = req.state.conf.image_location_quota
    if 0 <= quota <= len(image.active_locations):
        raise exception.Forbidden('Image location quota exceeded.')
    if image.status not in ('queued', 'active'):
        raise exception.Conflict(
            'Locations can only be added to queued or active images.'
        )
    size = _size_of(req, url, metadata)
    added = copy.deepcopy(image)
    added.locations.append(
        db_locations.add(req.context, image.id, url, metadata)
    )
    if image.status != 'queued':
        return added
    added.status, added.size = 'active', size
    return req.state.image_repo(req.context).save(added, image)


def _remove(req, image, path):
    current = image.active_locations
    if len(path) != 2 or path[1] == '-' or int(path[1]) >= len(current):
        raise exception.Invalid('Invalid location index: /%s' % '/'.join(path))
    if len(current) == 1:
        raise exception.Forbidden('Cannot remove last location in the image.')
    gone = current[int(path[1])]
    db_locations.delete(req.context, gone.id)
    remaining = copy.deepcopy(image)
    remaining.locations = [
        dataclasses.replace(loc, status='deleted')
        if loc.id == gone.id
        else loc
        for loc in remaining.locations
    ]
    return remaining, gone


def _replace(req, image, operation):
    if len(operation.path) != 1 or not isinstance(operation.value, list):
        raise exception.Invalid('Locations must be replaced by a list.')
    wanted = [_validated(req, value) for value in operation.value]
    current = {loc.url: loc for loc in image.active_locations}
    for url, metadata in wanted:
        if url not in current:
            db_locations.add(req.context, image.id, url, metadata)
    wanted_urls = {url for url, _ in wanted}
    for url, loc in current.items():
        if url not in wanted_urls:
            db_locations.delete(req.context, loc.id)
