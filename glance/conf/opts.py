"""Entry point for oslo-config-generator."""

from glance.conf import default
from glance.conf import paste


def list_opts():
    return default.list_opts() + paste.list_opts()
