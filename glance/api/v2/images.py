"""Image handlers: create, list, show, update (JSON patch), delete,
deactivate and reactivate."""

import copy

import webob
import webob.exc

from glance import domain
from glance import exception
from glance import image_data
from glance.api import errors
from glance.api import protections
from glance.api import request
from glance.api.v2 import common
from glance.api.v2 import images_query
from glance.api.v2 import locations
from glance.api.v2 import patch
from glance.api.v2 import serialize
from glance.policies import images as policies
from glance.schemas import image as image_schema


def _schema(req):
    return image_schema.for_conf(req.state.conf)


def _check_visibility(req, image):
    rules = {
        'public': policies.PUBLICIZE_IMAGE,
        'community': policies.COMMUNITIZE_IMAGE,
    }
    if image.visibility in rules:
        common.authorize(req, rules[image.visibility], image)


def _check_owner(req, image, original_owner):
    if image.owner != original_owner and not req.context.is_admin:
        raise exception.Forbidden('Owner can be changed by admins only.')


def _check_quotas(conf, image):
    limits = (
        ('properties', len(image.properties), conf.image_property_quota),
        ('tags', len(image.tags), conf.image_tag_quota),
    )
    for what, count, quota in limits:
        if 0 <= quota < count:
            raise webob.exc.HTTPRequestEntityTooLarge(
                explanation='Attempted to add or update more %s than the '
                'quota of %d allows.' % (what, quota)
            )


MAX_PROPERTY_NAME_LENGTH = 255


def _check_storable(columns, properties, tags):
    """400 with upstream's messages for what a database cannot store:
    integers over 2^31-1, property names over 255 characters, 4-byte
    UTF-8. The same on every engine, checked before any statement."""
    request.check_db_ints(
        min_disk=columns.get('min_disk'), min_ram=columns.get('min_ram')
    )
    for name in properties:
        if len(name) > MAX_PROPERTY_NAME_LENGTH:
            raise webob.exc.HTTPBadRequest(
                explanation='Custom property should not be greater than '
                '255 characters.'
            )
    request.check_4byte(dict(columns, properties=properties))
    for tag in tags:
        request.check_4byte(tag)


def _validate(req, image):
    """400 unless the client-settable view of ``image`` fits the schema."""
    columns = {name: getattr(image, name) for name in patch.WRITABLE_COLUMNS}
    view = dict(image.properties)
    view.update(columns)
    view['tags'] = image.tags
    request.validate(view, _schema(req))
    _check_storable(columns, image.properties, image.tags)
    _check_quotas(req.state.conf, image)


def _creation_values(req, body):
    if not isinstance(body, dict):
        raise webob.exc.HTTPBadRequest(
            explanation='Image body must be a JSON object.'
        )
    for name in body:
        if name != 'id':
            patch.check_settable(name)
    request.validate(body, _schema(req))
    values = {'properties': {}, 'tags': [], 'status': 'queued'}
    for name, value in body.items():
        if name == 'tags':
            values['tags'] = list(dict.fromkeys(value))
        elif name == 'id' or name in patch.WRITABLE_COLUMNS:
            values[name] = value
        else:
            values['properties'][name] = value
    values.setdefault('visibility', 'shared')
    values.setdefault('owner', req.context.owner)
    columns = {
        k: v for k, v in values.items() if k not in ('properties', 'tags')
    }
    _check_storable(columns, values['properties'], values['tags'])
    return values


def _creation_headers(req, image):
    headers = {
        'Location': req.host_url + serialize.image_href(image.id),
        'OpenStack-image-import-methods': ','.join(
            req.state.conf.enabled_import_methods
        ),
    }
    if req.state.stores.multi:
        headers['OpenStack-image-store-ids'] = ','.join(req.state.stores.ids)
    return headers


def _pop_locations(body):
    """Locations given at creation, as the PATCH operations adding them."""
    if not isinstance(body, dict) or 'locations' not in body:
        return []
    values = body.pop('locations')
    if not isinstance(values, list):
        raise exception.Invalid('Locations must be given as a list.')
    return [patch.Operation('add', ('locations', '-'), v) for v in values]


@errors.Wsgify
def create_image(req):
    body = request.extract_json(req)
    new_locations = _pop_locations(body)
    values = _creation_values(req, body)
    protections.check_creation(req, values['properties'])
    draft = domain.Image(
        id=values.get('id', ''),
        **{k: v for k, v in values.items() if k != 'id'},
    )
    common.authorize(req, policies.ADD_IMAGE, draft)
    _check_owner(req, draft, req.context.owner)
    _check_visibility(req, draft)
    _check_quotas(req.state.conf, draft)
    repo = common.image_repo(req)
    # One transaction: a location that cannot be added leaves no image.
    with repo.transaction():
        image = repo.add(values)
        image, _removed = locations.apply(req, repo, image, new_locations)
    return serialize.json_response(
        serialize.image(req, image), 201, _creation_headers(req, image)
    )


@errors.Wsgify
def show_image(req):
    return serialize.json_response(
        serialize.image(req, common.get_visible_image(req))
    )


@errors.Wsgify
def list_images(req):
    query = images_query.parse(req.GET, req.state.conf)
    req.state.authorize(req.context, policies.GET_IMAGES)
    try:
        found = common.image_repo(req).list(**query.repo_kwargs())
    except exception.NotFound as exc:  # an unknown marker is bad input
        raise webob.exc.HTTPBadRequest(explanation=exc.msg) from None
    body = {
        'images': [serialize.image(req, image) for image in found],
        'schema': '/v2/schemas/images',
    }
    body.update(images_query.page_links(req.GET, found, query.limit))
    return serialize.json_response(body)


@errors.Wsgify
@request.require_content(
    *patch.MEDIA_TYPES, headers={'Accept-Patch': ', '.join(patch.MEDIA_TYPES)}
)
def update_image(req):
    operations = patch.parse(request.extract_json(req), req.content_type)
    original = common.get_visible_image(req)
    common.authorize(req, policies.MODIFY_IMAGE, original)
    image = copy.deepcopy(original)
    image.properties = protections.readable(req, image.properties)
    location_operations = patch.apply(image, operations)
    image.properties = protections.apply_changes(
        req, original.properties, image.properties
    )
    _check_owner(req, image, original.owner)
    if image.visibility != original.visibility:
        _check_visibility(req, image)
    _validate(req, image)
    repo = common.image_repo(req)
    # One transaction for the whole patch; data of removed locations goes
    # only once the change is committed.
    with repo.transaction():
        if image != original:
            image = repo.save(image, original)
        image, removed = locations.apply(req, repo, image, location_operations)
        removed = repo.unreferenced(removed)
    image_data.delete_data(req.context, req.state.stores, removed)
    return serialize.json_response(serialize.image(req, image))


@errors.Wsgify
def delete_image(req):
    image = common.get_visible_image(req)
    common.authorize(req, policies.DELETE_IMAGE, image)
    if image.protected:
        raise exception.ProtectedImageDelete(image_id=image.id)
    # A store refusing to delete the data keeps the image, as upstream:
    # 403 (not permitted), 409 (in use: a clone of an rbd snapshot), 503.
    image_data.delete_image(common.image_repo(req), req.state.stores, image)
    return webob.Response(status=204)


def _change_status(req, rule, event):
    image = common.get_visible_image(req)
    common.authorize(req, rule, image)
    common.image_repo(req).change_status(image, event)
    return webob.Response(status=204)


@errors.Wsgify
def deactivate_image(req):
    return _change_status(req, policies.DEACTIVATE, 'deactivate')


@errors.Wsgify
def reactivate_image(req):
    return _change_status(req, policies.REACTIVATE, 'reactivate')
