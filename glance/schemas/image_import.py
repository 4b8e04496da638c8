"""The body of ``POST /v2/images/{image_id}/import``."""

IMPORT_SCHEMA = {
    'name': 'import',
    'type': 'object',
    'properties': {
        'method': {
            'type': 'object',
            'properties': {
                'name': {'type': 'string'},
                'uri': {'type': 'string'},
            },
            'required': ['name'],
        },
        'stores': {'type': 'array', 'items': {'type': 'string'}},
        'all_stores': {'type': 'boolean'},
        'all_stores_must_succeed': {'type': 'boolean'},
    },
    'required': ['method'],
}
