"""Start-up shared by ``glance-api`` and the uWSGI/mod_wsgi entry point.

``init_application`` parses the configuration, sets up logging (every
option's value at DEBUG, secrets masked), the database, the stores and
the profiler, and loads the paste pipeline. Without any config file it
serves the embedded default (``glance.conf.embedded``).

Whatever the paste file says, the pipeline is wrapped in oslo.middleware's
request id filter: every response carries ``x-openstack-request-id``, and
the context and 500 bodies name the same id (upstream's paste file has no
``request_id`` filter; upstream sets the id in its context filter). Inside
it, each request starts with a context of its own made current
(``glance.api.middleware.context.per_request``).
"""

import logging as std_logging
import os

import osprofiler.initializer
import osprofiler.sqlalchemy
import osprofiler.web
import sqlalchemy
from oslo_config import cfg
from oslo_log import log as logging
from oslo_middleware import request_id
from paste import deploy

import glance.conf
from glance import stores
from glance.api import errors
from glance.api import state as app_state
from glance.api.middleware import context as context_middleware
from glance.conf import checks
from glance.conf import embedded as embedded_default
from glance.conf import unsupported
from glance.db import locations
from glance.db import migration
from glance.db import session

LOG = logging.getLogger(__name__)

PASTE_FILE = 'glance-api-paste.ini'
PACKAGED_PASTE_FILE = os.path.join(
    os.path.dirname(os.path.dirname(__file__)), 'etc', PASTE_FILE
)

# boto3 and its HTTP stack log request details (endpoints, signed
# headers) below WARN: keep them out of glance-api's log by default.
QUIET_LIBRARIES = ('botocore=WARN', 'boto3=WARN', 'urllib3=WARN')


def register_opts(conf):
    glance.conf.register_opts(conf)
    session.register_opts(conf)
    logging.register_options(conf)
    logging.set_defaults(
        default_log_levels=logging.get_default_log_levels()
        + list(QUIET_LIBRARIES)
    )


def parse_config(conf, argv, default_config_files=None):
    """Parse ``argv`` and config files; True when on the embedded default."""
    register_opts(conf)
    return embedded_default.parse(
        conf, argv, 'glance-api', default_config_files
    )


def find_paste_file(conf):
    """``[paste_deploy] config_file``, else beside the config, else ours."""
    return (
        conf.paste_deploy.config_file
        or conf.find_file(PASTE_FILE)
        or PACKAGED_PASTE_FILE
    )


def pipeline_name(conf):
    flavor = conf.paste_deploy.flavor
    return 'glance-api-%s' % flavor if flavor else 'glance-api'


def setup_profiler(conf):
    """osprofiler as upstream sets it up: off unless [profiler] enabled.

    Called again in each worker after the fork (``glance.cmd.api``), so
    that no two processes share the notifier's connection.
    """
    if not conf.profiler.enabled:
        osprofiler.web.disable()
        return
    osprofiler.initializer.init_from_conf(
        conf=conf,
        context={},
        project='glance',
        service='api',
        host=conf.bind_host,
    )
    LOG.info('osprofiler is enabled: signed requests are traced')


def build_app(conf, embedded=False):
    """Configure DB and stores for ``conf`` and load the pipeline."""
    session.configure(conf)
    locations.set_encryption_key(conf.metadata_encryption_key)
    if conf.profiler.enabled and conf.profiler.trace_sqlalchemy:
        osprofiler.sqlalchemy.add_tracing(
            sqlalchemy, session.get_engine(), 'db'
        )
    setup_profiler(conf)
    if embedded:
        migration.sync(conf)
        LOG.info(
            'No configuration file found: serving the embedded default, '
            'data lives in %s',
            embedded_default.data_dir(),
        )
    configured = stores.configure(conf)
    state = app_state.AppState.build(conf, configured)
    app = deploy.loadapp(
        'config:' + os.path.abspath(find_paste_file(conf)),
        name=pipeline_name(conf),
    )
    unsupported.warn_if_set(conf, complete_options(conf))
    # Every option is registered by now, the stores' and middleware's too.
    conf.log_opt_values(LOG, std_logging.DEBUG)
    app = context_middleware.per_request(errors.URLCheck(app))
    return app_state.with_state(request_id.RequestId(app), state)


def complete_options(conf):
    """Once stores and middleware registered theirs: register upstream's
    options that nothing implements and check every value once more.

    Returns the ignored options (``unsupported.register``).
    """
    ignored = unsupported.register(conf, dict(conf.enabled_backends or {}))
    checks.check(conf)
    return ignored


def init_application(argv=(), conf=None, default_config_files=None):
    """The WSGI application, configured from ``argv`` and config files.

    Raises ``checks.InvalidOption`` for a value that does not convert.
    """
    conf = conf if conf is not None else cfg.CONF
    embedded = parse_config(conf, list(argv), default_config_files)
    checks.check(conf)
    logging.setup(conf, 'glance')
    return build_app(conf, embedded)
