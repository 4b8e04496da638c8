"""``/locations`` operations of an image PATCH (show_multiple_locations).

Which locations a client may add is the stores' rule
(``Stores.location_metadata``); the rows are written through the
repository. Callers run ``apply`` inside their transaction and delete the
data of removed locations only once it has committed.
"""

import urllib.parse

import jsonschema
import webob.exc

from glance import domain
from glance import exception
from glance import store_resolution
from glance.api import request
from glance.api.v2 import common
from glance.policies import images as policies
from glance.schemas import image as image_schema

_LOCATION = image_schema.PROPERTIES['locations']['items']
_VERB = {'add': 'add', 'replace': 'update', 'remove': 'remove'}


def apply(req, repo, image, operations):
    """Apply location ``operations`` to ``image`` through ``repo``.

    Returns the image as changed and the removed locations, whose data is
    still in the stores.
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
            image, gone = _remove(repo, image, operation.path)
            removed.append(gone)
        elif operation.op == 'add':
            image = _add(req, repo, image, operation.value)
        else:
            image = _replace(req, repo, image, operation)
    return image, removed


def _authorize(req, image, op):
    if op in ('add', 'replace'):
        common.authorize(req, policies.SET_IMAGE_LOCATION, image)
    if op in ('remove', 'replace'):
        common.authorize(req, policies.DELETE_IMAGE_LOCATION, image)


def _validated(req, value):
    """``(url, metadata)`` of a location value, by the stores' rule."""
    try:
        jsonschema.validate(value, _LOCATION)
    except jsonschema.ValidationError as exc:
        raise exception.Invalid('Invalid location: %s' % exc.message) from None
    request.check_4byte({'url': value['url'], 'metadata': value['metadata']})
    url = value['url']
    try:
        urllib.parse.urlsplit(url)
    except ValueError:  # an unclosed '[' or a bad IPv6 address
        raise exception.InvalidLocation(
            url=store_resolution.redact(url)
        ) from None
    return url, req.state.stores.location_metadata(url, value['metadata'])


def _size_of(req, url, metadata):
    stores = req.state.stores
    try:
        return stores.size(req.context, url, metadata.get('store'))
    except (exception.ImageDataNotFound, exception.InvalidLocation):
        # Location URLs may carry credentials: never echo them.
        raise exception.InvalidLocation(
            url=store_resolution.redact(url)
        ) from None


def _add(req, repo, image, value):
    url, metadata = _validated(req, value)
    quota = req.state.conf.image_location_quota
    if 0 <= quota <= len(image.active_locations):
        raise webob.exc.HTTPRequestEntityTooLarge(  # upstream's 413
            explanation='The limit has been exceeded on the number of '
            'allowed image locations. Attempted: %d, Maximum: %d'
            % (len(image.active_locations) + 1, quota)
        )
    domain.next_status(image, 'add_location')
    size = _size_of(req, url, metadata)
    return repo.add_location(image, url, metadata, size)


def _remove(repo, image, path):
    current = image.active_locations
    if len(path) != 2 or path[1] == '-' or int(path[1]) >= len(current):
        raise exception.Invalid('Invalid location index: /%s' % '/'.join(path))
    if len(current) == 1:
        raise exception.Forbidden('Cannot remove last location in the image.')
    gone = current[int(path[1])]
    return repo.remove_location(image, gone), gone


def _replace(req, repo, image, operation):
    if len(operation.path) != 1 or not isinstance(operation.value, list):
        raise exception.Invalid('Locations must be replaced by a list.')
    wanted = [_validated(req, value) for value in operation.value]
    current = {loc.url: loc for loc in image.active_locations}
    for url, metadata in wanted:
        if url not in current:
            image = repo.add_location(image, url, metadata, activate=False)
    wanted_urls = {url for url, _ in wanted}
    for url, loc in current.items():
        if url not in wanted_urls:
            image = repo.remove_location(image, loc)
    # The data of replaced locations stays where it is.
    return image
