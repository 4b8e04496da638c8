"""glance.crypt against values upstream Glance 33 wrote.

The ciphertexts below were produced by upstream's
``glance.common.crypt.urlsafe_encrypt`` (glance 33.0.0) with these keys.
"""

import testtools

from glance import crypt

UPSTREAM_WROTE = [
    (
        '0123456789abcdef',
        'file:///var/lib/glance/images/0a1b2c3d',
        'eItVMs6yMu3vfbBcTWMroeNaU2MlrBe2nAPktgwJbAnEJdu-Q3s7hgw9GOSAP7HG'
        'qgED6SSnXF1i4iWR7r3dAg==',
    ),
    (
        '0123456789abcdef01234567',
        'rbd://fsid/images/abc/snap',
        'ibphe0kbSSJcCFNyo2LOeilpzOFoWgZLND2N7F3bxv6e-CkDi4Uq9wIjzWz8tqoE',
    ),
    (
        '0123456789abcdef0123456789abcdef',
        's3://host/bucket/' + 'x' * 15,
        '2JYw17Trc7GlTZJS8-fw7KOOsoO9Igpy7JueeC61JkVpiEx6Ftez7X7iI0GADHBd'
        'Rz1Enp7pOtwXmoIdHa8UJw==',
    ),
]


class CryptTest(testtools.TestCase):
    def test_reads_what_upstream_wrote(self):
        for key, url, stored in UPSTREAM_WROTE:
            self.assertEqual(url, crypt.urlsafe_decrypt(key, stored))

    def test_round_trip_at_every_padding_length(self):
        key = 'k' * 32
        for length in range(0, 40):
            url = 'file:///d/' + 'é' * length
            stored = crypt.urlsafe_encrypt(key, url)
            self.assertEqual(url, crypt.urlsafe_decrypt(key, stored))
            # Upstream's layout: iv, then whole blocks, URL-safe base64.
            self.assertNotIn('/', stored)
            self.assertNotIn('+', stored)

    def test_fresh_iv_each_time(self):
        key = 'k' * 16
        self.assertNotEqual(
            crypt.urlsafe_encrypt(key, 'file:///a'),
            crypt.urlsafe_encrypt(key, 'file:///a'),
        )

    def test_plain_url_is_not_ciphertext(self):
        for value in ('file:///var/lib/glance/images/x', 'abc', ''):
            self.assertRaises(
                ValueError, crypt.urlsafe_decrypt, 'k' * 16, value
            )
