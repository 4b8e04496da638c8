"""Rule names and defaults of the metadata definitions API (upstream's).

Reads are open to readers of the owning project and, for public
namespaces, to every reader; changes need ``metadef_admin``. A target is
the namespace: its owner is ``project_id``.
"""

from oslo_policy import policy

from glance.policies import base

METADEF_ADMIN = 'metadef_admin'
METADEF_DEFAULT = 'metadef_default'

GET_NAMESPACE = 'get_metadef_namespace'
GET_NAMESPACES = 'get_metadef_namespaces'
MODIFY_NAMESPACE = 'modify_metadef_namespace'
ADD_NAMESPACE = 'add_metadef_namespace'
DELETE_NAMESPACE = 'delete_metadef_namespace'
GET_OBJECT = 'get_metadef_object'
GET_OBJECTS = 'get_metadef_objects'
MODIFY_OBJECT = 'modify_metadef_object'
ADD_OBJECT = 'add_metadef_object'
DELETE_OBJECT = 'delete_metadef_object'
LIST_RESOURCE_TYPES = 'list_metadef_resource_types'
GET_RESOURCE_TYPE = 'get_metadef_resource_type'
ADD_ASSOCIATION = 'add_metadef_resource_type_association'
REMOVE_ASSOCIATION = 'remove_metadef_resource_type_association'
GET_PROPERTY = 'get_metadef_property'
GET_PROPERTIES = 'get_metadef_properties'
MODIFY_PROPERTY = 'modify_metadef_property'
ADD_PROPERTY = 'add_metadef_property'
REMOVE_PROPERTY = 'remove_metadef_property'
GET_TAG = 'get_metadef_tag'
GET_TAGS = 'get_metadef_tags'
MODIFY_TAG = 'modify_metadef_tag'
ADD_TAG = 'add_metadef_tag'
ADD_TAGS = 'add_metadef_tags'
DELETE_TAG = 'delete_metadef_tag'
DELETE_TAGS = 'delete_metadef_tags'

ADMIN = 'rule:%s' % METADEF_ADMIN
READER_OF_NAMESPACE = (
    '%s or (role:reader and (project_id:%%(project_id)s or '
    "'public':%%(visibility)s))" % base.ADMIN
)


def target(namespace):
    """What the rules read of a namespace (a row dict)."""
    return {
        'project_id': namespace['owner'],
        'visibility': namespace['visibility'],
        'namespace': namespace['namespace'],
    }


_NAMESPACES = '/v2/metadefs/namespaces'
_NAMESPACE = _NAMESPACES + '/{namespace_name}'
_OBJECTS = _NAMESPACE + '/objects'
_OBJECT = _OBJECTS + '/{object_name}'
_PROPERTIES = _NAMESPACE + '/properties'
_PROPERTY = _PROPERTIES + '/{property_name}'
_TAGS = _NAMESPACE + '/tags'
_TAG = _TAGS + '/{tag_name}'
_ASSOCIATIONS = _NAMESPACE + '/resource_types'


_rule = base.documented_rule


RULES = [
    policy.RuleDefault(
        name=METADEF_DEFAULT,
        check_str='',
        description='Kept for policy files that name it.',
    ),
    policy.RuleDefault(
        name=METADEF_ADMIN,
        check_str=base.ADMIN,
        description='Who may change metadata definitions.',
    ),
    _rule(
        GET_NAMESPACE,
        READER_OF_NAMESPACE,
        'Show a namespace.',
        ('GET', _NAMESPACE),
    ),
    _rule(
        GET_NAMESPACES,
        base.ADMIN_OR_PROJECT_READER,
        'List namespaces.',
        ('GET', _NAMESPACES),
    ),
    _rule(
        MODIFY_NAMESPACE,
        ADMIN,
        'Change a namespace.',
        ('PUT', _NAMESPACE),
    ),
    _rule(
        ADD_NAMESPACE,
        ADMIN,
        'Create a namespace.',
        ('POST', _NAMESPACES),
    ),
    _rule(
        DELETE_NAMESPACE,
        ADMIN,
        'Delete a namespace.',
        ('DELETE', _NAMESPACE),
    ),
    _rule(
        GET_OBJECT,
        READER_OF_NAMESPACE,
        'Show an object.',
        ('GET', _OBJECT),
    ),
    _rule(
        GET_OBJECTS,
        READER_OF_NAMESPACE,
        'List the objects of a namespace.',
        ('GET', _OBJECTS),
    ),
    _rule(MODIFY_OBJECT, ADMIN, 'Change an object.', ('PUT', _OBJECT)),
    _rule(ADD_OBJECT, ADMIN, 'Create an object.', ('POST', _OBJECTS)),
    _rule(
        DELETE_OBJECT,
        ADMIN,
        "Delete an object, or all of a namespace's.",
        ('DELETE', _OBJECT),
        ('DELETE', _OBJECTS),
    ),
    _rule(
        LIST_RESOURCE_TYPES,
        base.ADMIN_OR_PROJECT_READER,
        'List resource types.',
        ('GET', '/v2/metadefs/resource_types'),
    ),
    _rule(
        GET_RESOURCE_TYPE,
        READER_OF_NAMESPACE,
        'List the resource type associations of a namespace.',
        ('GET', _ASSOCIATIONS),
    ),
    _rule(
        ADD_ASSOCIATION,
        ADMIN,
        'Associate a resource type with a namespace.',
        ('POST', _ASSOCIATIONS),
    ),
    _rule(
        REMOVE_ASSOCIATION,
        ADMIN,
        'Remove a resource type association.',
        ('DELETE', _ASSOCIATIONS + '/{name}'),
    ),
    _rule(
        GET_PROPERTY,
        READER_OF_NAMESPACE,
        'Show a property.',
        ('GET', _PROPERTY),
    ),
    _rule(
        GET_PROPERTIES,
        READER_OF_NAMESPACE,
        'List the properties of a namespace.',
        ('GET', _PROPERTIES),
    ),
    _rule(MODIFY_PROPERTY, ADMIN, 'Change a property.', ('PUT', _PROPERTY)),
    _rule(ADD_PROPERTY, ADMIN, 'Create a property.', ('POST', _PROPERTIES)),
    _rule(
        REMOVE_PROPERTY,
        ADMIN,
        "Delete a property, or all of a namespace's.",
        ('DELETE', _PROPERTY),
        ('DELETE', _PROPERTIES),
    ),
    _rule(GET_TAG, READER_OF_NAMESPACE, 'Show a tag.', ('GET', _TAG)),
    _rule(
        GET_TAGS,
        READER_OF_NAMESPACE,
        'List the tags of a namespace.',
        ('GET', _TAGS),
    ),
    _rule(MODIFY_TAG, ADMIN, 'Rename a tag.', ('PUT', _TAG)),
    _rule(ADD_TAG, ADMIN, 'Create a tag.', ('POST', _TAG)),
    _rule(ADD_TAGS, ADMIN, 'Create several tags.', ('POST', _TAGS)),
    _rule(DELETE_TAG, ADMIN, 'Delete a tag.', ('DELETE', _TAG)),
    _rule(
        DELETE_TAGS,
        ADMIN,
        'Delete all tags of a namespace.',
        ('DELETE', _TAGS),
    ),
]
