"""Entry point for oslo-config-generator."""

from oslo_db import options as db_options

from glance.conf import default
from glance.conf import import_filtering
from glance.conf import paste
from glance.conf import task


def list_opts():
    return (
        default.list_opts()
        + import_filtering.list_opts()
        + paste.list_opts()
        + task.list_opts()
        + [('database', db_options.database_opts)]
    )
