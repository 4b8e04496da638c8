"""Request context: identity of the caller plus the DB transaction holder."""

from oslo_context import context
from oslo_db.sqlalchemy import enginefacade


@enginefacade.transaction_context_provider
class RequestContext(context.RequestContext):
    """A caller's identity; ``owner`` is the project that owns new images."""

    def __init__(self, owner_is_tenant=True, service_catalog=None, **kwargs):
        super().__init__(**kwargs)
        self.owner_is_tenant = owner_is_tenant
        self.service_catalog = service_catalog
        if not self.is_admin:
            self.is_admin = 'admin' in [r.lower() for r in self.roles]

    @property
    def owner(self):
        return self.project_id if self.owner_is_tenant else self.user_id

    def to_policy_values(self):
        values = super().to_policy_values()
        values['owner'] = self.owner
        return values

    def elevated(self):
        """A copy with admin rights, for internal maintenance writes."""
        ctx = RequestContext(
            owner_is_tenant=self.owner_is_tenant,
            user_id=self.user_id,
            project_id=self.project_id,
            roles=list(set(self.roles) | {'admin'}),
            is_admin=True,
            request_id=self.request_id,
            overwrite=False,
        )
        return ctx


def run_as(context, function):
    """``function`` made to run with ``context`` current (for a thread a
    request starts: its log lines name that request)."""

    def with_context(*args, **kwargs):
        context.update_store()
        return function(*args, **kwargs)

    return with_context


def get_admin_context():
    """Context for commands and start-up work outside any request."""
    return RequestContext(is_admin=True, roles=['admin'], overwrite=False)
