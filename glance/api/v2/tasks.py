"""Task handlers: ``/v2/tasks[/{task_id}]`` and ``/v2/images/{id}/tasks``.

Imports record themselves as tasks (``glance.import_flow``); ``POST``
creates a legacy ``import`` task (``glance.task_import``); DELETE answers
405, as upstream. A task stops being
shown ``[task] task_time_to_live`` hours after it finished, unless it
carries an ``expires_at`` of its own.
"""

import datetime

import webob.exc

from glance import task_import
from glance.api import errors
from glance.api import request
from glance.api.v2 import common
from glance.api.v2 import patch
from glance.api.v2 import serialize
from glance.policies import tasks as policies
from glance.schemas import image as image_schema
from glance.schemas import task as task_schema

_LISTED_ONLY_IN_DETAIL = ('input', 'result', 'message')


def _ttl(req):
    return datetime.timedelta(hours=req.state.conf.task.task_time_to_live)


def _authorize(req, rule):
    req.state.authorize(req.context, policies.TASKS_API_ACCESS)
    req.state.authorize(req.context, rule)


def _task_body(req, task):
    body = {
        'id': task.id,
        'type': task.type,
        'status': task.status,
        'owner': task.owner,
        'input': task.input,
        'result': task.result,
        'message': task.message,
        'image_id': task.image_id,
        'request_id': task.request_id,
        'user_id': task.user_id,
        'created_at': serialize.isotime(task.created_at),
        'updated_at': serialize.isotime(task.updated_at),
        'self': '/v2/tasks/%s' % task.id,
        'schema': '/v2/schemas/task',
    }
    expires_at = task.expiry(_ttl(req))
    if expires_at is not None:
        body['expires_at'] = serialize.isotime(expires_at)
    return body


def _list_query(req):
    params = req.params
    conf = req.state.conf
    limit = request.query_int(params, 'limit', conf.limit_param_default)
    filters = {}
    for name, allowed in (
        ('type', task_schema.TYPES),
        ('status', task_schema.STATUSES),
    ):
        value = params.get(name)
        if value is not None:
            if value not in allowed:
                raise webob.exc.HTTPBadRequest(
                    explanation='Invalid %s value: %s' % (name, value)
                )
            filters[name] = value
    return {
        'filters': filters,
        'marker': params.get('marker'),
        'limit': min(limit, conf.api_limit_max),
        'sort_key': params.get('sort_key', 'created_at'),
        'sort_dir': params.get('sort_dir', 'desc'),
    }


def _listed_body(req, task):
    body = _task_body(req, task)
    for name in _LISTED_ONLY_IN_DETAIL:
        del body[name]
    return body


@errors.Wsgify
def list_tasks(req):
    _authorize(req, policies.GET_TASKS)
    query = _list_query(req)
    tasks = req.state.task_repo(req.context).list(ttl=_ttl(req), **query)
    body = {
        'tasks': [_listed_body(req, task) for task in tasks],
        'schema': '/v2/schemas/tasks',
    }
    body.update(
        common.page_links(
            req, '/v2/tasks', [task.id for task in tasks], query['limit']
        )
    )
    return serialize.json_response(body)


@errors.Wsgify
def show_task(req):
    _authorize(req, policies.GET_TASK)
    task = req.state.task_repo(req.context).get(
        req.urlvars['task_id'], ttl=_ttl(req)
    )
    return serialize.json_response(_task_body(req, task))


@errors.Wsgify
def list_image_tasks(req):
    """The tasks of an image the caller can see (since v2.12), newest
    first, in upstream's form for this call."""
    image = common.get_visible_image(req)
    tasks = req.state.task_repo(req.context).list(
        filters={'image_id': image.id},
        ttl=_ttl(req),
    )
    return serialize.json_response(
        {'tasks': [_image_task_body(req, task) for task in tasks]}
    )


def _image_task_body(req, task):
    body = _task_body(req, task)
    del body['self'], body['schema']
    # Upstream's spelling in this answer.
    body['request-id'] = body.pop('request_id')
    body['user'] = body.pop('user_id')
    body.setdefault('expires_at', None)
    return body


@errors.Wsgify
def task_schema_handler(req):
    return serialize.json_response(task_schema.TASK)


@errors.Wsgify
def tasks_schema_handler(req):
    return serialize.json_response(task_schema.TASKS)


def _image_values(req, task_input):
    """The new image's values from ``image_properties`` (checked as an
    image create body is)."""
    properties = dict(task_input.get('image_properties') or {})
    properties.setdefault('disk_format', task_input['import_from_format'])
    for name in properties:
        patch.check_settable(name)
    request.validate(
        properties,
        image_schema.image_schema(
            req.state.conf.allow_additional_image_properties
        ),
    )
    values = {
        'status': 'queued',
        'visibility': 'shared',
        'owner': req.context.owner,
        'tags': list(dict.fromkeys(properties.pop('tags', []))),
    }
    for name in patch.WRITABLE_COLUMNS & set(properties):
        values[name] = properties.pop(name)
    values['properties'] = properties
    return values


@errors.Wsgify
def create_task(req):
    _authorize(req, policies.ADD_TASK)
    body = request.extract_json(req, task_schema.CREATE)
    image_values = _image_values(req, body['input'])
    tasks = req.state.task_repo(req.context)
    task = tasks.add(
        {
            'type': task_import.TASK_TYPE,
            'status': 'pending',
            'owner': req.context.owner,
            'input': body['input'],
            'request_id': req.context.request_id,
            'user_id': req.context.user_id,
        }
    )
    task_import.start(req.state, req.context, tasks, task, image_values)
    body = _task_body(req, task)
    return serialize.json_response(
        body, status=201, headers={'Location': body['self']}
    )
