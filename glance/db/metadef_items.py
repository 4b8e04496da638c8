"""What a metadata definition namespace holds: objects, properties, tags.

The three are named rows of one namespace and share every operation; the
``kind`` argument (``'object'``, ``'property'``, ``'tag'``) picks the
table. Rows are dicts: ``name``, timestamps and the kind's columns
(objects: ``description``, ``required`` (a list), ``json_schema`` (the
object's properties); properties: ``json_schema`` (the definition
without its name)). Namespaces are found with ``glance.db.metadefs.get``:
what is in an invisible namespace is not found either.
"""

import json

import sqlalchemy as sa
from oslo_utils import timeutils

from glance import exception
from glance.db import metadefs
from glance.db import models
from glance.db import paging
from glance.db import session

TABLES = {
    'object': models.MetadefObject.__table__,
    'property': models.MetadefProperty.__table__,
    'tag': models.MetadefTag.__table__,
}
COLUMNS = {
    'object': ('description', 'required', 'json_schema'),
    'property': ('json_schema',),
    'tag': (),
}
SORT_KEYS = frozenset(['name', 'created_at', 'updated_at', 'id'])


def _to_db(kind, values):
    row = {k: values[k] for k in ('name',) + COLUMNS[kind] if k in values}
    if 'required' in row:
        # Upstream keeps the list as JSON text in a Text column.
        row['required'] = json.dumps(row['required'] or [])
    if 'json_schema' in row and row['json_schema'] is None:
        row['json_schema'] = {}
    return row


def _from_db(kind, row):
    item = {
        k: row[k] for k in ('name', 'created_at', 'updated_at') + COLUMNS[kind]
    }
    if kind == 'object':
        item['required'] = _decoded_list(row['required'])
    if 'json_schema' in item and item['json_schema'] is None:
        item['json_schema'] = {}
    return item


def _decoded_list(text):
    try:
        value = json.loads(text) if text else []
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def _not_found(kind, namespace_name, name):
    return exception.NotFound(
        'Metadata definition %s %s not found in namespace %s'
        % (kind, name, namespace_name)
    )


def _select(kind, namespace_id):
    table = TABLES[kind]
    return sa.select(table).where(table.c.namespace_id == namespace_id)


def _find(context, kind, namespace, name):
    table = TABLES[kind]
    row = context.session.execute(
        _select(kind, namespace['id']).where(table.c.name == name)
    ).first()
    if row is None:
        raise _not_found(kind, namespace['namespace'], name)
    return row


def _check_free(context, kind, namespace, name):
    table = TABLES[kind]
    taken = context.session.execute(
        _select(kind, namespace['id']).where(table.c.name == name)
    ).first()
    if taken is not None:
        raise exception.Duplicate(
            'A metadata definition %s named %s already exists in '
            'namespace %s' % (kind, name, namespace['namespace'])
        )


@session.reader
def get(context, kind, namespace_name, name):
    namespace = metadefs.get(context, namespace_name)
    return _from_db(kind, _find(context, kind, namespace, name)._mapping)


@session.reader
def get_all(
    context,
    kind,
    namespace_name,
    marker=None,
    limit=None,
    sort_key='created_at',
    sort_dir='asc',
):
    namespace = metadefs.get(context, namespace_name)
    return _page(context, kind, namespace, marker, limit, sort_key, sort_dir)


def _page(context, kind, namespace, marker, limit, sort_key, sort_dir):
    table = TABLES[kind]
    query = _select(kind, namespace['id'])
    order = paging.sort_order(table, sort_key, sort_dir, SORT_KEYS, 'name')
    if marker is not None:
        marker_query = _select(kind, namespace['id']).where(
            table.c.name == marker
        )
        query = query.where(
            paging.after(context.session, marker, marker_query, order)
        )
    rows = context.session.execute(
        query.order_by(*paging.order_by(order)).limit(limit)
    )
    return [_from_db(kind, row._mapping) for row in rows]


@session.reader
def get_for_namespaces(context, kind, namespace_ids):
    """{namespace id: [items by name]} (namespace show, export)."""
    found = {namespace_id: [] for namespace_id in namespace_ids}
    if not found:
        return found
    table = TABLES[kind]
    rows = context.session.execute(
        sa.select(table)
        .where(table.c.namespace_id.in_(list(found)))
        .order_by(table.c.name)
    )
    for row in rows:
        found[row.namespace_id].append(_from_db(kind, row._mapping))
    return found


@session.writer
def create(context, kind, namespace_name, values):
    namespace = metadefs.get(context, namespace_name)
    insert(context, kind, namespace, values)
    return get(context, kind, namespace_name, values['name'])


def insert(context, kind, namespace, values, now=None):
    """Add one item to ``namespace`` (a row dict); inside a writer."""
    _check_free(context, kind, namespace, values['name'])
    metadefs.insert_row(
        context,
        TABLES[kind],
        dict(
            _to_db(kind, values),
            namespace_id=namespace['id'],
            **metadefs.timestamps(now),
        ),
    )


@session.writer
def create_many(context, kind, namespace_name, items, replace=False):
    """Add ``items`` (all or none); ``replace`` removes the others first."""
    namespace = metadefs.get(context, namespace_name)
    names = [item['name'] for item in items]
    if len(set(names)) != len(names):
        raise exception.Duplicate('Duplicate %s names in the request' % kind)
    if replace:
        _remove_all(context, kind, namespace)
    now = timeutils.utcnow()
    for item in items:
        insert(context, kind, namespace, item, now)
    created = set(names)
    return [
        item
        for item in _page(context, kind, namespace, None, None, 'name', 'asc')
        if item['name'] in created
    ]


@session.writer
def update(context, kind, namespace_name, name, values):
    namespace = metadefs.get(context, namespace_name)
    row = _find(context, kind, namespace, name)
    new_name = values.get('name', name)
    if new_name != name:
        _check_free(context, kind, namespace, new_name)
    table = TABLES[kind]
    context.session.execute(
        sa.update(table)
        .where(table.c.id == row.id)
        .values(updated_at=timeutils.utcnow(), **_to_db(kind, values))
    )
    return get(context, kind, namespace_name, new_name)


def _check_unprotected(namespace, kind):
    if namespace['protected']:
        raise exception.Forbidden(
            'Namespace %s is protected: its %s definitions cannot be '
            'deleted.' % (namespace['namespace'], kind)
        )


@session.writer
def delete(context, kind, namespace_name, name):
    namespace = metadefs.get(context, namespace_name)
    row = _find(context, kind, namespace, name)
    _check_unprotected(namespace, kind)
    table = TABLES[kind]
    context.session.execute(sa.delete(table).where(table.c.id == row.id))


@session.writer
def delete_all(context, kind, namespace_name):
    namespace = metadefs.get(context, namespace_name)
    _check_unprotected(namespace, kind)
    _remove_all(context, kind, namespace)


def _remove_all(context, kind, namespace):
    table = TABLES[kind]
    context.session.execute(
        sa.delete(table).where(table.c.namespace_id == namespace['id'])
    )
