"""Entry point for oslo-config-generator."""

from glance.conf import default
from glance.conf import image_format
from glance.conf import image_import
from glance.conf import import_filtering
from glance.conf import libraries
from glance.conf import notifications
from glance.conf import paste
from glance.conf import profiler
from glance.conf import task
from glance.conf import unsupported


def list_opts():
    return (
        default.list_opts()
        + image_format.list_opts()
        + image_import.list_opts()
        + import_filtering.list_opts()
        + notifications.list_opts()
        + paste.list_opts()
        + task.list_opts()
        + libraries.list_opts()
        + unsupported.list_opts()
        + profiler.list_opts()
    )
