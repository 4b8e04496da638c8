"""DELETE /v2/stores/{store_id}/{image_id}: drop one store's copy."""

import webob
import webob.exc

from glance import image_data
from glance.api import errors
from glance.api.v2 import discovery
from glance.api.v2 import image_data as data_handlers
from glance.api.v2 import images
from glance.policies import images as image_policies


@errors.Wsgify
def delete_image_from_store(req):
    configured = discovery.multi_stores(req)
    store_id = req.urlvars['store_id']
    if configured.get(store_id) is None:
        raise webob.exc.HTTPConflict(
            explanation='Unknown store %s.' % store_id
        )
    image = data_handlers.authorized_image(
        req, image_policies.GET_IMAGE_LOCATION
    )
    images.authorize(req, image_policies.DELETE_IMAGE_LOCATION, image)
    with data_handlers.data_errors():
        image_data.delete_from_store(req.context, image, store_id, configured)
    return webob.Response(status=204)
