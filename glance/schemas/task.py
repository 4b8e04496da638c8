"""The task schemas (``/v2/schemas/task(s)``) and the create body."""

import copy

from glance.schemas import common

TYPES = ['import', 'api_image_import', 'location_import']
STATUSES = ['pending', 'processing', 'success', 'failure']


def _described(kind, description):
    return {'type': kind, 'description': description}


TASK = {
    'name': 'task',
    'properties': {
        'id': dict(
            _described('string', 'An identifier for the task'),
            pattern=common.UUID_PATTERN,
        ),
        'type': dict(
            _described(
                'string', 'The type of task represented by this content'
            ),
            enum=TYPES,
        ),
        'status': dict(
            _described('string', 'The current status of this task'),
            enum=STATUSES,
        ),
        'input': _described(
            ['null', 'object'], 'The parameters of the task, JSON'
        ),
        'result': _described(
            ['null', 'object'], 'The result of the task, JSON'
        ),
        'owner': _described('string', 'The project owning the task'),
        'message': _described(
            'string', 'What happened, for people (usually on failure)'
        ),
        'image_id': _described(
            ['null', 'string'], 'The image the task works on'
        ),
        'request_id': _described(
            ['null', 'string'], 'The request that created the task'
        ),
        'user_id': _described(
            ['null', 'string'], 'The user who created the task'
        ),
        'expires_at': _described(
            ['null', 'string'], 'When the task stops being shown'
        ),
        'created_at': _described('string', 'When the task was created'),
        'updated_at': _described('string', 'When the task last changed'),
        'self': {'type': 'string', 'readOnly': True},
        'schema': {'type': 'string', 'readOnly': True},
    },
}

_LISTED = copy.deepcopy(TASK)
for _name in ('input', 'result', 'message'):
    del _LISTED['properties'][_name]

TASKS = {
    'name': 'tasks',
    'properties': {
        'tasks': {'type': 'array', 'items': _LISTED},
        'schema': {'type': 'string'},
        'first': {'type': 'string'},
        'next': {'type': 'string'},
    },
    'links': copy.deepcopy(common.LIST_LINKS),
}

CREATE = {
    'name': 'task',
    'type': 'object',
    'required': ['type', 'input'],
    'additionalProperties': False,
    'properties': {
        'type': {'type': 'string', 'enum': ['import']},
        'input': {
            'type': 'object',
            'required': ['import_from', 'import_from_format'],
            'properties': {
                'import_from': {'type': 'string', 'minLength': 1},
                'import_from_format': {'type': 'string', 'minLength': 1},
                'image_properties': {'type': 'object'},
            },
        },
    },
}
