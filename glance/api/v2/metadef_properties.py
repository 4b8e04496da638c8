"""Property handlers: ``/v2/metadefs/namespaces/{name}/properties``."""

from glance import exception
from glance.api import errors
from glance.api import request
from glance.api.v2 import metadef_common as common
from glance.api.v2 import serialize
from glance.db import metadef_documents
from glance.db import metadef_items
from glance.db import metadefs as db_metadefs
from glance.policies import metadefs as policies
from glance.schemas import metadefs as schemas


def _values(req):
    body = request.extract_json(req, schemas.PROPERTY)
    name = common.check_name(body['name'], 'property')
    return metadef_documents.item_values('property', name, body)


def _respond(item, status=200):
    return serialize.json_response(
        common.property_body(item, item['name']), status=status
    )


def _unprefixed(req, namespace, name):
    """The stored name: ``resource_type`` names a prefix to take off."""
    resource_type = req.params.get('resource_type')
    if not resource_type:
        return name
    associations = db_metadefs.get_associations(
        req.context, [namespace['id']]
    )[namespace['id']]
    for association in associations:
        prefix = association['prefix'] or ''
        if association['name'] == resource_type and name.startswith(prefix):
            return name[len(prefix) :]
    raise exception.NotFound(
        'Property %s does not start with the prefix of resource type %s '
        'in namespace %s' % (name, resource_type, namespace['namespace'])
    )


@errors.Wsgify
def list_properties(req):
    namespace = common.namespace(req, policies.GET_PROPERTIES)
    items = metadef_items.get_all(
        req.context, 'property', namespace['namespace'], sort_key='name'
    )
    return serialize.json_response(
        {
            'properties': {
                item['name']: common.property_body(item) for item in items
            }
        }
    )


@errors.Wsgify
def create_property(req):
    namespace = common.namespace(req, policies.ADD_PROPERTY)
    item = metadef_items.create(
        req.context, 'property', namespace['namespace'], _values(req)
    )
    common.notify_item(req, 'create', 'property', namespace['namespace'], item)
    return _respond(item, status=201)


@errors.Wsgify
def show_property(req):
    namespace = common.namespace(req, policies.GET_PROPERTY)
    name = _unprefixed(req, namespace, req.urlvars['property_name'])
    item = metadef_items.get(
        req.context, 'property', namespace['namespace'], name
    )
    return _respond(item)


@errors.Wsgify
def update_property(req):
    namespace = common.namespace(req, policies.MODIFY_PROPERTY)
    item = metadef_items.update(
        req.context,
        'property',
        namespace['namespace'],
        req.urlvars['property_name'],
        _values(req),
    )
    common.notify_item(
        req,
        'update',
        'property',
        namespace['namespace'],
        item,
        old_name=req.urlvars['property_name'],
    )
    return _respond(item)


@errors.Wsgify
def delete_property(req):
    return common.delete_item(
        req, 'property', policies.REMOVE_PROPERTY, 'property_name'
    )


@errors.Wsgify
def delete_properties(req):
    return common.delete_items(req, 'property', policies.REMOVE_PROPERTY)
