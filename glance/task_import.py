"""The legacy ``import`` task (``POST /v2/tasks``), as upstream still
accepts it: create an image from ``input.image_properties`` and fill it
with what ``input.import_from`` serves, in a thread; the task records the
outcome (``result.image_id`` on success, a message on failure, with the
image removed).

The URI passes ``[import_filtering_opts]`` before anything is fetched,
and redirects are not followed (their targets would escape the filter).
"""

import contextlib
import threading

import requests
from oslo_log import log as logging

from glance import context as glance_context
from glance import exception
from glance import image_data
from glance import store_resolution
from glance import uri_filter

LOG = logging.getLogger(__name__)
TASK_TYPE = 'import'
_FETCH_TIMEOUT = 60


def start(state, context, tasks, task, image_values):
    """Run the task in a daemon thread (returned)."""
    worker = threading.Thread(
        target=glance_context.run_as(context, run),
        args=(state, context, tasks, task, image_values),
        daemon=True,
    )
    worker.start()
    return worker


def run(state, context, tasks, task, image_values):
    tasks.update(task.id, {'status': 'processing'})
    repo = state.image_repo(context)
    image = None
    try:
        uri = task.input['import_from']
        if not uri_filter.validate_import_uri(state.conf, uri):
            raise exception.Invalid(
                'import_from %s is not allowed by [import_filtering_opts]'
                % store_resolution.redact(uri)
            )
        image = repo.add(image_values)
        with _fetch(uri) as response:
            image_data.upload(
                repo,
                state.stores,
                image,
                response.raw,
                None,
                None,
                state.conf.image_size_cap,
            )
    except Exception as error:
        message = getattr(error, 'msg', None) or type(error).__name__
        LOG.info('Import task %s failed: %s', task.id, message)
        if image is not None:
            with image_data.quietly('remove image %s' % image.id):
                repo.remove(repo.get(image.id))
        tasks.update(task.id, {'status': 'failure', 'message': message})
        return
    tasks.update(
        task.id, {'status': 'success', 'result': {'image_id': image.id}}
    )


@contextlib.contextmanager
def _fetch(uri):
    """The successful, non-redirected response of ``uri``."""
    try:
        response = requests.get(
            uri, stream=True, timeout=_FETCH_TIMEOUT, allow_redirects=False
        )
        response.raise_for_status()
    except requests.RequestException as error:
        # requests quotes the whole URL, credentials included.
        raise exception.GlanceException(
            'Fetching %s failed: %s'
            % (store_resolution.redact(uri), type(error).__name__)
        ) from None
    with response:
        if response.is_redirect:
            raise exception.GlanceException(
                '%s redirects; redirects are not followed'
                % store_resolution.redact(uri)
            )
        response.raw.decode_content = True
        yield response
