"""POST /v2/images/{image_id}/import: 202, then the import runs."""

import webob

from glance import import_flow
from glance.api import errors
from glance.api import request
from glance.api.v2 import image_data as data_handlers
from glance.policies import images as image_policies

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


@errors.Wsgify
def import_image(req):
    body = request.extract_json(req, IMPORT_SCHEMA)
    image = data_handlers.authorized_image(req, _rule(body))
    configured = req.state.stores
    wanted = import_flow.prepare(
        image,
        body,
        req.headers.get(data_handlers.STORE_HEADER),
        req.state.conf,
        configured,
    )
    import_flow.start(req.context, image, wanted, req.state.conf, configured)
    return webob.Response(status=202)


def _rule(body):
    # Copying someone's image to more stores is an operator's decision.
    if body['method']['name'] == 'copy-image':
        return image_policies.COPY_IMAGE
    return image_policies.MODIFY_IMAGE
