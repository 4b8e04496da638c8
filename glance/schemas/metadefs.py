"""Metadata definition schemas (``/v2/schemas/metadefs/...``).

Served to clients, which build their models from them (python-glanceclient
validates every response against them: no field may appear in a response
that its schema lacks), and used to validate request bodies.
"""

import copy

from glance.schemas import common

TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string', None]
MAX_NAME_LENGTH = 80


def _timestamp(what):
    return {
        'type': 'string',
        'readOnly': True,
        'description': what,
        'format': 'date-time',
    }


def _read_only_string():
    return {'type': 'string', 'readOnly': True}


def _definitions(property_definitions=True, min_one_required=False):
    """The ``definitions`` section the metadef schemas share."""
    string_array = {
        'type': 'array',
        'items': {'type': 'string'},
        'uniqueItems': True,
    }
    if min_one_required:
        string_array['minItems'] = 1
    definitions = {
        'positiveInteger': {'type': 'integer', 'minimum': 0},
        'positiveIntegerDefault0': {
            'allOf': [
                {'$ref': '#/definitions/positiveInteger'},
                {'default': 0},
            ]
        },
        'stringArray': string_array,
    }
    if property_definitions:
        definitions['property'] = {
            'type': 'object',
            'additionalProperties': {
                'type': 'object',
                'required': ['title', 'type'],
                'properties': property_fields(),
            },
        }
    return definitions


def property_fields():
    """What a property definition may say (JSON-schema keywords)."""
    return {
        'name': {'type': 'string', 'maxLength': 255},
        'title': {'type': 'string'},
        'description': {'type': 'string'},
        'operators': {'type': 'array', 'items': {'type': 'string'}},
        'type': {'type': 'string', 'enum': TYPES},
        'required': {'$ref': '#/definitions/stringArray'},
        'minimum': {'type': 'number'},
        'maximum': {'type': 'number'},
        'maxLength': {'$ref': '#/definitions/positiveInteger'},
        'minLength': {'$ref': '#/definitions/positiveIntegerDefault0'},
        'pattern': {'type': 'string', 'format': 'regex'},
        'enum': {'type': 'array'},
        'readonly': {'type': 'boolean'},
        'default': {},
        'items': {
            'type': 'object',
            'properties': {
                'type': {'type': 'string', 'enum': TYPES},
                'enum': {'type': 'array'},
            },
        },
        'maxItems': {'$ref': '#/definitions/positiveInteger'},
        'minItems': {'$ref': '#/definitions/positiveIntegerDefault0'},
        'uniqueItems': {'type': 'boolean', 'default': False},
        'additionalItems': {'type': 'boolean'},
    }


def _collection(name, items_key, item_schema, items_type='array'):
    """A list document: ``first``/``next``/``schema`` links plus items."""
    item = copy.deepcopy(item_schema)
    definitions = item.pop('definitions', None)
    if items_type == 'array':
        items = {'type': 'array', 'items': item}
    else:
        items = {'type': 'object', 'additionalProperties': item}
    schema = {
        'name': name,
        'properties': {
            items_key: items,
            'first': {'type': 'string'},
            'next': {'type': 'string'},
            'schema': {'type': 'string'},
        },
        'links': copy.deepcopy(common.LIST_LINKS),
    }
    if definitions:
        schema['definitions'] = definitions
    return schema


RESOURCE_TYPE_ASSOCIATION = {
    'name': 'resource_type_association',
    'type': 'object',
    'additionalProperties': False,
    'required': ['name'],
    'properties': {
        'name': {
            'type': 'string',
            'maxLength': MAX_NAME_LENGTH,
            'description': 'The resource type, named as Heat names '
            'resource types where it can (e.g. OS::Glance::Image).',
        },
        'prefix': {
            'type': 'string',
            'maxLength': MAX_NAME_LENGTH,
            'description': 'Prefix of the namespace properties when they '
            'are applied to this resource type, separator included '
            '(e.g. "hw_" or "hw:").',
        },
        'properties_target': {
            'type': 'string',
            'maxLength': MAX_NAME_LENGTH,
            'description': "Which of the resource type's key/value sets "
            'the properties go to, where it has several (e.g. "image" '
            "for a volume's image metadata).",
        },
        'created_at': _timestamp('Date and time of the association'),
        'updated_at': _timestamp('Date and time of the last change'),
    },
}
RESOURCE_TYPE_ASSOCIATIONS = _collection(
    'resource_type_associations',
    'resource_type_associations',
    RESOURCE_TYPE_ASSOCIATION,
)

TAG = {
    'name': 'tag',
    'type': 'object',
    'additionalProperties': False,
    'required': ['name'],
    'properties': {
        'name': {'type': 'string', 'maxLength': 255},
        'created_at': _timestamp('Date and time of tag creation'),
        'updated_at': _timestamp('Date and time of the last tag change'),
    },
}
TAGS = _collection('tags', 'tags', TAG)

PROPERTY = {
    'name': 'property',
    'type': 'object',
    'additionalProperties': False,
    'required': ['type', 'title', 'name'],
    'definitions': _definitions(
        property_definitions=False, min_one_required=True
    ),
    'properties': property_fields(),
}
_LISTED_PROPERTY = copy.deepcopy(PROPERTY)
_LISTED_PROPERTY['required'] = ['type', 'title']
PROPERTIES = _collection(
    'properties', 'properties', _LISTED_PROPERTY, items_type='object'
)

OBJECT = {
    'name': 'object',
    'type': 'object',
    'additionalProperties': False,
    'required': ['name'],
    'definitions': _definitions(),
    'properties': {
        'name': {'type': 'string', 'maxLength': 255},
        'description': {'type': 'string'},
        'required': {'$ref': '#/definitions/stringArray'},
        'properties': {'$ref': '#/definitions/property'},
        'schema': _read_only_string(),
        'self': _read_only_string(),
        'created_at': _timestamp('Date and time of object creation'),
        'updated_at': _timestamp('Date and time of the last object change'),
    },
}
OBJECTS = _collection('objects', 'objects', OBJECT)


def _contents_item(fields):
    return {
        'type': 'array',
        'items': {'type': 'object', 'properties': fields},
    }


NAMESPACE = {
    'name': 'namespace',
    'type': 'object',
    'additionalProperties': False,
    'required': ['namespace'],
    'definitions': _definitions(),
    'properties': {
        'namespace': {
            'type': 'string',
            'maxLength': MAX_NAME_LENGTH,
            'description': 'The namespace name, unique across all owners.',
        },
        'display_name': {
            'type': 'string',
            'maxLength': MAX_NAME_LENGTH,
            'description': 'A name for people (user interfaces).',
        },
        'description': {
            'type': 'string',
            'maxLength': 500,
            'description': 'What the namespace defines, for people.',
        },
        'visibility': {
            'type': 'string',
            'enum': ['public', 'private'],
            'description': 'Who may see the namespace: everyone, or its '
            'owner (and admins).',
        },
        'protected': {
            'type': 'boolean',
            'description': 'If true, neither the namespace nor anything in '
            'it can be deleted.',
        },
        'owner': {
            'type': 'string',
            'maxLength': 255,
            'description': 'The project owning the namespace.',
        },
        'created_at': _timestamp('Date and time of namespace creation'),
        'updated_at': _timestamp('Date and time of the last namespace change'),
        'schema': _read_only_string(),
        'self': _read_only_string(),
        'resource_type_associations': _contents_item(
            {
                'name': {'type': 'string'},
                'prefix': {'type': 'string'},
                'properties_target': {'type': 'string'},
            }
        ),
        'properties': {'$ref': '#/definitions/property'},
        'objects': _contents_item(
            {
                'name': {'type': 'string'},
                'description': {'type': 'string'},
                'required': {'$ref': '#/definitions/stringArray'},
                'properties': {'$ref': '#/definitions/property'},
            }
        ),
        'tags': _contents_item({'name': {'type': 'string'}}),
    },
}
NAMESPACES = _collection('namespaces', 'namespaces', NAMESPACE)

# Served at /v2/schemas/metadefs/<key>.
SERVED = {
    'namespace': NAMESPACE,
    'namespaces': NAMESPACES,
    'object': OBJECT,
    'objects': OBJECTS,
    'property': PROPERTY,
    'properties': PROPERTIES,
    'tag': TAG,
    'tags': TAGS,
    'resource_type': RESOURCE_TYPE_ASSOCIATION,
    'resource_types': RESOURCE_TYPE_ASSOCIATIONS,
}

# Request bodies.
TAGS_CREATE = {
    'name': 'tags',
    'type': 'object',
    'required': ['tags'],
    'properties': {
        'tags': {
            'type': 'array',
            'items': {
                'type': 'object',
                'required': ['name'],
                'properties': {
                    'name': {
                        'type': 'string',
                        'minLength': 1,
                        'maxLength': MAX_NAME_LENGTH,
                    }
                },
            },
        }
    },
}
