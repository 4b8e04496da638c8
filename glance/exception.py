"""Domain exceptions of the Image service.

Nothing here knows about HTTP: the API layer maps these to status codes.
"""


class GlanceException(Exception):
    """Base class; ``msg_fmt`` is %-formatted with the keyword arguments."""

    msg_fmt = 'An unknown exception occurred'

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            try:
                message = self.msg_fmt % kwargs
            except (KeyError, TypeError, ValueError):
                message = self.msg_fmt
        self.msg = str(message)
        super().__init__(self.msg)


class NotFound(GlanceException):
    msg_fmt = 'An object with the specified identifier was not found.'


class ImageNotFound(NotFound):
    msg_fmt = 'No image found with ID %(image_id)s'


class MemberNotFound(NotFound):
    msg_fmt = 'Member %(member)s not found for image %(image_id)s'


class TaskNotFound(NotFound):
    msg_fmt = 'Task with the given id %(task_id)s was not found'


class LocationNotFound(NotFound):
    msg_fmt = 'Location %(location_id)s not found'


class Forbidden(GlanceException):
    msg_fmt = 'You are not authorized to complete this action.'


class Conflict(GlanceException):
    """A concurrent change won a race; the caller may re-read and retry."""

    msg_fmt = 'The resource was changed concurrently; retry the request.'


class Duplicate(GlanceException):
    msg_fmt = 'An object with the same identifier already exists.'


class Invalid(GlanceException):
    msg_fmt = 'Data supplied was not valid.'


class InvalidFilter(Invalid):
    msg_fmt = 'Invalid filter: %(reason)s'


class InvalidSortKey(Invalid):
    msg_fmt = 'Sort key %(key)s is not supported'


class InvalidImageData(GlanceException):
    """Image data refused for what it is: unsafe, or not its disk_format
    (415, as upstream)."""

    msg_fmt = 'Image data is not acceptable.'


class ImageSizeLimitExceeded(GlanceException):
    msg_fmt = 'The provided image is too large.'


class RequestBodyTimeout(GlanceException):
    """The client stopped sending the request body, or sent it too slowly."""

    msg_fmt = 'The request body was not received in time: %(reason)s'


class ReservedProperty(Forbidden):
    msg_fmt = "Attribute '%(property)s' is reserved."


class ProtectedImageDelete(Forbidden):
    msg_fmt = 'Image %(image_id)s is protected and cannot be deleted.'


class UnknownDatabaseState(GlanceException):
    msg_fmt = (
        'The database is in a state this release does not know: %(reason)s'
    )


class InvalidLocation(Invalid):
    # Location URLs may carry credentials: callers pass a redacted form.
    msg_fmt = 'Invalid location: %(url)s'


class UnknownStore(Invalid):
    msg_fmt = 'Store %(store_id)s is not available on this deployment.'


class StoreFull(GlanceException):
    msg_fmt = 'Store %(store_id)s has no space left for this image.'


class StoreUnavailable(GlanceException):
    msg_fmt = 'The store holding the image data is unavailable: %(reason)s'


class ImageGone(GlanceException):
    msg_fmt = (
        'Image %(image_id)s could not be found after upload. The image may '
        'have been deleted during the upload.'
    )


class StoreForbidden(Forbidden):
    msg_fmt = (
        'Store %(store_id)s refused access to the image data (check the '
        "permissions of the store's data)."
    )


class StoreDataInUse(Conflict):
    msg_fmt = (
        'The image data in store %(store_id)s is in use and cannot be deleted.'
    )


class ImageDataNotFound(NotFound):
    msg_fmt = 'Image data not found in store %(store_id)s.'


class MetadefNamespaceNotFound(NotFound):
    msg_fmt = 'Metadata definition namespace %(namespace)s not found'
