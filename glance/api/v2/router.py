"""Where every v2 request goes: the ROUTES table and its dispatcher.

Paths are relative to the ``/v2`` mount point (``[composite:rootapp]`` in
glance-api-paste.ini). Handlers are named ``module.function`` inside
``glance.api.v2`` and resolved once, when the application is built: a
missing one stops start-up.
"""

import importlib

import routes
import webob.exc

from glance.api import errors

ROUTES = {
    '/images': {
        'GET': 'images.list_images',
        'POST': 'images.create_image',
    },
    '/images/{image_id}': {
        'GET': 'images.show_image',
        'PATCH': 'images.update_image',
        'DELETE': 'images.delete_image',
    },
    '/images/{image_id}/actions/deactivate': {
        'POST': 'images.deactivate_image',
    },
    '/images/{image_id}/actions/reactivate': {
        'POST': 'images.reactivate_image',
    },
    '/images/{image_id}/file': {
        'PUT': 'image_data.upload_image_data',
        'GET': 'image_data.download_image_data',
    },
    '/images/{image_id}/stage': {
        'PUT': 'image_data.stage_image_data',
    },
    '/images/{image_id}/import': {
        'POST': 'image_import.import_image',
    },
    '/images/{image_id}/tags/{tag_value}': {
        'PUT': 'image_tags.add_tag',
        'DELETE': 'image_tags.delete_tag',
    },
    '/images/{image_id}/members': {
        'GET': 'image_members.list_members',
        'POST': 'image_members.create_member',
    },
    '/images/{image_id}/members/{member_id}': {
        'GET': 'image_members.show_member',
        'PUT': 'image_members.update_member',
        'DELETE': 'image_members.delete_member',
    },
    '/schemas/image': {'GET': 'schemas.image_schema'},
    '/schemas/images': {'GET': 'schemas.images_schema'},
    '/schemas/member': {'GET': 'schemas.member_schema'},
    '/schemas/members': {'GET': 'schemas.members_schema'},
    '/info/import': {'GET': 'discovery.get_import_info'},
    '/info/stores': {'GET': 'discovery.list_stores'},
    '/info/stores/detail': {'GET': 'discovery.list_stores_detail'},
    '/stores/{store_id}/{image_id}': {
        'DELETE': 'stores.delete_image_from_store',
    },
    '/images/{image_id}/tasks': {'GET': 'tasks.list_image_tasks'},
    '/tasks': {'GET': 'tasks.list_tasks', 'POST': 'tasks.create_task'},
    '/tasks/{task_id}': {'GET': 'tasks.show_task'},
    '/schemas/task': {'GET': 'tasks.task_schema_handler'},
    '/schemas/tasks': {'GET': 'tasks.tasks_schema_handler'},
    '/metadefs/namespaces': {
        'GET': 'metadef_namespaces.list_namespaces',
        'POST': 'metadef_namespaces.create_namespace',
    },
    '/metadefs/namespaces/{namespace_name}': {
        'GET': 'metadef_namespaces.show_namespace',
        'PUT': 'metadef_namespaces.update_namespace',
        'DELETE': 'metadef_namespaces.delete_namespace',
    },
    '/metadefs/namespaces/{namespace_name}/objects': {
        'GET': 'metadef_objects.list_objects',
        'POST': 'metadef_objects.create_object',
        'DELETE': 'metadef_objects.delete_objects',
    },
    '/metadefs/namespaces/{namespace_name}/objects/{object_name}': {
        'GET': 'metadef_objects.show_object',
        'PUT': 'metadef_objects.update_object',
        'DELETE': 'metadef_objects.delete_object',
    },
    '/metadefs/namespaces/{namespace_name}/properties': {
        'GET': 'metadef_properties.list_properties',
        'POST': 'metadef_properties.create_property',
        'DELETE': 'metadef_properties.delete_properties',
    },
    '/metadefs/namespaces/{namespace_name}/properties/{property_name}': {
        'GET': 'metadef_properties.show_property',
        'PUT': 'metadef_properties.update_property',
        'DELETE': 'metadef_properties.delete_property',
    },
    '/metadefs/namespaces/{namespace_name}/tags': {
        'GET': 'metadef_tags.list_tags',
        'POST': 'metadef_tags.create_tags',
        'DELETE': 'metadef_tags.delete_tags',
    },
    '/metadefs/namespaces/{namespace_name}/tags/{tag_name}': {
        'GET': 'metadef_tags.show_tag',
        'POST': 'metadef_tags.create_tag',
        'PUT': 'metadef_tags.update_tag',
        'DELETE': 'metadef_tags.delete_tag',
    },
    '/metadefs/namespaces/{namespace_name}/resource_types': {
        'GET': 'metadef_resource_types.list_associations',
        'POST': 'metadef_resource_types.create_association',
    },
    '/metadefs/namespaces/{namespace_name}/resource_types/{resource_type}': {
        'DELETE': 'metadef_resource_types.delete_association',
    },
    '/metadefs/resource_types': {
        'GET': 'metadef_resource_types.list_resource_types',
    },
    '/schemas/metadefs/{schema_name}': {
        'GET': 'metadef_schemas.show_schema',
    },
    '/cache': {'GET': 'cache.get_cache_state', 'DELETE': 'cache.clear_cache'},
    # Before /cache/{image_id}, whose 405 route would answer them.
    '/cache/clean': {'POST': 'cache.clean_cache'},
    '/cache/prune': {'POST': 'cache.prune_cache'},
    '/cache/nodes/{image_id}': {'GET': 'cache.list_cached_nodes'},
    '/cache/{image_id}': {
        'DELETE': 'cache.delete_cache_entry',
        'PUT': 'cache.queue_image',
    },
}


def resolve(name):
    """The handler function ``module.function`` of glance.api.v2."""
    module_name, function_name = name.split('.')
    module = importlib.import_module('glance.api.v2.' + module_name)
    return getattr(module, function_name)


def make_map(route_table):
    """A Routes mapper; every path also gets a 405 route naming Allow."""
    mapper = routes.Mapper()
    for path, methods in route_table.items():
        for method, name in methods.items():
            mapper.connect(
                path, handler=resolve(name), conditions={'method': [method]}
            )
        mapper.connect(path, allowed_methods=', '.join(sorted(methods)))
    return mapper


class API:
    """The v2 application: match the route, call the handler."""

    def __init__(self, mapper):
        self.mapper = mapper

    @classmethod
    def factory(cls, global_conf, **local_conf):
        return cls(make_map(ROUTES))

    @errors.Wsgify
    def __call__(self, req):
        match = self.mapper.match(environ=req.environ)
        if match is None:
            raise webob.exc.HTTPNotFound()
        if 'allowed_methods' in match:
            raise webob.exc.HTTPMethodNotAllowed(
                headers={'Allow': match['allowed_methods']}
            )
        handler = match.pop('handler')
        req.urlvars = {name: _text(value) for name, value in match.items()}
        return handler(req)


def _text(value):
    """A path variable as text: Routes matched PATH_INFO, whose characters
    are the URL's bytes (PEP 3333)."""
    if not isinstance(value, str):
        return value
    try:
        return value.encode('latin-1').decode('utf-8')
    except UnicodeError:
        raise webob.exc.HTTPBadRequest(
            explanation='The request URL is not valid UTF-8.'
        ) from None
