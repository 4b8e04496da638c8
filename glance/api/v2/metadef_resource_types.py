"""Resource types and their associations with namespaces.

``GET /v2/metadefs/resource_types`` and
``/v2/metadefs/namespaces/{namespace_name}/resource_types[/{name}]``.
"""

import webob

from glance import notifications
from glance.api import errors
from glance.api import request
from glance.api.v2 import metadef_common as common
from glance.api.v2 import serialize
from glance.db import metadefs as db_metadefs
from glance.policies import metadefs as policies
from glance.schemas import metadefs as schemas


@errors.Wsgify
def list_resource_types(req):
    common.authorize_list(req, policies.LIST_RESOURCE_TYPES)
    resource_types = db_metadefs.get_resource_types(req.context)
    return serialize.json_response(
        {
            'resource_types': [
                common.association_body(
                    dict(rt, prefix=None, properties_target=None)
                )
                for rt in resource_types
            ]
        }
    )


@errors.Wsgify
def list_associations(req):
    namespace = common.namespace(req, policies.GET_RESOURCE_TYPE)
    associations = db_metadefs.get_associations(
        req.context, [namespace['id']]
    )[namespace['id']]
    return serialize.json_response(
        {
            'resource_type_associations': [
                common.association_body(a) for a in associations
            ]
        }
    )


@errors.Wsgify
def create_association(req):
    namespace = common.namespace(req, policies.ADD_ASSOCIATION)
    body = request.extract_json(req, schemas.RESOURCE_TYPE_ASSOCIATION)
    common.check_name(body['name'], 'resource type')
    common.check_text(body, ('prefix', 'properties_target'))
    association = db_metadefs.associate(
        req.context, namespace['namespace'], body
    )
    common.notify(
        req,
        'metadef_resource_type.create',
        notifications.metadef_resource_type_payload(
            namespace['namespace'], association
        ),
    )
    return serialize.json_response(
        common.association_body(association), status=201
    )


@errors.Wsgify
def delete_association(req):
    namespace = common.namespace(req, policies.REMOVE_ASSOCIATION)
    name = req.urlvars['resource_type']
    associations = db_metadefs.get_associations(
        req.context, [namespace['id']]
    )[namespace['id']]
    db_metadefs.dissociate(req.context, namespace['namespace'], name)
    for association in associations:
        if association['name'] == name:
            common.notify(
                req,
                'metadef_resource_type.delete',
                notifications.metadef_resource_type_payload(
                    namespace['namespace'], association, deleted=True
                ),
            )
    return webob.Response(status=204)
