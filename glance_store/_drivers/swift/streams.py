"""Byte streams of the swift driver: uploads cut into segments of exact
lengths, and downloads resumed where they broke."""

import http.client
import logging

import requests
import urllib3

from glance_store import exceptions

LOG = logging.getLogger(__name__)

# What a broken connection raises while a body is read.
STREAM_ERRORS = (
    OSError,
    http.client.HTTPException,
    requests.RequestException,
    urllib3.exceptions.HTTPError,
)


class Stream:
    """File-like reads over an iterator of byte chunks; ``error`` keeps
    what the source raised (swiftclient would report it as its own)."""

    def __init__(self, chunks):
        self._chunks = chunks
        self._buffer = b''
        self.error = None

    def at_end(self):
        while not self._buffer:
            try:
                chunk = next(self._chunks, None)
            except BaseException as e:
                self.error = e
                raise
            if chunk is None:
                return True
            self._buffer = chunk
        return False

    def read(self, size):
        if self.at_end():
            return b''
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


class Segment:
    """At most ``length`` bytes of a ``_Stream``; with ``exact``, the
    stream ending sooner is an error rather than a short segment (a PUT
    that declared the length must not end early)."""

    def __init__(self, stream, length, exact):
        self._stream = stream
        self._left = length
        self._exact = exact
        self.bytes_read = 0

    def read(self, size=-1):
        if size is None or size < 0:
            size = self._left
        data = self._stream.read(min(size, self._left)) if self._left else b''
        if not data and self._left and self._exact:
            self._stream.error = OSError(
                'image data ended %d bytes early' % self._left
            )
            raise self._stream.error
        self._left -= len(data)
        self.bytes_read += len(data)
        return data


class ResumingBody:
    """Chunks of a GET that is resumed where it broke, ``retries`` times."""

    def __init__(self, reopen, name, store, body, start, length, retries):
        self._reopen = reopen
        self._name = name
        self._store = store
        self._body = body
        self._start = start
        self._length = length
        self._retries = retries

    def __iter__(self):
        done = 0
        attempts = 0
        try:
            while True:
                try:
                    for chunk in self._body:
                        done += len(chunk)
                        yield chunk
                    if done >= self._length:
                        return
                    error = 'ended early'
                except STREAM_ERRORS as e:
                    error = type(e).__name__
                if attempts >= self._retries:
                    raise exceptions.RemoteServiceUnavailable(
                        message='Download of %s from store %s broke at byte '
                        '%d of %d (%s)'
                        % (
                            self._name,
                            self._store,
                            done,
                            self._length,
                            error,
                        )
                    ) from None
                attempts += 1
                LOG.warning(
                    'Download of %s broke at byte %d (%s); resuming '
                    '(attempt %d of %d)',
                    self._name,
                    done,
                    error,
                    attempts,
                    self._retries,
                )
                self._body.close()
                self._body = self._reopen(
                    self._start + done, self._start + self._length - 1
                )
        finally:
            self.close()

    def close(self):
        self._body.close()
