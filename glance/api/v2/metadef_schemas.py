"""``GET /v2/schemas/metadefs/{name}``: the ten metadef schemas."""

import webob.exc

from glance.api import errors
from glance.api.v2 import serialize
from glance.schemas import metadefs as schemas


@errors.Wsgify
def show_schema(req):
    schema = schemas.SERVED.get(req.urlvars['schema_name'])
    if schema is None:
        raise webob.exc.HTTPNotFound()
    return serialize.json_response(schema)
