"""Start-up shared by ``glance-api`` and the uWSGI/mod_wsgi entry point.

``init_application`` parses the configuration, sets up logging, the
database and the stores, and loads the paste pipeline. Without any config
file it serves the embedded default (see ``EMBEDDED_CONFIG``).
"""

import os
import tempfile

from oslo_config import cfg
from oslo_log import log as logging
from paste import deploy

import glance.conf
from glance import stores
from glance.api import state as app_state
from glance.db import migration
from glance.db import session

LOG = logging.getLogger(__name__)

PASTE_FILE = 'glance-api-paste.ini'
PACKAGED_PASTE_FILE = os.path.join(
    os.path.dirname(os.path.dirname(__file__)), 'etc', PASTE_FILE
)

# What a fresh machine runs with: SQLite and two file stores below
# ./data, no authentication. Written to a temporary file and parsed like an
# operator's config, so every option is set exactly as one would set it.
EMBEDDED_CONFIG = """\
[DEFAULT]
enabled_backends = fast:file, cheap:file
node_staging_uri = file://{data}/staging

[database]
connection = {connection}

[glance_store]
default_backend = fast

[fast]
filesystem_store_datadir = {data}/fast
store_description = Embedded default store

[cheap]
filesystem_store_datadir = {data}/cheap
"""


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
    """Parse ``argv`` and config files; True when on the embedded default.

    oslo.config searches its default places (``~/.glance``, ``~``,
    ``/etc/glance``, ``/etc``) for glance-api.conf unless files are given.
    """
    register_opts(conf)
    conf(
        argv,
        project='glance',
        prog='glance-api',
        default_config_files=default_config_files,
    )
    if conf.config_file or conf.config_dir:
        return False
    data = os.path.join(os.getcwd(), 'data')
    os.makedirs(data, exist_ok=True)
    # A directory of its own: oslo.config looks beside config files for
    # others (glance-api-paste.ini), and there must be none.
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, 'glance-api.conf')
        with open(path, 'w') as embedded:
            embedded.write(
                EMBEDDED_CONFIG.format(
                    data=data, connection=session.DEFAULT_CONNECTION
                )
            )
        conf(
            list(argv) + ['--config-file', path],
            project='glance',
            prog='glance-api',
        )
    return True


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


def build_app(conf, embedded=False):
    """Configure DB and stores for ``conf`` and load the pipeline."""
    session.configure(conf)
    if embedded:
        migration.sync(conf)
        LOG.info(
            'No configuration file found: serving the embedded default, '
            'data lives in %s',
            os.path.join(os.getcwd(), 'data'),
        )
    state = app_state.AppState.build(conf, stores.configure(conf))
    app = deploy.loadapp(
        'config:' + os.path.abspath(find_paste_file(conf)),
        name=pipeline_name(conf),
    )
    return app_state.with_state(app, state)


def init_application(argv=(), conf=None, default_config_files=None):
    """The WSGI application, configured from ``argv`` and config files."""
    conf = conf if conf is not None else cfg.CONF
    embedded = parse_config(conf, list(argv), default_config_files)
    logging.setup(conf, 'glance')
    return build_app(conf, embedded)
