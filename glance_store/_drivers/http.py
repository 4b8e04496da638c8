"""HTTP store: reads image data from any http(s) URL (read-only).

Credentials in a location URL are used for the request but never appear
in messages or logs.
"""

import urllib.parse

import requests
from oslo_config import cfg

from glance_store import capabilities
from glance_store import driver
from glance_store import exceptions
from glance_store import location
from glance_store.common import utils

_OPTIONS = [
    cfg.StrOpt(
        'https_ca_certificates_file',
        help='CA bundle used to verify https servers; when set, '
        'certificates are verified whatever https_insecure says.',
    ),
    cfg.BoolOpt(
        'https_insecure',
        default=True,
        help='Do not verify the certificates of https servers.',
    ),
    cfg.DictOpt(
        'http_proxy_information',
        default={},
        help='Proxies per scheme, as "http:<proxy url>,https:<proxy url>".',
    ),
]

SCHEMES = ('http', 'https')
MAX_REDIRECTS = 5
_REDIRECT_CODES = (301, 302, 303, 307, 308)
# (connect, read) seconds: a dead server must not hang a request forever.
_TIMEOUT = (10, 60)


def redact(url):
    """``url`` without user name and password."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc.rpartition('@')[2]
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


class StoreLocation(location.StoreLocation):
    """``http(s)://[user:password@]host[:port]/path[?query]``."""

    def process_specs(self):
        self.url = self.specs.get('url')

    def get_uri(self):
        return self.url

    def parse_uri(self, uri):
        self.validate_schemas(uri, ['%s://' % s for s in SCHEMES])
        parts = urllib.parse.urlsplit(uri)
        if not parts.hostname:
            raise exceptions.BadStoreUri(reason='the URL names no host')
        self.url = uri


class Store(driver.Store):
    _CAPABILITIES = (
        capabilities.BitMasks.READ_RANDOM
        | capabilities.BitMasks.DRIVER_REUSABLE
    )
    OPTIONS = _OPTIONS
    READ_CHUNKSIZE = 1024 * 1024

    _session = None

    def get_schemes(self):
        return SCHEMES

    def configure_add(self):
        if self.backend_group:
            # Upstream's bare scheme, which is also a prefix of https URLs.
            self._url_prefix = 'http'

    @property
    def url_prefixes(self):
        return ('http://', 'https://') if self.backend_group else ()

    def _new_session(self):
        session = requests.Session()
        ca_file = self.option('https_ca_certificates_file')
        session.verify = ca_file or not self.option('https_insecure')
        session.proxies = dict(self.option('http_proxy_information'))
        return session

    def _request(self, method, url, headers=None):
        """The response to ``method url`` after following redirects."""
        if self._session is None:
            self._session = self._new_session()
        for _ in range(MAX_REDIRECTS + 1):
            response = self._send(method, url, headers)
            if response.status_code not in _REDIRECT_CODES:
                _raise_for_status(response, url)
                return response
            response.close()
            target = response.headers.get('Location')
            if not target:
                raise exceptions.BadStoreUri(
                    reason='redirect from %s without a Location' % redact(url)
                )
            url = urllib.parse.urljoin(url, target)
            if urllib.parse.urlsplit(url).scheme not in SCHEMES:
                raise exceptions.BadStoreUri(
                    reason='redirect to a URL that is not http(s)'
                )
        raise exceptions.MaxRedirectsExceeded(redirects=MAX_REDIRECTS)

    def _send(self, method, url, headers):
        try:
            return self._session.request(
                method,
                url,
                headers=headers,
                stream=True,
                allow_redirects=False,
                timeout=_TIMEOUT,
            )
        except (requests.ConnectionError, requests.Timeout) as e:
            # The exception text can embed the URL: name only the host.
            raise exceptions.RemoteServiceUnavailable(
                message='HTTP store cannot reach %s (%s).'
                % (urllib.parse.urlsplit(url).hostname, type(e).__name__)
            )

    @capabilities.check
    def get(self, location, offset=0, chunk_size=None, context=None):
        url = location.store_location.get_uri()
        headers = None
        if offset or chunk_size:
            last = '' if not chunk_size else str(offset + chunk_size - 1)
            headers = {'Range': 'bytes=%d-%s' % (offset, last)}
        response = self._request('GET', url, headers)
        if response.status_code == 416:
            # Offset at or past the end: nothing to read.
            response.close()
            return utils.ClosingIterator((), None), 0
        size = int(response.headers.get('Content-Length', 0))
        chunks = response.iter_content(self.READ_CHUNKSIZE)
        if headers and response.status_code == 200:
            # The server ignored Range: cut the slice out of the whole body.
            size = max(0, size - offset)
            size = min(size, chunk_size) if chunk_size else size
            chunks = _slice(chunks, offset, size)
        return utils.ClosingIterator(chunks, response.close), size

    def get_size(self, location, context=None):
        url = location.store_location.get_uri()
        # A server that cannot be reached is RemoteServiceUnavailable here
        # too (upstream: BadStoreUri, a 400 for a passing outage).
        response = self._request('HEAD', url)
        response.close()
        return int(response.headers.get('Content-Length', 0))


def _raise_for_status(response, url):
    """NotFound for 404 and 410; BadStoreUri (as upstream: glance answers
    400 "Invalid location") for every other error status."""
    status = response.status_code
    if status < 400 or status == 416:
        return
    response.close()
    if status in (404, 410):
        raise exceptions.NotFound(image=redact(url))
    raise exceptions.BadStoreUri(
        message='The location URL is not valid: HTTP %d from %s.'
        % (status, redact(url))
    )


def _slice(chunks, offset, size):
    """``size`` bytes of ``chunks`` starting at ``offset``."""
    for chunk in chunks:
        if offset >= len(chunk):
            offset -= len(chunk)
            continue
        chunk = chunk[offset : offset + size]
        offset = 0
        size -= len(chunk)
        yield chunk
        if size <= 0:
            return
