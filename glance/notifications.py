"""Notifications of image, member and task changes, as upstream sends them.

``Notifier`` sends events through oslo.messaging from one background
thread per process, so a message bus that is slow or down never holds up
a request: events wait in a bounded queue (the newest are dropped once it
is full). An outage is logged with one WARNING: the first failed send
(oslo.messaging logs each failure with its traceback; those records of
the sender thread are held back until a send succeeds again) or a send
stuck longer than ``STUCK_AFTER`` seconds.

``NotifyingRepo`` is the repository layer that emits image events (placed
by ``glance.gateway``), ``NotifyingTaskRepo`` the one for tasks; both emit
only once the change is committed: inside a ``transaction()`` block the
events wait until the outermost block commits and are dropped if it rolls
back. Member and download events are sent by their handlers with
``member_event`` and ``sent_counter``.
"""

import collections
import contextlib
import datetime
import fnmatch
import logging as std_logging
import os
import queue
import threading
import time

from oslo_log import log as logging

from glance import exception

LOG = logging.getLogger(__name__)

QUEUE_SIZE = 1000
STUCK_AFTER = 5.0
# Where oslo.messaging logs a notification it could not send.
MESSAGING_LOGGERS = (
    'oslo_messaging.notify.messaging',
    'oslo_messaging.notify.notifier',
    'oslo_messaging._drivers.impl_rabbit',
    'oslo_messaging._drivers.amqpdriver',
)

# The image events of a life cycle event of glance.domain.LIFE_CYCLE
# (any other status change is an image.update).
_STATUS_EVENTS = {
    'upload': ('image.prepare',),
    'stage': ('image.prepare',),
    'activate': ('image.activate',),
}

# The task event of a task status (upstream's names).
_TASK_EVENTS = {
    'processing': ('task.run', 'task.processing'),
    'success': ('task.success',),
    'failure': ('task.failure',),
}


def _iso(value):
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.strftime('%Y-%m-%dT%H:%M:%SZ')
    return value


def image_payload(image):
    """Upstream's image payload (never a location: URLs may carry
    credentials)."""
    return {
        'id': image.id,
        'name': image.name,
        'status': image.status,
        'created_at': _iso(image.created_at),
        'updated_at': _iso(image.updated_at),
        'min_disk': image.min_disk,
        'min_ram': image.min_ram,
        'protected': image.protected,
        'checksum': image.checksum,
        'owner': image.owner,
        'disk_format': image.disk_format,
        'container_format': image.container_format,
        'size': image.size,
        'virtual_size': image.virtual_size,
        'is_public': image.visibility == 'public',
        'visibility': image.visibility,
        'properties': dict(image.properties),
        'tags': list(image.tags),
        'deleted': bool(image.deleted),
        'deleted_at': _iso(image.deleted_at),
    }


def import_fields(image):
    """What ``image.prepare`` and ``image.upload`` add, as upstream: the
    stores an import is still writing to and those that failed, as lists."""

    def listed(name):
        value = image.properties.get(name)
        return [item for item in value.split(',') if item] if value else []

    return {
        'os_glance_importing_to_stores': listed(
            'os_glance_importing_to_stores'
        ),
        'os_glance_failed_import': listed('os_glance_failed_import'),
    }


def deleted_image_payload(image):
    payload = image_payload(image)
    payload['deleted'] = True
    payload['deleted_at'] = payload['deleted_at'] or _iso(
        datetime.datetime.now(datetime.timezone.utc)
    )
    return payload


def member_payload(member, deleted=False):
    return {
        'image_id': member.image_id,
        'member_id': member.member,
        'status': member.status,
        'created_at': _iso(member.created_at),
        'updated_at': _iso(member.updated_at),
        'deleted': deleted,
        'deleted_at': (
            _iso(datetime.datetime.now(datetime.timezone.utc))
            if deleted
            else None
        ),
    }


def task_payload(task):
    """Upstream's task payload (the input is left out, as upstream)."""
    return {
        'id': task.id,
        'type': task.type,
        'status': task.status,
        'result': task.result,
        'owner': task.owner,
        'message': task.message,
        'expires_at': _iso(task.expires_at),
        'created_at': _iso(task.created_at),
        'updated_at': _iso(task.updated_at),
        'deleted': False,
        'deleted_at': None,
    }


def upload_failure_message(image_id, error):
    """The payload of a failed upload's ``image.upload`` (a string, as
    upstream's: what went wrong in the words the client got)."""
    reason = getattr(error, 'msg', None) or str(error) or type(error).__name__
    if isinstance(error, exception.StoreFull):
        return 'Image storage media is full: %s' % reason
    if isinstance(error, exception.Forbidden):
        return 'Not allowed to upload image data for image %s: %s' % (
            image_id,
            reason,
        )
    if isinstance(error, exception.NotFound):
        return (
            'Image %s could not be found after upload. The image may have '
            'been deleted during the upload: %s' % (image_id, reason)
        )
    if isinstance(
        error,
        (
            exception.Invalid,
            exception.InvalidImageData,
            exception.ImageSizeLimitExceeded,
        ),
    ):
        return 'Cannot save data for image %s: %s' % (image_id, reason)
    return 'Failed to upload image data for image %s: %s' % (image_id, reason)


def send_payload(context, image, bytes_sent):
    return {
        'image_id': image.id,
        'owner_id': image.owner,
        'receiver_tenant_id': context.project_id,
        'receiver_user_id': context.user_id,
        'bytes_sent': bytes_sent,
    }


# The schema keywords of a property definition upstream's metadef_object
# and metadef_property payloads list, each set (None when absent).
_PROPERTY_KEYWORDS = (
    'type',
    'title',
    'description',
    'default',
    'minimum',
    'maximum',
    'enum',
    'pattern',
    'minLength',
    'maxLength',
    'confidential',
    'items',
    'uniqueItems',
    'minItems',
    'maxItems',
    'additionalItems',
)


def _deletion(payload, deleted):
    payload['deleted'] = deleted
    payload['deleted_at'] = (
        _iso(datetime.datetime.now(datetime.timezone.utc)) if deleted else None
    )
    return payload


def namespace_payload(row, old_name=None, deleted=False):
    """Upstream's metadef_namespace payload (``namespace_old``: the name
    before an update)."""
    return _deletion(
        {
            'namespace': row['namespace'],
            'namespace_old': old_name or row['namespace'],
            'display_name': row.get('display_name'),
            'protected': row.get('protected'),
            'visibility': row.get('visibility'),
            'owner': row.get('owner'),
            'description': row.get('description'),
            'created_at': _iso(row.get('created_at')),
            'updated_at': _iso(row.get('updated_at')),
        },
        deleted,
    )


def _named(namespace_name, item, old_name, **fields):
    payload = {
        'namespace': namespace_name,
        'name': item['name'],
        'name_old': old_name or item['name'],
    }
    payload.update(fields)
    return payload


def metadef_object_payload(namespace_name, item, old_name=None, deleted=False):
    """Upstream's metadef_object payload: ``properties`` a list of
    definitions, each with its ``name`` and every keyword (None unset)."""
    properties = [
        dict(
            {'name': name},
            **{
                key: (schema or {}).get(key) or None
                for key in _PROPERTY_KEYWORDS
            },
        )
        for name, schema in sorted((item.get('json_schema') or {}).items())
    ]
    return _deletion(
        _named(
            namespace_name,
            item,
            old_name,
            properties=properties,
            required=item.get('required'),
            description=item.get('description'),
            created_at=_iso(item.get('created_at')),
            updated_at=_iso(item.get('updated_at')),
        ),
        deleted,
    )


def metadef_property_payload(
    namespace_name, item, old_name=None, deleted=False
):
    """Upstream's metadef_property payload: the definition's keywords
    (None unset), no timestamps."""
    schema = item.get('json_schema') or {}
    fields = {key: schema.get(key) for key in _PROPERTY_KEYWORDS}
    return _deletion(_named(namespace_name, item, old_name, **fields), deleted)


def metadef_resource_type_payload(namespace_name, association, deleted=False):
    """Upstream's metadef_resource_type payload (an association of the
    resource type with the namespace)."""
    return _deletion(
        _named(
            namespace_name,
            association,
            None,
            prefix=association.get('prefix'),
            properties_target=association.get('properties_target'),
            created_at=_iso(association.get('created_at')),
            updated_at=_iso(association.get('updated_at')),
        ),
        deleted,
    )


def metadef_tag_payload(namespace_name, item, old_name=None, deleted=False):
    return _deletion(
        _named(
            namespace_name,
            item,
            old_name,
            created_at=_iso(item.get('created_at')),
            updated_at=_iso(item.get('updated_at')),
        ),
        deleted,
    )


_ITEM_PAYLOADS = {
    'object': metadef_object_payload,
    'property': metadef_property_payload,
    'tag': metadef_tag_payload,
}


def metadef_item_payload(kind, namespace_name, item, **kwargs):
    """The payload of an object, property or tag (``kind`` as in
    ``glance.db.metadef_items``)."""
    return _ITEM_PAYLOADS[kind](namespace_name, item, **kwargs)


Event = collections.namedtuple('Event', 'context event_type payload priority')


class Notifier:
    """Sends events to the message bus without ever blocking the caller.

    ``send`` filters out ``disabled_notifications`` (event types, or
    groups ending in ``*``) and queues the rest for the sender thread,
    started on first use in each process (API workers fork).
    ``messaging_notifier`` is an ``oslo_messaging.Notifier``.
    """

    def __init__(self, messaging_notifier, disabled=(), queue_size=None):
        self._notifier = messaging_notifier
        self._disabled = tuple(disabled)
        self._queue_size = queue_size or QUEUE_SIZE
        self._pid = None
        self._lock = threading.Lock()
        self._queue = None
        self._busy_since = None
        self._warned = False
        self._failure = None
        self._thread_name = 'notifications-%d' % id(self)

    @classmethod
    def from_conf(cls, conf):
        """The notifier ``conf`` asks for; None (nothing is sent) without
        a driver."""
        if not conf.oslo_messaging_notifications.driver:
            return None
        import oslo_messaging

        transport = oslo_messaging.get_notification_transport(conf)
        messaging_notifier = oslo_messaging.Notifier(
            transport, publisher_id=conf.default_publisher_id
        )
        return cls(messaging_notifier, conf.disabled_notifications)

    def enabled(self, event_type):
        """False for a disabled type, a matching ``*`` pattern or, as
        upstream, the group before the first dot (``metadef_tag``)."""
        group = event_type.split('.', 1)[0]
        return not any(
            pattern == group or fnmatch.fnmatchcase(event_type, pattern)
            for pattern in self._disabled
        )

    def send(self, context, event_type, payload, priority='info'):
        """Queue an event; ``priority`` is oslo.messaging's (``info``,
        ``error``: the routing key's ``<topic>.<priority>``)."""
        if not self.enabled(event_type):
            return
        self._report_stuck()
        try:
            self._sender_queue().put_nowait(
                Event(context.to_dict(), event_type, payload, priority)
            )
        except queue.Full:
            self._warn_once(
                'Notification queue full (%d events): dropping %s'
                % (self._queue_size, event_type)
            )

    def filter(self, record):
        """A logging filter: oslo.messaging's errors of the sender thread
        are remembered and held back (the outage is logged once)."""
        if threading.current_thread().name != self._thread_name:
            return True
        if record.levelno >= std_logging.WARNING:
            self._failure = self._failure or record.getMessage()
            return False
        return True

    def _sender_queue(self):
        with self._lock:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._queue = queue.Queue(self._queue_size)
                self._busy_since = None
                for name in MESSAGING_LOGGERS:
                    std_logging.getLogger(name).addFilter(self)
                threading.Thread(
                    target=self._run,
                    args=(self._queue,),
                    name=self._thread_name,
                    daemon=True,
                ).start()
            return self._queue

    def _run(self, events):
        while True:
            event = events.get()
            self._busy_since = time.monotonic()
            self._failure = None
            try:
                getattr(self._notifier, event.priority)(
                    event.context, event.event_type, event.payload
                )
            except Exception as error:  # the sender thread must live on
                self._failure = str(error)
            self._busy_since = None
            if self._failure:
                self._warn_once(
                    'Could not send notifications to the message bus '
                    '(%s); dropping them until it answers again'
                    % self._failure.split('. Payload=')[0].splitlines()[0]
                )
            elif self._warned:
                self._warned = False
                LOG.info('Notifications are being sent again')

    def _report_stuck(self):
        since = self._busy_since
        if since is not None and time.monotonic() - since > STUCK_AFTER:
            self._warn_once(
                'The notification bus has not answered for %d s: '
                'notifications wait in a queue of %d, newer ones are '
                'dropped once it is full'
                % (time.monotonic() - since, self._queue_size)
            )

    def _warn_once(self, message):
        if not self._warned:
            self._warned = True
            LOG.warning(message)


class _Emitter:
    """Emits now, or at the commit of the outermost ``transaction()``."""

    def __init__(self, inner, notifier):
        self._inner = inner
        self._notifier = notifier
        # Per thread: an importer's repository serves several threads.
        self._blocks = threading.local()
        self.context = inner.context

    @property
    def _pending(self):
        return getattr(self._blocks, 'pending', None)

    @_pending.setter
    def _pending(self, events):
        self._blocks.pending = events

    def __getattr__(self, name):
        return getattr(self._inner, name)

    @contextlib.contextmanager
    def transaction(self):
        if self._pending is not None:  # joins the outer block
            with self._inner.transaction():
                yield
            return
        self._pending = []
        try:
            with self._inner.transaction():
                yield
            committed = self._pending
        finally:
            self._pending = None
        for event in committed:
            self._emit(*event)

    def _emit(self, event_type, payload, priority='info'):
        if self._pending is not None:
            self._pending.append((event_type, payload, priority))
        else:
            self._notifier.send(self.context, event_type, payload, priority)


class NotifyingRepo(_Emitter):
    """An image repository that notifies what it changed (upstream's
    events, payload ``image_payload``).

    Reads and the lazy store layer's internal write notify nothing.
    """

    def add(self, values):
        image = self._inner.add(values)
        self._emit('image.create', image_payload(image))
        return image

    def save(self, image, original):
        saved = self._inner.save(image, original)
        self._emit('image.update', image_payload(saved))
        return saved

    def update(self, image_id, change, **kwargs):
        saved = self._inner.update(image_id, change, **kwargs)
        if saved is not None:
            self._emit('image.update', image_payload(saved))
        return saved

    def remove(self, image):
        removed = self._inner.remove(image)
        self._emit('image.delete', deleted_image_payload(removed or image))
        return removed

    def change_status(self, image, event, **changes):
        changed = self._inner.change_status(image, event, **changes)
        if changed is not image:
            for event_type in _STATUS_EVENTS.get(event, ('image.update',)):
                payload = image_payload(changed)
                if event_type == 'image.prepare':
                    payload.update(import_fields(changed))
                self._emit(event_type, payload)
        return changed

    def write_failed(self, image, error):
        """An upload or staging failed: the image goes back to queued
        (``image.update``) and, for an upload, ``image.upload`` is sent at
        ERROR priority with a message, as upstream."""
        changed = self._inner.write_failed(image, error)
        if changed is not image:
            self._emit('image.update', image_payload(changed))
        if image.status == 'saving':
            # After the image.update, at the commit of an enclosing block.
            self._emit(
                'image.upload',
                upload_failure_message(image.id, error),
                priority='error',
            )
        return changed

    def record_data(self, image, stored, hashing_algo):
        recorded = self._inner.record_data(image, stored, hashing_algo)
        self._emit(
            'image.upload',
            dict(image_payload(recorded), **import_fields(recorded)),
        )
        self._emit('image.activate', image_payload(recorded))
        return recorded

    def add_location(self, image, *args, **kwargs):
        changed = self._inner.add_location(image, *args, **kwargs)
        self._emit('image.update', image_payload(changed))
        if image.status != 'active' and changed.status == 'active':
            self._emit('image.activate', image_payload(changed))
        return changed

    def remove_location(self, image, location):
        changed = self._inner.remove_location(image, location)
        self._emit('image.update', image_payload(changed))
        return changed


class NotifyingTaskRepo(_Emitter):
    """A task repository that notifies task creation and status changes
    (``task.create``, ``task.run`` and ``task.processing``,
    ``task.success``, ``task.failure``)."""

    def add(self, values):
        task = self._inner.add(values)
        self._emit('task.create', task_payload(task))
        return task

    def update(self, task_id, values):
        task = self._inner.update(task_id, values)
        if 'status' in values and task is not None:
            for event_type in _TASK_EVENTS.get(values['status'], ()):
                self._emit(event_type, task_payload(task))
        return task


def metadef_event(notifier, context, event_type, payload):
    """Notify a committed metadata definition change (``metadef_*``)."""
    if notifier is not None:
        notifier.send(context, event_type, payload)


def member_event(notifier, context, event_type, member, deleted=False):
    """Notify a committed member change (``image.member.create``,
    ``.update`` or ``.delete``)."""
    if notifier is not None:
        notifier.send(context, event_type, member_payload(member, deleted))


def download_counter(notifier, context, image):
    """What wraps a download's body to notify ``image.send`` when the
    server closes it (nothing when the event is not sent)."""
    if notifier is None or not notifier.enabled('image.send'):
        return _NotCounted
    return _Counted(notifier, context, image)


class _NotCounted:
    @staticmethod
    def chunks(chunks):
        return chunks

    @staticmethod
    def file(file, length):
        return file


class _Counted:
    def __init__(self, notifier, context, image):
        self._sent = (notifier, context, image)

    def chunks(self, chunks):
        return SentChunks(*self._sent, chunks)

    def file(self, file, length):
        return SentFile(*self._sent, file, length)


class _Sent:
    """Counts the bytes of a download and notifies ``image.send`` once,
    when the server closes the response."""

    def __init__(self, notifier, context, image, source):
        self._notifier = notifier
        self._context = context
        self._image = image
        self._source = source
        self.bytes_sent = 0
        self._closed = False

    def _sent_bytes(self):
        return self.bytes_sent

    def close(self):
        if self._closed:
            return
        self._closed = True
        close = getattr(self._source, 'close', None)
        if close is not None:
            close()
        self._notifier.send(
            self._context,
            'image.send',
            send_payload(self._context, self._image, self._sent_bytes()),
        )


class SentChunks(_Sent):
    """A response body of ``chunks``: ``bytes_sent`` is what the server
    took of them."""

    def __iter__(self):
        for chunk in self._source:
            self.bytes_sent += len(chunk)
            yield chunk


class SentFile(_Sent):
    """A local file the server may send with sendfile (reading nothing
    through us): ``bytes_sent`` is then the ``length`` handed to it."""

    def __init__(self, notifier, context, image, source, length):
        super().__init__(notifier, context, image, source)
        self._length = length

    def read(self, size=-1):
        data = self._source.read(size)
        self.bytes_sent += len(data)
        return data

    def fileno(self):
        return self._source.fileno()

    def seek(self, *args):
        return self._source.seek(*args)

    def tell(self):
        return self._source.tell()

    def _sent_bytes(self):
        return self.bytes_sent or self._length
