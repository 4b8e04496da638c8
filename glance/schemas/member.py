"""The image member schemas (``/v2/schemas/member(s)``)."""

import copy

from glance.schemas import common

STATUSES = ['pending', 'accepted', 'rejected']

MEMBER = {
    'name': 'member',
    'properties': {
        'created_at': {
            'type': 'string',
            'description': 'Date and time of image member creation',
        },
        'image_id': {
            'type': 'string',
            'description': 'An identifier for the image',
            'pattern': common.UUID_PATTERN,
        },
        'member_id': {
            'type': 'string',
            'description': 'An identifier for the image member (tenantId)',
        },
        'schema': {'type': 'string', 'readOnly': True},
        'status': {
            'type': 'string',
            'description': 'The status of this image member',
            'enum': STATUSES,
        },
        'updated_at': {
            'type': 'string',
            'description': 'Date and time of last modification of image '
            'member',
        },
    },
}

MEMBERS = {
    'name': 'members',
    'properties': {
        'members': {'type': 'array', 'items': copy.deepcopy(MEMBER)},
        'schema': {'type': 'string'},
    },
    'links': [{'rel': 'describedby', 'href': '{schema}'}],
}

# Request bodies.
CREATE = {
    'name': 'member',
    'type': 'object',
    # image_members.member is String(255).
    'properties': {
        'member': {'type': 'string', 'minLength': 1, 'maxLength': 255}
    },
    'required': ['member'],
}
UPDATE = {
    'name': 'member',
    'type': 'object',
    'properties': {'status': {'type': 'string', 'enum': STATUSES}},
    'required': ['status'],
}
