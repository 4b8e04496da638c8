"""Tasks (image import and the like) with their task_info row."""

import datetime
import uuid

import sqlalchemy as sa
from oslo_utils import timeutils

from glance import domain
from glance import exception
from glance.db import models
from glance.db import paging
from glance.db import session

TASKS = models.Task.__table__
INFO = models.TaskInfo.__table__

TASK_COLUMNS = (
    'type',
    'status',
    'owner',
    'expires_at',
    'image_id',
    'request_id',
    'user_id',
)
INFO_COLUMNS = ('input', 'result', 'message')
SORT_KEYS = frozenset(['id', 'type', 'status', 'created_at', 'updated_at'])
FILTERS = frozenset(['type', 'status', 'owner', 'image_id'])


@session.writer
def create(context, values):
    _reject_unknown(values, allowed={'id'})
    now = timeutils.utcnow()
    task_id = values.get('id') or str(uuid.uuid4())
    context.session.execute(
        sa.insert(TASKS).values(
            id=task_id,
            **models.new_row(now),
            **{name: values[name] for name in TASK_COLUMNS if name in values},
        )
    )
    context.session.execute(
        sa.insert(INFO).values(
            task_id=task_id,
            **{name: values.get(name) for name in INFO_COLUMNS},
        )
    )
    return get(context, task_id)


def _reject_unknown(values, allowed=()):
    unknown = (
        set(values) - set(TASK_COLUMNS) - set(INFO_COLUMNS) - set(allowed)
    )
    if unknown:
        raise exception.Invalid(
            'Unknown task attribute(s): %s' % ', '.join(sorted(unknown))
        )


def _query(context, ttl=None, internal=False):
    """Tasks joined with their info; non-admins see their own only.

    With ``ttl`` (a timedelta), expired tasks are left out
    (``domain.Task.expiry``). The leases of uploads and stages
    (``domain.WRITE_TASK``) are only seen with ``internal``: they are no
    tasks of the API.
    """
    query = (
        sa.select(TASKS, *[INFO.c[name] for name in INFO_COLUMNS])
        .outerjoin(INFO, INFO.c.task_id == TASKS.c.id)
        .where(models.live(TASKS))
    )
    if internal:
        return query
    query = query.where(TASKS.c.type != domain.WRITE_TASK)
    if not context.is_admin:
        query = query.where(TASKS.c.owner == context.owner)
    if ttl is not None:
        now = timeutils.utcnow()
        expired = sa.or_(
            sa.and_(
                TASKS.c.expires_at.is_not(None), TASKS.c.expires_at <= now
            ),
            sa.and_(
                TASKS.c.expires_at.is_(None),
                TASKS.c.status.in_(domain.TASK_FINISHED),
                TASKS.c.updated_at <= now - ttl,
            ),
        )
        query = query.where(sa.not_(expired))
    return query


def _to_domain(row):
    values = row._mapping
    return domain.Task(
        id=row.id,
        message=row.message or '',
        created_at=row.created_at,
        updated_at=row.updated_at,
        input=row.input,
        result=row.result,
        **{name: values[name] for name in TASK_COLUMNS},
    )


@session.reader
def get(context, task_id, ttl=None, internal=False):
    row = context.session.execute(
        _query(context, ttl, internal).where(TASKS.c.id == task_id)
    ).first()
    if row is None:
        raise exception.TaskNotFound(task_id=task_id)
    return _to_domain(row)


@session.reader
def get_all(
    context,
    filters=None,
    marker=None,
    limit=None,
    sort_key='created_at',
    sort_dir='desc',
    ttl=None,
):
    query = _query(context, ttl)
    for key, value in (filters or {}).items():
        if key not in FILTERS:
            raise exception.InvalidFilter(
                reason='unknown task filter %s' % key
            )
        query = query.where(TASKS.c[key] == value)
    order = paging.sort_order(
        TASKS, sort_key, sort_dir, SORT_KEYS, 'created_at'
    )
    if marker is not None:
        marker_query = _query(context, ttl).where(TASKS.c.id == marker)
        query = query.where(
            paging.after(context.session, marker, marker_query, order)
        )
    rows = context.session.execute(
        query.order_by(*paging.order_by(order)).limit(limit)
    )
    return [_to_domain(row) for row in rows]


@session.writer
def update(context, task_id, values):
    _reject_unknown(values)
    get(context, task_id)
    task_values = {k: v for k, v in values.items() if k in TASK_COLUMNS}
    info_values = {k: v for k, v in values.items() if k in INFO_COLUMNS}
    context.session.execute(
        sa.update(TASKS)
        .where(TASKS.c.id == task_id)
        .values(updated_at=timeutils.utcnow(), **task_values)
    )
    if info_values:
        context.session.execute(
            sa.update(INFO)
            .where(INFO.c.task_id == task_id)
            .values(**info_values)
        )
    return get(context, task_id)


@session.writer
def touch(context, *task_ids):
    """Renew running tasks' leases: their ``updated_at`` becomes now."""
    context.session.execute(
        sa.update(TASKS)
        .where(TASKS.c.id.in_(task_ids))
        .values(updated_at=timeutils.utcnow())
    )


@session.writer
def create_lease(context, task_type, image_id, task_input):
    """A running internal task of ``task_type`` for ``image_id`` (the
    lease of an upload or stage); its id."""
    task_id = str(uuid.uuid4())
    context.session.execute(
        sa.insert(TASKS).values(
            id=task_id,
            type=task_type,
            status='processing',
            owner=context.owner or '',
            image_id=image_id,
            request_id=getattr(context, 'request_id', None),
            user_id=getattr(context, 'user_id', None),
            **models.new_row(timeutils.utcnow()),
        )
    )
    context.session.execute(
        sa.insert(INFO).values(task_id=task_id, input=task_input)
    )
    return task_id


@session.writer
def destroy(context, task_id):
    """Remove a task and its info for good; whether it was there."""
    context.session.execute(sa.delete(INFO).where(INFO.c.task_id == task_id))
    result = context.session.execute(
        sa.delete(TASKS).where(TASKS.c.id == task_id)
    )
    return result.rowcount == 1


@session.retry_on_deadlock
@session.writer
def claim_stale(context, task_type, lease_seconds, image_id=None):
    """Take over the tasks of ``task_type`` (of ``image_id``, when given)
    still pending or processing whose ``updated_at`` is older than
    ``lease_seconds``: each is renewed with a compare-and-set on the
    ``updated_at`` read, so of several callers exactly one claims it.
    Returns the claimed tasks."""
    now = timeutils.utcnow()
    cutoff = now - datetime.timedelta(seconds=lease_seconds)
    query = sa.select(TASKS.c.id, TASKS.c.updated_at).where(
        TASKS.c.type == task_type,
        TASKS.c.status.in_(('pending', 'processing')),
        TASKS.c.updated_at < cutoff,
        models.live(TASKS),
    )
    if image_id is not None:
        query = query.where(TASKS.c.image_id == image_id)
    stale = context.session.execute(query).all()
    claimed = []
    for task_id, updated_at in stale:
        result = context.session.execute(
            sa.update(TASKS)
            .where(TASKS.c.id == task_id, TASKS.c.updated_at == updated_at)
            .values(updated_at=now)
        )
        if result.rowcount == 1:
            claimed.append(get(context, task_id, internal=True))
    return claimed
