"""What every request needs from start-up: config, stores, policy, repos.

Built once per process by ``glance.wsgi.init_application`` and put into
every request's environ, so handlers reach it as ``req.state``.
"""

import dataclasses

from oslo_config import cfg

from glance import gateway
from glance import policies
from glance.api import request


@dataclasses.dataclass(frozen=True)
class AppState:
    conf: cfg.ConfigOpts
    # glance.stores.Stores: what glance.stores.configure set up.
    stores: object = None
    enforcer: object = None

    @classmethod
    def build(cls, conf, stores=None):
        return cls(conf, stores, policies.enforcer(conf))

    @property
    def multi_store(self):
        return bool(self.conf.enabled_backends)

    @property
    def store_index(self):
        """The ``StoreIndex`` in multi-store mode, else None."""
        return getattr(self.stores, 'index', None)

    def image_repo(self, context):
        return gateway.image_repo(
            context,
            store_index=self.store_index,
            enabled_backends=self.conf.enabled_backends,
        )

    def authorize(self, context, rule, target=None):
        """Raise glance.exception.Forbidden unless policy allows ``rule``."""
        policies.authorize(self.enforcer, context, rule, target)

    def allowed(self, context, rule, target=None):
        return policies.allowed(self.enforcer, context, rule, target)


def with_state(app, state):
    """WSGI wrapper putting ``state`` into every request's environ."""

    def app_with_state(environ, start_response):
        environ[request.STATE_KEY] = state
        return app(environ, start_response)

    return app_with_state
