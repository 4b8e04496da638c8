"""Rule names and defaults of the tasks API (upstream's).

Every call checks ``tasks_api_access`` (admins, by default) and then its
own rule.
"""

from glance.policies import base

GET_TASK = 'get_task'
GET_TASKS = 'get_tasks'
ADD_TASK = 'add_task'
MODIFY_TASK = 'modify_task'
TASKS_API_ACCESS = 'tasks_api_access'

_TASKS = '/v2/tasks'
_TASK = _TASKS + '/{task_id}'


_rule = base.documented_rule


RULES = [
    _rule(GET_TASK, 'rule:default', 'Show a task.', ('GET', _TASK)),
    _rule(GET_TASKS, 'rule:default', 'List tasks.', ('GET', _TASKS)),
    _rule(ADD_TASK, 'rule:default', 'Create a task.', ('POST', _TASKS)),
    _rule(
        MODIFY_TASK,
        'rule:default',
        'Not used: tasks cannot be changed through the API.',
        ('DELETE', _TASK),
        deprecated_for_removal=True,
        deprecated_reason='Never enforced by the API.',
        deprecated_since='Wallaby',
    ),
    _rule(
        TASKS_API_ACCESS,
        'role:admin',
        'Who may use the tasks API at all.',
        ('GET', _TASK),
        ('GET', _TASKS),
        ('POST', _TASKS),
        ('DELETE', _TASK),
    ),
]
