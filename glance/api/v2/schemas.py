"""``GET /v2/schemas/{image,images,member,members}``."""

from glance.api import errors
from glance.api.v2 import serialize
from glance.schemas import image
from glance.schemas import member


@errors.Wsgify
def image_schema(req):
    return serialize.json_response(image.for_conf(req.state.conf))


@errors.Wsgify
def images_schema(req):
    return serialize.json_response(
        image.images_schema(image=image.for_conf(req.state.conf))
    )


@errors.Wsgify
def member_schema(req):
    return serialize.json_response(member.MEMBER)


@errors.Wsgify
def members_schema(req):
    return serialize.json_response(member.MEMBERS)
