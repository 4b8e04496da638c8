"""What every request needs from start-up: config, stores, policy, repos.

Built once per process by ``glance.wsgi.init_application`` and put into
every request's environ, so handlers reach it as ``req.state``.
"""

import dataclasses
import os

from oslo_config import cfg

from glance import context as glance_context
from glance import gateway
from glance import import_flow
from glance import notifications
from glance import policies
from glance import property_protection
from glance.api import request


@dataclasses.dataclass(frozen=True)
class AppState:
    conf: cfg.ConfigOpts
    # glance.stores.Stores: what glance.stores.configure set up.
    stores: object = None
    enforcer: object = None
    # glance.property_protection.Rules, or None when protection is off.
    property_rules: object = None
    # glance.notifications.Notifier; None sends nothing.
    notifier: object = None

    @classmethod
    def build(cls, conf, stores=None):
        return cls(
            conf,
            stores,
            policies.enforcer(conf),
            property_protection.from_conf(conf),
            notifications.Notifier.from_conf(conf),
        )

    def image_repo(self, context):
        return gateway.image_repo(context, self.stores, self.notifier)

    def task_repo(self, context):
        return gateway.task_repo(context, self.notifier)

    def importer(self, context):
        """What an import started with ``context`` works with."""
        return import_flow.Importer(
            repo=self.image_repo(context),
            tasks=self.task_repo(context),
            conf=self.conf,
            stores=self.stores,
        )

    def authorize(self, context, rule, target=None):
        """Raise glance.exception.Forbidden unless policy allows ``rule``."""
        policies.authorize(self.enforcer, context, rule, target)

    def allowed(self, context, rule, target=None):
        return policies.allowed(self.enforcer, context, rule, target)


class _Background:
    """The work a worker process does besides requests: recovering
    imports whose process died. Started once per process (workers fork
    from a process that built the app), on the first request at the
    latest."""

    def __init__(self, state):
        self.state = state
        self.pid = None

    def start(self):
        if self.pid == os.getpid():
            return
        self.pid = os.getpid()
        admin = glance_context.get_admin_context()
        import_flow.Recovery(self.state.importer(admin)).start()


def with_state(app, state):
    """WSGI wrapper putting ``state`` into every request's environ and
    starting the worker's background work; ``start_background`` lets a
    server start it as soon as a worker forks."""
    background = _Background(state)

    def app_with_state(environ, start_response):
        background.start()
        environ[request.STATE_KEY] = state
        return app(environ, start_response)

    app_with_state.start_background = background.start
    return app_with_state
