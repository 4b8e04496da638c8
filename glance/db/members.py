"""Image members: projects an image owner shares a 'shared' image with."""

import sqlalchemy as sa
from oslo_utils import timeutils

from glance import domain
from glance import exception
from glance.db import models
from glance.db import session

MEMBERS = models.ImageMember.__table__


def _to_domain(row):
    return domain.Member(
        image_id=row.image_id,
        member=row.member,
        status=row.status,
        can_share=row.can_share,
        id=row.id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _live_member(image_id, member):
    return sa.and_(
        MEMBERS.c.image_id == image_id,
        MEMBERS.c.member == member,
        models.live(MEMBERS),
    )


@session.writer
def create(context, image_id, member, status='pending', can_share=False):
    """Add ``member``; Duplicate if it is already a (live) member.

    The unique key includes deleted_at, which is NULL on live rows and
    NULLs never collide, so the check is made here.
    """
    exists = context.session.execute(
        sa.select(MEMBERS.c.id).where(_live_member(image_id, member))
    ).first()
    if exists is not None:
        raise exception.Duplicate(
            'Member %s already exists for image %s' % (member, image_id)
        )
    now = timeutils.utcnow()
    context.session.execute(
        sa.insert(MEMBERS).values(
            image_id=image_id,
            member=member,
            status=status,
            can_share=can_share,
            **models.new_row(now),
        )
    )
    return get(context, image_id, member)


@session.reader
def get(context, image_id, member):
    row = context.session.execute(
        sa.select(MEMBERS).where(_live_member(image_id, member))
    ).first()
    if row is None:
        raise exception.MemberNotFound(member=member, image_id=image_id)
    return _to_domain(row)


@session.reader
def get_all(context, image_id, status=None):
    query = sa.select(MEMBERS).where(
        MEMBERS.c.image_id == image_id, models.live(MEMBERS)
    )
    if status is not None:
        query = query.where(MEMBERS.c.status == status)
    rows = context.session.execute(query.order_by(MEMBERS.c.id))
    return [_to_domain(row) for row in rows]


@session.writer
def update(context, image_id, member, status=None, can_share=None):
    changes = {
        name: value
        for name, value in (('status', status), ('can_share', can_share))
        if value is not None
    }
    _update_live(context, image_id, member, changes)
    return get(context, image_id, member)


@session.writer
def delete(context, image_id, member):
    _update_live(
        context,
        image_id,
        member,
        {'deleted': True, 'deleted_at': timeutils.utcnow()},
    )


def _update_live(context, image_id, member, changes):
    result = context.session.execute(
        sa.update(MEMBERS)
        .where(_live_member(image_id, member))
        .values(updated_at=timeutils.utcnow(), **changes)
    )
    if result.rowcount == 0:
        raise exception.MemberNotFound(member=member, image_id=image_id)
