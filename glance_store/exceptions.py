"""Exceptions raised by glance_store (upstream names and hierarchy).

Upstream's formatting contract: ``SomeError(message=None, **kwargs)``
%-formats ``message`` (the class's template when none is given) with the
keyword arguments, whose names are upstream's (``NotFound(image=...)``,
``BadStoreUri(uri=...)``); formatting never raises, and ``msg`` and
``str()`` give the result. The texts are ours.
"""

import urllib.parse


def _without_userinfo(url):
    """``url`` without the user name and password it may carry."""
    try:
        parts = urllib.parse.urlsplit(str(url))
    except ValueError:
        return '<unparsable URL>'
    netloc = parts.netloc.rpartition('@')[2]
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


class BackendException(Exception):
    """A backend failed in a way that is not described more precisely."""


class UnsupportedBackend(BackendException):
    """The requested backend is not available here."""


class RedirectException(Exception):
    """The backend answered with a redirect; ``url`` is the parsed target
    (``urllib.parse.urlparse``), as upstream."""

    def __init__(self, url):
        super().__init__(_without_userinfo(url))
        self.url = urllib.parse.urlparse(url)


class _Arguments(dict):
    # A template naming an argument the caller left out shows a '?'.
    def __missing__(self, key):
        return '?'


class GlanceStoreException(Exception):
    """Base of the store errors; ``message`` is a %-template of kwargs."""

    message = 'An unknown store error happened.'

    def __init__(self, message=None, **kwargs):
        template = message or self.message
        # As upstream: a caller's own message is formatted only when
        # arguments come with it (it may hold a literal '%').
        if kwargs or not message:
            try:
                message = template % _Arguments(kwargs)
            except (TypeError, ValueError):
                message = template
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
    message = 'No image data found for %(image)s.'


class UnknownHashingAlgo(GlanceStoreException):
    message = 'Hashing algorithm %(algo)s is not available.'


class UnknownScheme(GlanceStoreException):
    message = 'No store is configured for scheme "%(scheme)s".'


class BadStoreUri(GlanceStoreException):
    """``uri=`` (upstream's argument; shown without credentials) or
    ``reason=`` (ours: what is wrong)."""

    message = 'The location URL %(uri)s is not valid.'

    def __init__(self, message=None, **kwargs):
        if 'uri' in kwargs:
            kwargs['uri'] = _without_userinfo(kwargs['uri'])
        if not message and 'reason' in kwargs:
            message = 'The location URL is not valid: %(reason)s'
        super().__init__(message, **kwargs)


class Duplicate(GlanceStoreException):
    message = 'Image %(image)s is already stored.'


class StorageFull(GlanceStoreException):
    message = 'The store has no space left for the image.'


class StorageWriteDenied(GlanceStoreException):
    message = 'The store refused to write the image.'


class AuthBadRequest(GlanceStoreException):
    message = 'The authentication service at %(url)s rejected the request.'


class AuthUrlNotFound(GlanceStoreException):
    message = 'No authentication service at %(url)s.'


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
    """``driver_name=`` (upstream's argument) and ours, ``reason=``."""

    message = 'Could not load store driver %(driver_name)s.'

    def __init__(self, message=None, **kwargs):
        if not message and 'reason' in kwargs:
            message = 'Could not load store driver %(driver_name)s: %(reason)s'
        super().__init__(message, **kwargs)


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
    message = 'Host %(host)s is not initialized.'


# Shadows the builtin inside this module only; the name is upstream's.
class TimeoutError(GlanceStoreException):
    message = 'The store did not answer within %(timeout)s s.'
