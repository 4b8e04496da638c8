"""Configuration options, one module per group (as upstream names them)."""

from glance.conf import default
from glance.conf import image_format
from glance.conf import image_import
from glance.conf import import_filtering
from glance.conf import libraries
from glance.conf import notifications
from glance.conf import paste
from glance.conf import profiler
from glance.conf import task


def register_opts(conf):
    default.register_opts(conf)
    image_format.register_opts(conf)
    image_import.register_opts(conf)
    import_filtering.register_opts(conf)
    notifications.register_opts(conf)
    paste.register_opts(conf)
    task.register_opts(conf)
    libraries.register_opts(conf)
    profiler.register_opts(conf)
