"""Namespace handlers: ``/v2/metadefs/namespaces[/{namespace_name}]``."""

import webob

from glance import notifications
from glance.api import errors
from glance.api import request
from glance.api.v2 import common as v2_common
from glance.api.v2 import metadef_common as common
from glance.api.v2 import serialize
from glance.db import metadef_documents
from glance.db import metadefs as db_metadefs
from glance.policies import metadefs as policies
from glance.schemas import metadefs as schemas

# PUT replaces these; absent ones go back to their defaults (upstream).
_REPLACED_ON_UPDATE = {
    'display_name': None,
    'description': None,
    'visibility': 'private',
    'protected': False,
}


def _contents_body(namespace, contents, prefix=None):
    """Response form of what a namespace holds, property names prefixed."""
    prefix = prefix or ''
    body = {}
    if 'resource_type_associations' in contents:
        body['resource_type_associations'] = [
            common.association_body(a)
            for a in contents['resource_type_associations']
        ]
    if 'property' in contents:
        body['properties'] = {
            prefix + item['name']: common.property_body(item)
            for item in contents['property']
        }
    if 'object' in contents:
        body['objects'] = [
            _prefixed_object(
                common.object_body(namespace['namespace'], item), prefix
            )
            for item in contents['object']
        ]
    if 'tag' in contents:
        body['tags'] = [common.tag_body(item) for item in contents['tag']]
    return body


def _prefixed_object(body, prefix):
    if prefix:
        body['properties'] = {
            prefix + name: value for name, value in body['properties'].items()
        }
        body['required'] = [prefix + name for name in body['required']]
    return body


def _prefix_for(contents, resource_type):
    for association in contents.get('resource_type_associations', []):
        if association['name'] == resource_type:
            return association['prefix']
    return None


def _listed_contents(associations):
    # A listed namespace shows its associations, not its definitions.
    if not associations:
        return {}
    return {
        'resource_type_associations': [
            common.association_body(a) for a in associations
        ]
    }


def _list_filters(req):
    filters = {'visibility': req.params.get('visibility')}
    resource_types = req.params.get('resource_types')
    if resource_types:
        filters['resource_types'] = [
            name.strip() for name in resource_types.split(',') if name.strip()
        ]
    return filters


@errors.Wsgify
def list_namespaces(req):
    common.authorize_list(req, policies.GET_NAMESPACES)
    page = common.page_params(req, 'created_at', 'desc')
    namespaces = db_metadefs.get_all(
        req.context, filters=_list_filters(req), **page
    )
    associations = db_metadefs.get_associations(
        req.context, [namespace['id'] for namespace in namespaces]
    )
    body = {
        'namespaces': [
            common.namespace_body(
                namespace,
                _listed_contents(associations[namespace['id']]),
            )
            for namespace in namespaces
        ],
        'schema': '/v2/schemas/metadefs/namespaces',
    }
    body.update(
        v2_common.page_links(
            req,
            common.NAMESPACES_PATH,
            [namespace['namespace'] for namespace in namespaces],
            page['limit'],
        )
    )
    return serialize.json_response(body)


def _validated_document(req):
    document = request.extract_json(req, schemas.NAMESPACE)
    common.check_text(document, common.NAMESPACE_TEXT)
    for name, entry in metadef_documents.entries(document, 'object'):
        common.check_name(name, 'object')
        common.check_text(entry, ('description',))
    for name, _entry in metadef_documents.entries(document, 'property'):
        common.check_name(name, 'property')
    for name, _entry in metadef_documents.entries(document, 'tag'):
        common.check_name(name, 'tag')
    return document


def _notify_created(req, namespace, contents):
    """The namespace's create event, then one per thing it holds (as
    upstream, which adds each through its own repository)."""
    name = namespace['namespace']
    common.notify(
        req,
        'metadef_namespace.create',
        notifications.namespace_payload(namespace),
    )
    for association in contents.get('resource_type_associations', []):
        common.notify(
            req,
            'metadef_resource_type.create',
            notifications.metadef_resource_type_payload(name, association),
        )
    for kind in ('object', 'property', 'tag'):
        for item in contents.get(kind, []):
            common.notify_item(req, 'create', kind, name, item)


@errors.Wsgify
def create_namespace(req):
    common.authorize_list(req, policies.ADD_NAMESPACE)
    document = _validated_document(req)
    document.setdefault('owner', req.context.owner)
    namespace = metadef_documents.create(req.context, document)
    contents = metadef_documents.contents(req.context, [namespace])
    _notify_created(req, namespace, contents[namespace['id']])
    body = common.namespace_body(
        namespace,
        _contents_body(namespace, contents[namespace['id']]),
    )
    return serialize.json_response(
        body, status=201, headers={'Location': body['self']}
    )


@errors.Wsgify
def show_namespace(req):
    namespace = common.namespace(req, policies.GET_NAMESPACE)
    contents = metadef_documents.contents(req.context, [namespace])[
        namespace['id']
    ]
    prefix = _prefix_for(contents, req.params.get('resource_type'))
    return serialize.json_response(
        common.namespace_body(
            namespace, _contents_body(namespace, contents, prefix)
        )
    )


@errors.Wsgify
def update_namespace(req):
    namespace = common.namespace(req, policies.MODIFY_NAMESPACE)
    document = request.extract_json(req, schemas.NAMESPACE)
    common.check_text(document, common.NAMESPACE_TEXT)
    values = {k: document.get(k, v) for k, v in _REPLACED_ON_UPDATE.items()}
    values['namespace'] = document['namespace']
    values['owner'] = document.get('owner') or namespace['owner']
    updated = db_metadefs.update(req.context, namespace['namespace'], values)
    common.notify(
        req,
        'metadef_namespace.update',
        notifications.namespace_payload(
            updated, old_name=namespace['namespace']
        ),
    )
    return serialize.json_response(common.namespace_body(updated))


@errors.Wsgify
def delete_namespace(req):
    namespace = common.namespace(req, policies.DELETE_NAMESPACE)
    db_metadefs.delete(req.context, namespace['namespace'])
    common.notify(
        req,
        'metadef_namespace.delete',
        notifications.namespace_payload(namespace, deleted=True),
    )
    return webob.Response(status=204)
