"""Check strings shared by the rule defaults (as upstream's new defaults).

``%(project_id)s`` in a target is the image owner; ``%(member_id)s`` the
caller's project when it is a member of the image.
"""

from oslo_policy import policy

ADMIN = 'rule:context_is_admin'
PROJECT_MEMBER = 'role:member and project_id:%(project_id)s'
PROJECT_READER = 'role:reader and project_id:%(project_id)s'
ADMIN_OR_PROJECT_MEMBER = '%s or (%s)' % (ADMIN, PROJECT_MEMBER)
ADMIN_OR_PROJECT_READER = '%s or (%s)' % (ADMIN, PROJECT_READER)
ADMIN_OR_VISIBLE_TO_READER = (
    '%s or (role:reader and (project_id:%%(project_id)s or '
    "project_id:%%(member_id)s or 'community':%%(visibility)s or "
    "'public':%%(visibility)s or 'shared':%%(visibility)s))" % ADMIN
)
ADMIN_OR_SHARED_MEMBER = (
    '%s or (role:member and project_id:%%(member_id)s)' % ADMIN
)
ADMIN_OR_OWNER_OR_SHARED_READER = (
    '%s or (role:reader and (project_id:%%(project_id)s or '
    'project_id:%%(member_id)s))' % ADMIN
)


def documented_rule(name, check, description, *operations, **kwargs):
    """A project-scoped rule default; ``operations`` are (method, path)."""
    return policy.DocumentedRuleDefault(
        name=name,
        check_str=check,
        description=description,
        operations=[
            {'path': path, 'method': method} for method, path in operations
        ],
        scope_types=['project'],
        **kwargs,
    )
