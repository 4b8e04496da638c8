"""Whole namespaces as documents: the API's create body and show answer,
and the file format of ``glance-manage db_load_metadefs``.

A document is a namespace's fields plus its contents::

    {"namespace": "...", "display_name": ..., "visibility": ...,
     "protected": ..., "owner": ...,
     "resource_type_associations": [{"name", "prefix", "properties_target"}],
     "properties": {name: definition},
     "objects": [{"name", "description", "required", "properties"}],
     "tags": [{"name"}]}
"""

from oslo_utils import timeutils

from glance import exception
from glance.db import metadef_items
from glance.db import metadefs
from glance.db import session

NAMESPACE_FIELDS = metadefs.NAMESPACE_COLUMNS
KINDS = ('property', 'object', 'tag')


def item_values(kind, name, entry):
    """A document entry -> metadef_items values."""
    if kind == 'property':
        definition = {k: v for k, v in entry.items() if k != 'name'}
        return {'name': name, 'json_schema': definition}
    if kind == 'object':
        return {
            'name': name,
            'description': entry.get('description'),
            'required': entry.get('required') or [],
            'json_schema': entry.get('properties') or {},
        }
    return {'name': name}


def item_entry(kind, item):
    """metadef_items row dict -> a document entry (no timestamps)."""
    if kind == 'property':
        return dict(item['json_schema'], name=item['name'])
    if kind == 'object':
        entry = {
            'name': item['name'],
            'required': item['required'],
            'properties': item['json_schema'],
        }
        if item['description'] is not None:
            entry['description'] = item['description']
        return entry
    return {'name': item['name']}


def entries(document, kind):
    """(name, entry) pairs of one kind of a document's contents."""
    if kind == 'property':
        return list((document.get('properties') or {}).items())
    key = 'objects' if kind == 'object' else 'tags'
    return [(entry['name'], entry) for entry in document.get(key) or []]


@session.writer
def create(context, document):
    """Create a namespace with its contents, all or nothing."""
    namespace = metadefs.create(context, document)
    _add_contents(context, namespace, document)
    return namespace


def _add_contents(context, namespace, document, skip_existing=False):
    now = timeutils.utcnow()
    for association in document.get('resource_type_associations') or []:
        if not (
            skip_existing and _associated(context, namespace, association)
        ):
            metadefs.associate(context, namespace['namespace'], association)
    for kind in KINDS:
        existing = _names(context, kind, namespace) if skip_existing else set()
        for name, entry in entries(document, kind):
            if name not in existing:
                metadef_items.insert(
                    context,
                    kind,
                    namespace,
                    item_values(kind, name, entry),
                    now,
                )


def _names(context, kind, namespace):
    return {
        item['name']
        for item in metadef_items.get_for_namespaces(
            context, kind, [namespace['id']]
        )[namespace['id']]
    }


def _associated(context, namespace, association):
    current = metadefs.get_associations(context, [namespace['id']])
    return association['name'] in {a['name'] for a in current[namespace['id']]}


@session.reader
def contents(context, namespaces):
    """{namespace id: {"properties": ..., "objects": ..., "tags": ...,
    "resource_type_associations": ...}} (only the non-empty ones)."""
    ids = [namespace['id'] for namespace in namespaces]
    found = {namespace_id: {} for namespace_id in ids}
    associations = metadefs.get_associations(context, ids)
    for namespace_id, listed in associations.items():
        if listed:
            found[namespace_id]['resource_type_associations'] = listed
    for kind in KINDS:
        for namespace_id, items in metadef_items.get_for_namespaces(
            context, kind, ids
        ).items():
            if items:
                found[namespace_id][kind] = items
    return found


@session.reader
def read(context, name):
    """The document of one namespace (for export)."""
    namespace = metadefs.get(context, name)
    held = contents(context, [namespace])[namespace['id']]
    document = {
        k: namespace[k] for k in NAMESPACE_FIELDS if namespace[k] is not None
    }
    associations = held.get('resource_type_associations', [])
    if associations:
        document['resource_type_associations'] = [
            {
                k: association[k]
                for k in ('name', 'prefix', 'properties_target')
                if association[k] is not None
            }
            for association in associations
        ]
    if held.get('property'):
        document['properties'] = {
            item['name']: item_entry('property', item)
            for item in held['property']
        }
        for definition in document['properties'].values():
            definition.pop('name')
    if held.get('object'):
        document['objects'] = [
            item_entry('object', item) for item in held['object']
        ]
    if held.get('tag'):
        document['tags'] = [item_entry('tag', item) for item in held['tag']]
    return document


@session.writer
def load(context, document, merge=False, prefer_new=False, overwrite=False):
    """Load one document; returns 'created', 'merged' or 'skipped'.

    An existing namespace is skipped unless ``merge``; merging adds what
    is missing, ``prefer_new`` also rewrites the namespace's fields and
    the definitions present on both sides, ``overwrite`` first removes
    everything the namespace holds.
    """
    name = document['namespace']
    try:
        namespace = metadefs.get(context, name)
    except exception.MetadefNamespaceNotFound:
        create(context, document)
        return 'created'
    if not merge:
        return 'skipped'
    if prefer_new:
        namespace = metadefs.update(context, name, document)
    if overwrite:
        metadefs.remove_contents(context, namespace['id'])
    elif prefer_new:
        _replace_present(context, namespace, document)
    _add_contents(context, namespace, document, skip_existing=True)
    return 'merged'


def _replace_present(context, namespace, document):
    for kind in KINDS:
        existing = _names(context, kind, namespace)
        for name, entry in entries(document, kind):
            if name in existing and kind != 'tag':
                metadef_items.update(
                    context,
                    kind,
                    namespace['namespace'],
                    name,
                    item_values(kind, name, entry),
                )
