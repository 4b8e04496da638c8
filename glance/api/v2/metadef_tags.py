"""Tag handlers: ``/v2/metadefs/namespaces/{namespace_name}/tags``."""

from oslo_utils import strutils

from glance.api import errors
from glance.api import request
from glance.api.v2 import metadef_common as common
from glance.api.v2 import serialize
from glance.db import metadef_items
from glance.policies import metadefs as policies
from glance.schemas import metadefs as schemas


def _respond(item, status=200):
    return serialize.json_response(common.tag_body(item), status=status)


@errors.Wsgify
def list_tags(req):
    namespace = common.namespace(req, policies.GET_TAGS)
    page = common.page_params(req, 'created_at', 'desc')
    items = metadef_items.get_all(
        req.context, 'tag', namespace['namespace'], **page
    )
    return serialize.json_response(
        {'tags': [common.tag_body(item) for item in items]}
    )


@errors.Wsgify
def create_tags(req):
    """Replace the namespace's tags, or add to them with
    ``X-Openstack-Append: true``."""
    namespace = common.namespace(req, policies.ADD_TAGS)
    tags = request.extract_json(req, schemas.TAGS_CREATE)['tags']
    for tag in tags:
        common.check_text(tag, ('name',))
    append = strutils.bool_from_string(req.headers.get('X-Openstack-Append'))
    items = metadef_items.create_many(
        req.context,
        'tag',
        namespace['namespace'],
        [{'name': tag['name']} for tag in tags],
        replace=not append,
    )
    for item in items:
        common.notify_item(req, 'create', 'tag', namespace['namespace'], item)
    return serialize.json_response(
        {'tags': [common.tag_body(item) for item in items]}, status=201
    )


@errors.Wsgify
def create_tag(req):
    namespace = common.namespace(req, policies.ADD_TAG)
    name = common.check_name(req.urlvars['tag_name'], 'tag')
    item = metadef_items.create(
        req.context, 'tag', namespace['namespace'], {'name': name}
    )
    common.notify_item(req, 'create', 'tag', namespace['namespace'], item)
    return _respond(item, status=201)


@errors.Wsgify
def show_tag(req):
    namespace = common.namespace(req, policies.GET_TAG)
    item = metadef_items.get(
        req.context, 'tag', namespace['namespace'], req.urlvars['tag_name']
    )
    return _respond(item)


@errors.Wsgify
def update_tag(req):
    namespace = common.namespace(req, policies.MODIFY_TAG)
    body = request.extract_json(req, schemas.TAG)
    item = metadef_items.update(
        req.context,
        'tag',
        namespace['namespace'],
        req.urlvars['tag_name'],
        {'name': common.check_name(body['name'], 'tag')},
    )
    common.notify_item(
        req,
        'update',
        'tag',
        namespace['namespace'],
        item,
        old_name=req.urlvars['tag_name'],
    )
    return _respond(item)


@errors.Wsgify
def delete_tag(req):
    return common.delete_item(req, 'tag', policies.DELETE_TAG, 'tag_name')


@errors.Wsgify
def delete_tags(req):
    return common.delete_items(req, 'tag', policies.DELETE_TAGS)
