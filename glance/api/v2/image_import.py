"""POST /v2/images/{image_id}/import: 202, then the import runs."""

import webob

from glance import import_flow
from glance.api import errors
from glance.api import request
from glance.api.v2 import common
from glance.policies import images as image_policies
from glance.schemas import image_import as import_schema


@errors.Wsgify
def import_image(req):
    body = request.extract_json(req, import_schema.IMPORT_SCHEMA)
    image = common.authorized_image(req, _rule(body))
    wanted = import_flow.prepare(
        image,
        body,
        req.headers.get(common.STORE_HEADER),
        req.state.conf,
        req.state.stores,
    )
    # The caller's rights were checked: the import works elevated.
    importer = req.state.importer(req.context.elevated())
    import_flow.start(importer, req.context, image, wanted)
    return webob.Response(status=202)


def _rule(body):
    # Copying someone's image to more stores is an operator's decision.
    if body['method']['name'] == 'copy-image':
        return image_policies.COPY_IMAGE
    return image_policies.MODIFY_IMAGE
