"""WSGI entry point for uWSGI / mod_wsgi: ``glance.wsgi.api:application``.

Configuration comes from the default places oslo.config searches, or from
the directory named by ``OS_GLANCE_CONFIG_DIR`` (glance-api.conf there,
after glance-image-import.conf when it exists, as upstream reads them).
"""

import os

from glance import wsgi


def _config_files():
    config_dir = os.environ.get('OS_GLANCE_CONFIG_DIR')
    if not config_dir:
        return None
    optional = os.path.join(config_dir, 'glance-image-import.conf')
    files = [optional] if os.path.exists(optional) else []
    return files + [os.path.join(config_dir, 'glance-api.conf')]


def init_application():
    return wsgi.init_application(default_config_files=_config_files())


application = init_application()
