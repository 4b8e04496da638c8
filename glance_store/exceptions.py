"""Exceptions raised by glance_store (upstream names and hierarchy)."""


class BackendException(Exception):
    """A backend failed in a way that is not described more precisely."""


class UnsupportedBackend(BackendException):
    """The requested backend is not available here."""


class RedirectException(Exception):
    """The backend answered with a redirect to ``url``."""

    def __init__(self, url):
        super().__init__(url)
        self.url = url


class GlanceStoreException(Exception):
    """Base of the store errors; ``message`` is a %-template of kwargs."""

    message = 'An unknown store error happened.'

    def __init__(self, message=None, **kwargs):
        if not message:
            try:
                message = self.message % kwargs
            except (KeyError, TypeError):
                # A caller forgot an argument: keep the bare template.
                message = self.message
        self.msg = message
        super().__init__(message)

    def __str__(self):
        return self.msg


class MissingCredentialError(GlanceStoreException):
    message = 'Credential %(required)s is missing.'


class BadAuthStrategy(GlanceStoreException):
    message = (
        'Expected auth strategy %(expected)s but the service gave '
        '%(received)s.'
    )


class AuthorizationRedirect(GlanceStoreException):
    message = 'Authorization redirected to %(uri)s.'


class NotFound(GlanceStoreException):
    message = 'No image data found: %(image)s.'


class UnknownHashingAlgo(GlanceStoreException):
    message = 'Hashing algorithm %(algo)s is not available.'


class UnknownScheme(GlanceStoreException):
    message = 'No store is configured for scheme "%(scheme)s".'


class BadStoreUri(GlanceStoreException):
    # Never put the URL itself here: it may hold credentials.
    message = 'The location URL is not valid: %(reason)s'


class Duplicate(GlanceStoreException):
    message = 'Image %(image)s is already stored.'


class StorageFull(GlanceStoreException):
    message = 'The store has no space left for the image.'


class StorageWriteDenied(GlanceStoreException):
    message = 'The store refused to write the image.'


class AuthBadRequest(GlanceStoreException):
    message = 'The authentication service rejected the request: %(response)s'


class AuthUrlNotFound(GlanceStoreException):
    message = 'The authentication service gave no URL.'


class AuthorizationFailure(GlanceStoreException):
    message = 'Authorization failed.'


class NotAuthenticated(GlanceStoreException):
    message = 'The request is not authenticated.'


class Forbidden(GlanceStoreException):
    message = 'The store forbids this operation.'


class Invalid(GlanceStoreException):
    message = 'The data is not valid.'


class BadStoreConfiguration(GlanceStoreException):
    message = 'Store %(store_name)s is misconfigured: %(reason)s'


class DriverLoadFailure(GlanceStoreException):
    message = 'Could not load store driver %(driver_name)s: %(reason)s'


class StoreDeleteNotSupported(GlanceStoreException):
    message = 'This store cannot delete image data.'


class StoreGetNotSupported(GlanceStoreException):
    message = 'This store cannot read image data.'


class StoreRandomGetNotSupported(StoreGetNotSupported):
    message = (
        'This store cannot read image data from offset %(offset)s in '
        'chunks of %(chunk_size)s.'
    )


class StoreAddDisabled(GlanceStoreException):
    message = 'Adding images is disabled for this store.'


class MaxRedirectsExceeded(GlanceStoreException):
    message = 'Gave up after %(redirects)s redirects.'


class NoServiceEndpoint(GlanceStoreException):
    message = 'No service endpoint answers to these filters.'


class RegionAmbiguity(GlanceStoreException):
    message = (
        'Several regions offer the service; set a region name to choose one.'
    )


class RemoteServiceUnavailable(GlanceStoreException):
    message = 'The remote service cannot be reached.'


class HasSnapshot(GlanceStoreException):
    message = 'The image has snapshots and cannot be deleted.'


class InUseByStore(GlanceStoreException):
    message = 'The image data is in use by the store and cannot be deleted.'


class HostNotInitialized(GlanceStoreException):
    message = 'The host is not initialized: %(reason)s'


# Shadows the builtin inside this module only; the name is upstream's.
class TimeoutError(GlanceStoreException):
    message = 'The store timed out: %(reason)s'
