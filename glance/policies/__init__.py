"""oslo.policy defaults and the two calls handlers make: authorize, allowed.

``list_rules`` is the ``oslo.policy.policies`` entry point (sample files,
``oslopolicy-checker``).
"""

from oslo_policy import policy

from glance import exception
from glance.policies import cache
from glance.policies import images
from glance.policies import metadefs
from glance.policies import tasks

BASE_RULES = [
    policy.RuleDefault(
        name='context_is_admin',
        check_str='role:admin',
        description='Who counts as a cloud administrator.',
    ),
    policy.RuleDefault(
        name='default',
        check_str='',
        description='Rule of actions that have no rule of their own.',
    ),
]


def list_rules():
    return (
        BASE_RULES + images.RULES + metadefs.RULES + tasks.RULES + cache.RULES
    )


def enforcer(conf):
    """A policy enforcer for ``conf`` with every default registered."""
    rules = policy.Enforcer(conf)
    rules.register_defaults(list_rules())
    return rules


def allowed(rules, context, action, target=None):
    return rules.enforce(
        action, _target(context, target), context, do_raise=False
    )


def authorize(rules, context, action, target=None):
    if not allowed(rules, context, action, target):
        raise exception.Forbidden(
            'Policy does not allow %s to be performed.' % action
        )


def _target(context, target):
    # Rules name the image owner ``project_id``; without an image, the
    # target is the caller's own project (e.g. creating an image).
    values = {'project_id': context.project_id}
    values.update(target or {})
    return values
