"""Helpers shared by the drivers: chunked reads and upload hashing."""

import concurrent.futures
import hashlib

from glance_store import exceptions

# Writes use at least this chunk size: hashlib releases the GIL for large
# buffers, so big chunks let md5 and the multihash run on two cores and
# keep the per-chunk overhead small, while memory stays flat.
UPLOAD_CHUNK_SIZE = 1024 * 1024


def chunkiter(fp, chunk_size=65536):
    """Yield ``chunk_size`` reads from file-like ``fp`` until it is empty."""
    while True:
        chunk = fp.read(chunk_size)
        if not chunk:
            return
        yield chunk


def chunkreadable(iter_or_file, chunk_size=65536):
    """Iterate over a file-like object in chunks, or over an iterable."""
    if hasattr(iter_or_file, 'read'):
        return chunkiter(iter_or_file, chunk_size)
    return iter(iter_or_file)


class ClosingIterator:
    """Iterates over ``iterable`` and calls ``close`` once, at the end or
    when the consumer gives up early (``close()``)."""

    def __init__(self, iterable, close):
        self._iterable = iterable
        self._close = close

    def __iter__(self):
        try:
            yield from self._iterable
        finally:
            self.close()

    def close(self):
        if self._close is not None:
            close, self._close = self._close, None
            close()


def new_multihash(hashing_algo):
    try:
        return hashlib.new(hashing_algo)
    except (TypeError, ValueError):
        raise exceptions.UnknownHashingAlgo(algo=hashing_algo)


class HashingReader:
    """Reads image data while computing its md5 and multihash.

    md5 runs on a helper thread while the caller's thread computes the
    multihash and writes the previous chunk, so an upload costs about one
    hash, not two.

    With ``expected_size`` (the size the caller declared; 0 or None when
    unknown) more data than declared raises ``Invalid`` ("Size exceeds")
    before the chunk that goes past it is yielded, and less data raises
    ``Invalid`` ("Size mismatch") at the end: the driver's clean-up then
    removes what it wrote, so a truncated or padded image is never stored.
    """

    def __init__(
        self, image_file, hashing_algo, verifier=None, expected_size=None
    ):
        self._image_file = image_file
        self._expected_size = expected_size or None
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._multihash = new_multihash(hashing_algo)
        self._verifier = verifier
        self.bytes_read = 0

    @property
    def md5_hexdigest(self):
        return self._md5.hexdigest()

    @property
    def multihash_hexdigest(self):
        return self._multihash.hexdigest()

    def chunks(self, chunk_size=UPLOAD_CHUNK_SIZE):
        """Yield the data; digests are complete once this is exhausted."""
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        pending_md5 = None
        try:
            for chunk in chunkreadable(self._image_file, chunk_size):
                self._check_not_over(len(chunk))
                if pending_md5 is not None:
                    pending_md5.result()
                pending_md5 = pool.submit(self._md5.update, chunk)
                self._multihash.update(chunk)
                if self._verifier is not None:
                    self._verifier.update(chunk)
                self.bytes_read += len(chunk)
                yield chunk
            if pending_md5 is not None:
                pending_md5.result()
            self._check_complete()
        finally:
            pool.shutdown(wait=True)

    def _check_not_over(self, more):
        expected = self._expected_size
        if expected is not None and self.bytes_read + more > expected:
            raise exceptions.Invalid(
                message='Size exceeds: expected %d bytes, got %d bytes'
                % (expected, self.bytes_read + more)
            )

    def _check_complete(self):
        expected = self._expected_size
        if expected is not None and self.bytes_read != expected:
            raise exceptions.Invalid(
                message='Size mismatch: expected %d bytes, got %d bytes'
                % (expected, self.bytes_read)
            )
