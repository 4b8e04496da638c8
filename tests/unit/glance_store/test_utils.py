"""Chunked reads and upload hashing helpers."""

import hashlib
import io

import testtools

from glance_store import exceptions
from glance_store.common import utils

DATA = bytes(range(256)) * 10000


class RecordingVerifier:
    def __init__(self):
        self.seen = b''

    def update(self, chunk):
        self.seen += chunk


class TestHashingReader(testtools.TestCase):
    def test_digests_of_a_file(self):
        verifier = RecordingVerifier()
        reader = utils.HashingReader(io.BytesIO(DATA), 'sha512', verifier)
        chunks = list(reader.chunks(100000))
        self.assertEqual([100000] * 25 + [60000], [len(c) for c in chunks])
        self.assertEqual(DATA, b''.join(chunks))
        self.assertEqual(len(DATA), reader.bytes_read)
        self.assertEqual(hashlib.md5(DATA).hexdigest(), reader.md5_hexdigest)
        self.assertEqual(
            hashlib.sha512(DATA).hexdigest(), reader.multihash_hexdigest
        )
        self.assertEqual(DATA, verifier.seen)

    def test_digests_of_an_iterable(self):
        reader = utils.HashingReader(iter([b'ab', b'', b'c']), 'sha256')
        self.assertEqual(b'abc', b''.join(reader.chunks()))
        self.assertEqual(
            hashlib.sha256(b'abc').hexdigest(), reader.multihash_hexdigest
        )

    def test_empty_input(self):
        reader = utils.HashingReader(io.BytesIO(b''), 'sha512')
        self.assertEqual([], list(reader.chunks()))
        self.assertEqual(hashlib.md5(b'').hexdigest(), reader.md5_hexdigest)

    def test_unknown_algorithm(self):
        self.assertRaises(
            exceptions.UnknownHashingAlgo,
            utils.HashingReader,
            io.BytesIO(b''),
            'nope',
        )


class TestClosingIterator(testtools.TestCase):
    def test_closes_once_at_the_end(self):
        closed = []
        iterator = utils.ClosingIterator(
            [b'a', b'b'], lambda: closed.append(1)
        )
        self.assertEqual([b'a', b'b'], list(iterator))
        iterator.close()
        self.assertEqual([1], closed)

    def test_close_before_iterating(self):
        closed = []
        utils.ClosingIterator([b'a'], lambda: closed.append(1)).close()
        self.assertEqual([1], closed)

    def test_chunkiter(self):
        self.assertEqual(
            [b'abc', b'de'], list(utils.chunkiter(io.BytesIO(b'abcde'), 3))
        )
