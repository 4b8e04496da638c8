"""Metadata definition namespaces, resource types and their associations.

Rows are returned as dicts of column values. A namespace is visible to
admins, to its owner, and to everyone when public; one that is not visible
is reported as not found. Objects, properties and tags live in
``glance.db.metadef_items``.
"""

import sqlalchemy as sa
from oslo_db import exception as db_exception
from oslo_utils import timeutils

from glance import exception
from glance.db import models
from glance.db import paging
from glance.db import session

NAMESPACES = models.MetadefNamespace.__table__
RESOURCE_TYPES = models.MetadefResourceType.__table__
ASSOCIATIONS = models.MetadefNamespaceResourceType.__table__

NAMESPACE_COLUMNS = (
    'namespace',
    'display_name',
    'description',
    'visibility',
    'protected',
    'owner',
)
SORT_KEYS = frozenset(NAMESPACE_COLUMNS + ('id', 'created_at', 'updated_at'))
ASSOCIATION_COLUMNS = ('prefix', 'properties_target')


def timestamps(now=None):
    now = now or timeutils.utcnow()
    return {'created_at': now, 'updated_at': now}


def _visible(context, query):
    if context.is_admin:
        return query
    conditions = [NAMESPACES.c.visibility == 'public']
    if context.owner:
        conditions.append(NAMESPACES.c.owner == context.owner)
    return query.where(sa.or_(*conditions))


def _by_name(context, name):
    return _visible(
        context, sa.select(NAMESPACES).where(NAMESPACES.c.namespace == name)
    )


@session.reader
def get(context, name):
    return _fetch(context, _by_name(context, name), name)


def _fetch(context, query, name):
    row = context.session.execute(query).first()
    if row is None:
        raise exception.MetadefNamespaceNotFound(namespace=name)
    return dict(row._mapping)


def _written(context, name):
    # What a writer just wrote, whatever the caller may otherwise see.
    return _fetch(
        context,
        sa.select(NAMESPACES).where(NAMESPACES.c.namespace == name),
        name,
    )


@session.reader
def get_all(
    context,
    filters=None,
    marker=None,
    limit=None,
    sort_key='created_at',
    sort_dir='desc',
):
    """Visible namespaces; filters: ``visibility``, ``resource_types``."""
    query = _visible(context, sa.select(NAMESPACES))
    filters = filters or {}
    if filters.get('visibility'):
        query = query.where(NAMESPACES.c.visibility == filters['visibility'])
    if filters.get('resource_types'):
        associated = (
            sa.select(ASSOCIATIONS.c.namespace_id)
            .join(
                RESOURCE_TYPES,
                RESOURCE_TYPES.c.id == ASSOCIATIONS.c.resource_type_id,
            )
            .where(RESOURCE_TYPES.c.name.in_(filters['resource_types']))
        )
        query = query.where(NAMESPACES.c.id.in_(associated))
    order = paging.sort_order(
        NAMESPACES, sort_key, sort_dir, SORT_KEYS, 'created_at'
    )
    if marker is not None:
        query = query.where(
            paging.after(
                context.session, marker, _by_name(context, marker), order
            )
        )
    rows = context.session.execute(
        query.order_by(*paging.order_by(order)).limit(limit)
    )
    return [dict(row._mapping) for row in rows]


def insert_row(context, table, values):
    try:
        return context.session.execute(sa.insert(table).values(**values))
    except db_exception.DBDuplicateEntry:
        raise exception.Duplicate(
            '%s already exists' % _describe(table, values)
        ) from None


def _describe(table, values):
    if table is NAMESPACES:
        return 'Namespace %s' % values['namespace']
    return '%s %s' % (table.name, values.get('name', ''))


@session.writer
def create(context, values):
    values = {k: values[k] for k in NAMESPACE_COLUMNS if k in values}
    values.setdefault('owner', context.owner)
    values.setdefault('visibility', 'private')
    values.setdefault('protected', False)
    _check_unique_name(context, values['namespace'])
    insert_row(context, NAMESPACES, dict(values, **timestamps()))
    return _written(context, values['namespace'])


def _check_unique_name(context, name):
    # Names are unique across all owners, visible or not.
    taken = context.session.execute(
        sa.select(NAMESPACES.c.id).where(NAMESPACES.c.namespace == name)
    ).first()
    if taken is not None:
        raise exception.Duplicate('Namespace %s already exists' % name)


@session.writer
def update(context, name, values):
    current = get(context, name)
    values = {k: values[k] for k in NAMESPACE_COLUMNS if k in values}
    new_name = values.get('namespace', name)
    if new_name != name:
        _check_unique_name(context, new_name)
    context.session.execute(
        sa.update(NAMESPACES)
        .where(NAMESPACES.c.id == current['id'])
        .values(updated_at=timeutils.utcnow(), **values)
    )
    return _written(context, new_name)


@session.writer
def delete(context, name):
    """Remove a namespace with everything in it; Forbidden if protected."""
    namespace = get(context, name)
    if namespace['protected']:
        raise exception.Forbidden(
            'Namespace %s is protected and cannot be deleted.' % name
        )
    remove_contents(context, namespace['id'])
    context.session.execute(
        sa.delete(NAMESPACES).where(NAMESPACES.c.id == namespace['id'])
    )


def remove_contents(context, namespace_id):
    """Delete what a namespace holds (no checks; inside a writer)."""
    for table in (
        models.MetadefObject.__table__,
        models.MetadefProperty.__table__,
        models.MetadefTag.__table__,
        ASSOCIATIONS,
    ):
        context.session.execute(
            sa.delete(table).where(table.c.namespace_id == namespace_id)
        )


# Resource types and associations.


@session.reader
def get_resource_types(context):
    rows = context.session.execute(
        sa.select(RESOURCE_TYPES).order_by(RESOURCE_TYPES.c.name)
    )
    return [dict(row._mapping) for row in rows]


def _associations_query():
    return (
        sa.select(
            ASSOCIATIONS.c.namespace_id,
            RESOURCE_TYPES.c.name,
            ASSOCIATIONS.c.prefix,
            ASSOCIATIONS.c.properties_target,
            ASSOCIATIONS.c.created_at,
            ASSOCIATIONS.c.updated_at,
        )
        .join(
            RESOURCE_TYPES,
            RESOURCE_TYPES.c.id == ASSOCIATIONS.c.resource_type_id,
        )
        .order_by(ASSOCIATIONS.c.created_at, RESOURCE_TYPES.c.name)
    )


@session.reader
def get_associations(context, namespace_ids):
    """{namespace id: [association dicts]} for these namespaces."""
    found = {namespace_id: [] for namespace_id in namespace_ids}
    if not found:
        return found
    rows = context.session.execute(
        _associations_query().where(
            ASSOCIATIONS.c.namespace_id.in_(list(found))
        )
    )
    for row in rows:
        association = dict(row._mapping)
        found[association.pop('namespace_id')].append(association)
    return found


def _resource_type_id(context, name, create=False):
    row = context.session.execute(
        sa.select(RESOURCE_TYPES.c.id).where(RESOURCE_TYPES.c.name == name)
    ).first()
    if row is not None:
        return row.id
    if not create:
        raise exception.NotFound('Resource type %s not found' % name)
    result = insert_row(
        context,
        RESOURCE_TYPES,
        dict(name=name, protected=False, **timestamps()),
    )
    return result.inserted_primary_key[0]


@session.writer
def associate(context, namespace_name, values):
    """Associate a resource type (created when new) with a namespace."""
    namespace = get(context, namespace_name)
    name = values['name']
    type_id = _resource_type_id(context, name, create=True)
    existing = context.session.execute(
        sa.select(ASSOCIATIONS.c.namespace_id).where(
            ASSOCIATIONS.c.namespace_id == namespace['id'],
            ASSOCIATIONS.c.resource_type_id == type_id,
        )
    ).first()
    if existing is not None:
        raise exception.Duplicate(
            'Resource type %s is already associated with namespace %s'
            % (name, namespace_name)
        )
    insert_row(
        context,
        ASSOCIATIONS,
        dict(
            namespace_id=namespace['id'],
            resource_type_id=type_id,
            **{k: values.get(k) for k in ASSOCIATION_COLUMNS},
            **timestamps(),
        ),
    )
    return _find_association(context, namespace, name)


def _find_association(context, namespace, name):
    for association in get_associations(context, [namespace['id']])[
        namespace['id']
    ]:
        if association['name'] == name:
            return association
    raise exception.NotFound(
        'Resource type %s is not associated with namespace %s'
        % (name, namespace['namespace'])
    )


@session.writer
def dissociate(context, namespace_name, name):
    namespace = get(context, namespace_name)
    _find_association(context, namespace, name)
    if namespace['protected']:
        raise exception.Forbidden(
            'Namespace %s is protected: its resource type associations '
            'cannot be removed.' % namespace_name
        )
    context.session.execute(
        sa.delete(ASSOCIATIONS).where(
            ASSOCIATIONS.c.namespace_id == namespace['id'],
            ASSOCIATIONS.c.resource_type_id
            == _resource_type_id(context, name),
        )
    )


@session.writer
def remove_all(context):
    """Delete every metadata definition; returns the namespaces removed."""
    for table in (
        models.MetadefObject.__table__,
        models.MetadefProperty.__table__,
        models.MetadefTag.__table__,
        ASSOCIATIONS,
        RESOURCE_TYPES,
    ):
        context.session.execute(sa.delete(table))
    return context.session.execute(sa.delete(NAMESPACES)).rowcount
