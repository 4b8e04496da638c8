"""Location URL encryption with ``metadata_encryption_key``, in upstream
Glance's format, so either can read what the other wrote.

Stored text: URL-safe base64 of ``iv + AES-CBC(key, iv, padded)``, with a
random 16-byte ``iv``; ``padded`` is the UTF-8 plaintext, one zero byte,
then random non-zero bytes up to the next multiple of the block size
(always at least the zero byte). Reading takes the text before the last
zero byte.
"""

import base64
import os
import secrets

from cryptography.hazmat.primitives.ciphers import Cipher
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.ciphers import modes

BLOCK = 16


def _cipher(key, iv):
    return Cipher(algorithms.AES(key.encode('utf-8')), modes.CBC(iv))


def urlsafe_encrypt(key, plaintext):
    text = plaintext.encode('utf-8')
    filler = BLOCK - len(text) % BLOCK - 1
    padded = (
        text + b'\0' + bytes(secrets.randbelow(255) + 1 for _ in range(filler))
    )
    iv = os.urandom(BLOCK)
    encryptor = _cipher(key, iv).encryptor()
    sealed = encryptor.update(padded) + encryptor.finalize()
    return base64.urlsafe_b64encode(iv + sealed).decode('ascii')


def urlsafe_decrypt(key, ciphertext):
    """The plaintext; ValueError when ``ciphertext`` is not ours to read
    (not base64, wrong length, or no separator: another key or no
    encryption at all)."""
    try:
        raw = base64.b64decode(
            ciphertext.encode('ascii'), altchars=b'-_', validate=True
        )
    except (ValueError, UnicodeEncodeError) as error:
        raise ValueError('not an encrypted value: %s' % error) from None
    if len(raw) < 2 * BLOCK or len(raw) % BLOCK:
        raise ValueError('not an encrypted value')
    decryptor = _cipher(key, raw[:BLOCK]).decryptor()
    padded = decryptor.update(raw[BLOCK:]) + decryptor.finalize()
    end = padded.rfind(b'\0')
    if end < 0:
        raise ValueError('not an encrypted value')
    return padded[:end].decode('utf-8')
