"""Tag handlers: ``PUT`` / ``DELETE /v2/images/{image_id}/tags/{tag}``."""

import copy

import webob
import webob.exc

from glance import exception
from glance.api import errors
from glance.api import request
from glance.api.v2 import common
from glance.policies import images as policies

MAX_TAG_LENGTH = 255


def _retag(req, change):
    """Apply ``change(tags)`` to the image's tags and save; 204."""
    original = common.get_visible_image(req)
    common.authorize(req, policies.MODIFY_IMAGE, original)
    image = copy.deepcopy(original)
    change(image.tags)
    if image.tags != original.tags:
        common.image_repo(req).save(image, original)
    return webob.Response(status=204)


@errors.Wsgify
def add_tag(req):
    tag = req.urlvars['tag_value']
    if len(tag) > MAX_TAG_LENGTH:
        raise webob.exc.HTTPBadRequest(
            explanation='Tag is longer than %d characters.' % MAX_TAG_LENGTH
        )
    request.check_4byte(tag)
    quota = req.state.conf.image_tag_quota

    def add(tags):
        if tag not in tags:
            if 0 <= quota <= len(tags):
                raise webob.exc.HTTPRequestEntityTooLarge(
                    explanation='Maximum number of tags (%d) reached.' % quota
                )
            tags.append(tag)

    return _retag(req, add)


@errors.Wsgify
def delete_tag(req):
    tag = req.urlvars['tag_value']

    def remove(tags):
        if tag not in tags:
            raise exception.NotFound('Tag %s not found.' % tag)
        tags.remove(tag)

    return _retag(req, remove)
