"""Member handlers: share a 'shared' image with other projects.

The owner adds and removes members; a member accepts or rejects. A member
sees only its own membership, the owner sees all.
"""

import webob
import webob.exc

from glance import exception
from glance import notifications
from glance.api import errors
from glance.api import request
from glance.api.v2 import common
from glance.api.v2 import serialize
from glance.db import members as db_members
from glance.policies import images as policies
from glance.schemas import member as member_schema


def _shared_image(req):
    image = common.get_visible_image(req)
    if image.visibility != 'shared':
        raise exception.Forbidden('Only shared images have members.')
    return image


def _authorize(req, rule, image, member_id=None):
    target = policies.target(image)
    target['member_id'] = member_id or req.context.project_id
    req.state.authorize(req.context, rule, target)


def _notify(req, event_type, member, deleted=False):
    notifications.member_event(
        req.state.notifier, req.context, event_type, member, deleted
    )


def _sees_all(req, image):
    return req.context.is_admin or req.context.owner == image.owner


def _visible_member(req, image, member_id):
    if not _sees_all(req, image) and member_id != req.context.project_id:
        raise exception.MemberNotFound(member=member_id, image_id=image.id)
    return db_members.get(req.context, image.id, member_id)


@errors.Wsgify
def create_member(req):
    image = _shared_image(req)
    _authorize(req, policies.ADD_MEMBER, image)
    member_id = request.extract_json(req, member_schema.CREATE)['member']
    request.check_4byte({'member': member_id})
    quota = req.state.conf.image_member_quota
    if 0 <= quota <= len(db_members.get_all(req.context, image.id)):
        raise webob.exc.HTTPRequestEntityTooLarge(
            explanation='Maximum number of image members (%d) reached.' % quota
        )
    try:
        member = db_members.create(req.context, image.id, member_id)
    except exception.Duplicate:
        raise exception.Conflict(
            'The given member %s is already associated with image %s'
            % (member_id, image.id)
        ) from None
    _notify(req, 'image.member.create', member)
    return serialize.json_response(serialize.member(member))


@errors.Wsgify
def list_members(req):
    image = _shared_image(req)
    _authorize(req, policies.GET_MEMBERS, image)
    members = db_members.get_all(req.context, image.id)
    if not _sees_all(req, image):
        members = [m for m in members if m.member == req.context.project_id]
    return serialize.json_response(
        {
            'members': [serialize.member(m) for m in members],
            'schema': '/v2/schemas/members',
        }
    )


@errors.Wsgify
def show_member(req):
    image = _shared_image(req)
    member_id = req.urlvars['member_id']
    _authorize(req, policies.GET_MEMBER, image)
    member = _visible_member(req, image, member_id)
    return serialize.json_response(serialize.member(member))


@errors.Wsgify
def update_member(req):
    image = _shared_image(req)
    member_id = req.urlvars['member_id']
    _authorize(req, policies.MODIFY_MEMBER, image, member_id)
    status = request.extract_json(req, member_schema.UPDATE)['status']
    _visible_member(req, image, member_id)
    member = db_members.update(req.context, image.id, member_id, status)
    _notify(req, 'image.member.update', member)
    return serialize.json_response(serialize.member(member))


@errors.Wsgify
def delete_member(req):
    image = _shared_image(req)
    member_id = req.urlvars['member_id']
    _authorize(req, policies.DELETE_MEMBER, image)
    member = db_members.get(req.context, image.id, member_id)
    db_members.delete(req.context, image.id, member_id)
    _notify(req, 'image.member.delete', member, deleted=True)
    return webob.Response(status=204)
