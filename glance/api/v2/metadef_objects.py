"""Object handlers: ``/v2/metadefs/namespaces/{namespace_name}/objects``."""

from glance.api import errors
from glance.api import request
from glance.api.v2 import metadef_common as common
from glance.api.v2 import serialize
from glance.db import metadef_documents
from glance.db import metadef_items
from glance.policies import metadefs as policies
from glance.schemas import metadefs as schemas


def _values(req):
    body = request.extract_json(req, schemas.OBJECT)
    name = common.check_name(body['name'], 'object')
    common.check_text(body, ('description',))
    return metadef_documents.item_values('object', name, body)


def _respond(namespace, item, status=200):
    return serialize.json_response(
        common.object_body(namespace['namespace'], item), status=status
    )


@errors.Wsgify
def list_objects(req):
    namespace = common.namespace(req, policies.GET_OBJECTS)
    items = metadef_items.get_all(
        req.context, 'object', namespace['namespace']
    )
    return serialize.json_response(
        {
            'objects': [
                common.object_body(namespace['namespace'], item)
                for item in items
            ],
            'schema': 'v2/schemas/metadefs/objects',
        }
    )


@errors.Wsgify
def create_object(req):
    namespace = common.namespace(req, policies.ADD_OBJECT)
    item = metadef_items.create(
        req.context, 'object', namespace['namespace'], _values(req)
    )
    common.notify_item(req, 'create', 'object', namespace['namespace'], item)
    return _respond(namespace, item, status=201)


@errors.Wsgify
def show_object(req):
    namespace = common.namespace(req, policies.GET_OBJECT)
    item = metadef_items.get(
        req.context,
        'object',
        namespace['namespace'],
        req.urlvars['object_name'],
    )
    return _respond(namespace, item)


@errors.Wsgify
def update_object(req):
    namespace = common.namespace(req, policies.MODIFY_OBJECT)
    item = metadef_items.update(
        req.context,
        'object',
        namespace['namespace'],
        req.urlvars['object_name'],
        _values(req),
    )
    common.notify_item(
        req,
        'update',
        'object',
        namespace['namespace'],
        item,
        old_name=req.urlvars['object_name'],
    )
    return _respond(namespace, item)


@errors.Wsgify
def delete_object(req):
    return common.delete_item(
        req, 'object', policies.DELETE_OBJECT, 'object_name'
    )


@errors.Wsgify
def delete_objects(req):
    return common.delete_items(req, 'object', policies.DELETE_OBJECT)
