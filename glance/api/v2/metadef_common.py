"""What the metadata definition handlers share: finding the namespace a
URL names (with its policy check), list parameters, response bodies.

Not a handler module: the ``metadef_*`` handler modules import this one
and never each other.
"""

import webob
import webob.exc

from glance import exception
from glance import notifications
from glance.api import request
from glance.api.v2 import serialize
from glance.db import metadef_items
from glance.db import metadefs as db_metadefs
from glance.policies import metadefs as policies
from glance.schemas import metadefs as schemas

NAMESPACES_PATH = '/v2/metadefs/namespaces'


def namespace_path(name):
    return '%s/%s' % (NAMESPACES_PATH, name)


def authorize_list(req, rule):
    """A rule about no particular namespace (list, create)."""
    req.state.authorize(req.context, rule)


def namespace(req, rule):
    """The namespace of the URL, if the caller may apply ``rule`` to it.

    One the caller may not see is not found (404), as upstream answers;
    one they may see but not change is forbidden (403).
    """
    name = req.urlvars['namespace_name']
    found = db_metadefs.get(req.context, name)
    target = policies.target(found)
    if not req.state.allowed(req.context, rule, target):
        if rule == policies.GET_NAMESPACE or not req.state.allowed(
            req.context, policies.GET_NAMESPACE, target
        ):
            raise exception.MetadefNamespaceNotFound(namespace=name)
        raise exception.Forbidden(
            'Policy does not allow %s to be performed.' % rule
        )
    return found


def check_name(name, what):
    if not name or len(name) > schemas.MAX_NAME_LENGTH:
        raise webob.exc.HTTPBadRequest(
            explanation='The %s name must have 1 to %d characters.'
            % (what, schemas.MAX_NAME_LENGTH)
        )
    request.check_4byte({'name': name})
    return name


# Columns of text, as opposed to the JSON documents stored ASCII-escaped.
NAMESPACE_TEXT = ('namespace', 'display_name', 'description', 'owner')


def check_text(body, names):
    """400 as upstream when a text field of ``body`` has 4-byte UTF-8."""
    request.check_4byte({name: body.get(name) for name in names})


def page_params(req, default_sort_key, default_sort_dir):
    """limit, marker, sort_key, sort_dir of a list request."""
    conf = req.state.conf
    limit = request.query_int(req.params, 'limit', conf.limit_param_default)
    return {
        'limit': min(limit, conf.api_limit_max),
        'marker': req.params.get('marker'),
        'sort_key': req.params.get('sort_key', default_sort_key),
        'sort_dir': req.params.get('sort_dir', default_sort_dir),
    }


def _present(body):
    """Upstream leaves out unset fields rather than sending nulls."""
    return {k: v for k, v in body.items() if v is not None}


def _times(row):
    return {
        'created_at': serialize.isotime(row['created_at']),
        'updated_at': serialize.isotime(row['updated_at']),
    }


def namespace_body(row, contents=None):
    body = {k: row[k] for k in db_metadefs.NAMESPACE_COLUMNS}
    body.update(
        _times(row),
        schema='/v2/schemas/metadefs/namespace',
        self=namespace_path(row['namespace']),
    )
    body.update(contents or {})
    return _present(body)


def association_body(association):
    return _present(
        {
            'name': association['name'],
            'prefix': association['prefix'],
            'properties_target': association['properties_target'],
            **_times(association),
        }
    )


def object_body(namespace_name, item):
    return _present(
        {
            'name': item['name'],
            'description': item['description'],
            'required': item['required'],
            'properties': item['json_schema'],
            **_times(item),
            'schema': '/v2/schemas/metadefs/object',
            'self': '%s/objects/%s'
            % (namespace_path(namespace_name), item['name']),
        }
    )


def property_body(item, name=None):
    """A property definition; ``name`` None leaves the name out."""
    body = dict(item['json_schema'])
    if name is not None:
        body['name'] = name
    return body


def tag_body(item):
    return _present({'name': item['name'], **_times(item)})


def notify(req, event_type, payload):
    """Send a committed change's event (upstream's ``metadef_*``)."""
    notifications.metadef_event(
        req.state.notifier, req.context, event_type, payload
    )


# metadef_items' kinds -> upstream's event groups.
EVENT_GROUPS = {
    'object': 'metadef_object',
    'property': 'metadef_property',
    'tag': 'metadef_tag',
}


def notify_item(req, action, kind, namespace_name, item, **kwargs):
    """``metadef_<kind>.<action>`` for one object, property or tag."""
    notify(
        req,
        '%s.%s' % (EVENT_GROUPS[kind], action),
        notifications.metadef_item_payload(
            kind, namespace_name, item, **kwargs
        ),
    )


def delete_item(req, kind, rule, name_var):
    """DELETE of one object, property or tag (named by ``name_var``)."""
    found = namespace(req, rule)
    name = req.urlvars[name_var]
    item = metadef_items.get(req.context, kind, found['namespace'], name)
    metadef_items.delete(req.context, kind, found['namespace'], name)
    notify_item(req, 'delete', kind, found['namespace'], item, deleted=True)
    return webob.Response(status=204)


# DELETE of all items of a kind: upstream's namespace events.
_DELETE_ALL_EVENTS = {
    'object': 'metadef_namespace.delete_objects',
    'property': 'metadef_namespace.delete_properties',
    'tag': 'metadef_namespace.delete_tags',
}


def delete_items(req, kind, rule):
    """DELETE of all objects, properties or tags of the namespace."""
    found = namespace(req, rule)
    metadef_items.delete_all(req.context, kind, found['namespace'])
    notify(
        req, _DELETE_ALL_EVENTS[kind], notifications.namespace_payload(found)
    )
    return webob.Response(status=204)
