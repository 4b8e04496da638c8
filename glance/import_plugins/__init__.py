"""Import plugins (``[image_import_opts] image_import_plugins``).

A plugin is a class registered as an entry point of namespace
``glance.image_import.plugins`` (upstream's), loaded with stevedore in the
order the option lists them and built with the config. It may define:

``properties(caller, image)``
    Extra properties to set on the image when the import starts (in the
    transaction that takes the import lock, so a resumed import needs no
    caller). ``caller`` is the request context.
``staged(job)``
    Work on the staged data (a ``Job``) before it is copied to the
    stores: it may replace the data and change the image's attributes.
    Raising ``InvalidImageData`` fails the import and removes the staged
    data; any other error fails it and keeps the data for a retry.

As upstream, plugins run for glance-direct and web-download, never for
copy-image (the image is active already). A resumed glance-direct import
runs the ``staged`` hooks again on what is staged, so they must leave
data that already had their treatment alone (converted data is in the
output format, decompressed data is no archive).
"""

import dataclasses
import logging
import os
import types

from stevedore import named

from glance import exception
from glance import format_inspection
from glance.stores import CHUNK_SIZE

LOG = logging.getLogger(__name__)

NAMESPACE = 'glance.image_import.plugins'
# Methods whose imports the plugins act on (upstream skips copy-image).
METHODS = ('glance-direct', 'web-download')
DECOMPRESSION = 'image_decompression'


def names(conf):
    return list(conf.image_import_opts.image_import_plugins)


def load(conf):
    """The configured plugins, built, in the configured order."""
    wanted = names(conf)
    if not wanted:
        return []
    manager = named.NamedExtensionManager(
        NAMESPACE,
        names=wanted,
        name_order=True,
        invoke_on_load=True,
        invoke_args=(conf,),
        on_load_failure_callback=_load_failed,
    )
    missing = set(wanted) - set(manager.names())
    if missing:
        raise exception.GlanceException(
            'Unknown image import plugins: %s' % ', '.join(sorted(missing))
        )
    return [extension.obj for extension in manager.extensions]


def _load_failed(_manager, entry_point, error):
    raise exception.GlanceException(
        'Image import plugin %s cannot be loaded: %s'
        % (entry_point.name, error)
    )


def check_names(value):
    """Start-up check of the option: every name is an installed plugin."""
    available = set(
        named.NamedExtensionManager(
            NAMESPACE, names=list(value), invoke_on_load=False
        ).names()
    )
    missing = sorted(set(value) - available)
    if missing:
        raise ValueError(
            'no image import plugin named %s (namespace %s)'
            % (', '.join(missing), NAMESPACE)
        )


def staging_rules(conf):
    """The inspection rules of data coming into the staging area: with
    ``image_decompression`` enabled, compressed data is not of its
    ``disk_format`` yet, so a mismatch is let through there (the
    decompressed data and the copy to every store are inspected with the
    configured rules; safety checks of recognised data still apply)."""
    rules = format_inspection.Rules.from_conf(conf)
    if DECOMPRESSION in names(conf):
        rules = dataclasses.replace(rules, require_match=False)
    return rules


def inspect_file(path, disk_format, rules):
    """The format inspection of a local file as data of ``disk_format``
    (raises ``InvalidImageData`` when refused), whatever the image's
    container format."""
    claim = types.SimpleNamespace(
        disk_format=disk_format, container_format='bare'
    )
    with open(path, 'rb') as source:
        reader = format_inspection.InspectingReader(source, claim, rules)
        while reader.read(CHUNK_SIZE):
            pass
        return reader.verdict()


@dataclasses.dataclass
class Job:
    """What a ``staged`` hook works with: the import's repositories and
    config (``importer``), the image id and the staged file's path."""

    importer: object
    image_id: str
    path: str

    @property
    def conf(self):
        return self.importer.conf

    def image(self):
        return self.importer.repo.get(self.image_id)

    def update(self, **values):
        """Set image attributes (``disk_format``, ``size``, ...)."""

        def change(image):
            for name, value in values.items():
                setattr(image, name, value)

        return self.importer.repo.update(self.image_id, change)

    def scratch(self, name):
        """A work file beside the staged data (hidden, ``.part``: what an
        interrupted write leaves and recovery removes)."""
        directory = os.path.dirname(self.path)
        return os.path.join(directory, '.%s.%s.part' % (self.image_id, name))

    def replace(self, scratch):
        """Make ``scratch`` the staged data."""
        os.replace(scratch, self.path)


def remove_quietly(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


class NoOp:
    """``no_op``: logs that it ran (upstream's sample plugin)."""

    def __init__(self, conf):
        self.conf = conf

    def staged(self, job):
        LOG.debug('no_op import plugin ran for image %s', job.image_id)
