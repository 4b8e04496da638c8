"""DELETE /v2/stores/{store_id}/{image_id}: drop one store's copy."""

import webob
import webob.exc

from glance import image_data
from glance.api import errors
from glance.api.v2 import common
from glance.policies import images as image_policies


@errors.Wsgify
def delete_image_from_store(req):
    stores = common.multi_stores(req)
    store_id = req.urlvars['store_id']
    if stores.get(store_id) is None:
        raise webob.exc.HTTPConflict(
            explanation='Unknown store %s.' % store_id
        )
    image = common.authorized_image(req, image_policies.GET_IMAGE_LOCATION)
    common.authorize(req, image_policies.DELETE_IMAGE_LOCATION, image)
    image_data.delete_from_store(
        common.image_repo(req), stores, image, store_id
    )
    return webob.Response(status=204)
