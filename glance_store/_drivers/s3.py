"""Store image data as objects in an S3 bucket (boto3).

Location URLs are upstream's ``s3://<host>/<bucket>/<key>``
(``s3+https://`` when ``s3_store_host`` starts with ``https://``): the
transport of the endpoint comes from the store's configuration, not from
the URL. They never carry credentials: the access and secret keys always
come from the configuration. Also read: ``s3+http://`` URLs written by
earlier versions of ours, and legacy URLs written by upstream glance_store,
``s3://<access>:<secret>@<host>/<bucket>/<key>`` (credentials ignored).

boto3 is imported when available: without it the store's options still
register and the store is read-only with the reason logged, so boto3 is
needed only where an s3 store is configured.
"""

import collections
import concurrent.futures
import contextlib
import functools
import itertools
import logging

from oslo_config import cfg

from glance_store import capabilities
from glance_store import driver
from glance_store import exceptions
from glance_store import location
from glance_store.common import utils

try:
    import boto3
    import botocore.config
    import botocore.exceptions
except ImportError:  # only s3 stores need boto3
    boto3 = botocore = None

LOG = logging.getLogger(__name__)

MiB = 1024 * 1024
# S3 refuses multipart parts smaller than this (except the last one).
MIN_PART_SIZE_MB = 5

SCHEMES = ('s3', 's3+http', 's3+https')
# How the scheme of a location reflects the scheme of s3_store_host (as
# upstream: only https shows). Earlier versions of ours wrote s3+http for
# http hosts; those URLs stay readable and the store still claims them.
_SCHEME_OF_HOST = {'https://': 's3+https', 'http://': 's3'}
_FORMER_SCHEME_OF_HOST = {'http://': 's3+http'}
_BARE_HOST_SCHEME = 's3'
# Both off: what S3-compatible services without the newer integrity
# checksums (botocore >= 1.36 sends them by default) accept.
_CHECKSUM_WHEN_REQUIRED = 'when_required'

# Fail fast when the endpoint is down instead of botocore's 60 s
# connect timeout and 5 attempts.
_CLIENT_CONFIG = {
    'connect_timeout': 10,
    'retries': {'mode': 'standard', 'total_max_attempts': 3},
}

_NOT_FOUND_CODES = frozenset({'404', 'NoSuchKey', 'NoSuchBucket', 'NotFound'})
_DENIED_CODES = frozenset(
    {
        '403',
        'AccessDenied',
        'Forbidden',
        'InvalidAccessKeyId',
        'SignatureDoesNotMatch',
    }
)

OPTIONS = [
    cfg.StrOpt(
        's3_store_host',
        help='Address of the S3 service, with or without "http://" or '
        '"https://" (https is used when no scheme is given), e.g. '
        '"https://s3.example.com" or "127.0.0.1:9000".',
    ),
    cfg.StrOpt(
        's3_store_region_name',
        default='',
        help='Region of the S3 service; empty lets boto3 choose.',
    ),
    cfg.StrOpt(
        's3_store_access_key',
        secret=True,
        help='Access key of the S3 account that owns the bucket.',
    ),
    cfg.StrOpt(
        's3_store_secret_key',
        secret=True,
        help='Secret key of the S3 account that owns the bucket.',
    ),
    cfg.StrOpt(
        's3_store_bucket',
        help='Bucket in which new images are stored.',
    ),
    cfg.BoolOpt(
        's3_store_create_bucket_on_put',
        default=False,
        help='Create the bucket on the first upload when it is missing.',
    ),
    cfg.StrOpt(
        's3_store_bucket_url_format',
        default='auto',
        choices=('auto', 'path', 'virtual'),
        help='How the bucket is addressed: in the path '
        '(https://host/bucket), as a virtual host '
        '(https://bucket.host) or chosen by boto3 (auto).',
    ),
    cfg.IntOpt(
        's3_store_large_object_size',
        default=100,
        help='Images of at least this many MB are uploaded in parts '
        '(multipart upload); smaller ones in one request. 0 uploads every '
        'image (but an empty one) in parts.',
    ),
    cfg.IntOpt(
        's3_store_large_object_chunk_size',
        default=10,
        help='Size in MB of each part of a multipart upload (at least %d).'
        % MIN_PART_SIZE_MB,
    ),
    cfg.IntOpt(
        's3_store_thread_pools',
        default=10,
        help='How many parts of one image are uploaded in parallel.',
    ),
    cfg.StrOpt(
        's3_store_cacert',
        default='',
        help='CA bundle used to verify the S3 service certificate; empty '
        'uses the system bundle.',
    ),
    cfg.BoolOpt(
        's3_store_enable_data_integrity_protection',
        default=False,
        help='Use the checksums of S3 data integrity protection as the two '
        'options below say. Off (the default), checksums are computed and '
        'validated only where an operation requires them, which is what '
        'S3-compatible services lacking that protection accept (uploads to '
        'them fail with the checksums botocore adds by default).',
    ),
    cfg.StrOpt(
        's3_store_request_checksum_calculation',
        default=_CHECKSUM_WHEN_REQUIRED,
        choices=(_CHECKSUM_WHEN_REQUIRED, 'when_supported'),
        help='When uploads carry a checksum: "when_required" by the '
        'operation, or "when_supported" by it. Used only with '
        's3_store_enable_data_integrity_protection.',
    ),
    cfg.StrOpt(
        's3_store_response_checksum_validation',
        default=_CHECKSUM_WHEN_REQUIRED,
        choices=(_CHECKSUM_WHEN_REQUIRED, 'when_supported'),
        help='When downloads are checked against a checksum: '
        '"when_required" by the operation, or "when_supported" by it. Used '
        'only with s3_store_enable_data_integrity_protection.',
    ),
]


def _split_host(host):
    """``'https://h/p/'`` -> ``('s3+https', 'h/p', ())``: the scheme of new
    locations, the host, the schemes earlier versions of ours wrote."""
    for prefix, scheme in _SCHEME_OF_HOST.items():
        if host.startswith(prefix):
            former = _FORMER_SCHEME_OF_HOST.get(prefix)
            return (
                scheme,
                host[len(prefix) :].strip('/'),
                (former,) if former else (),
            )
    return _BARE_HOST_SCHEME, host.strip('/'), ()


class StoreLocation(location.StoreLocation):
    """``<scheme>://<host>/<bucket>/<key>``; ``host`` may carry a path."""

    def process_specs(self):
        self.scheme = self.specs.get('scheme', _BARE_HOST_SCHEME)
        self.host = self.specs.get('host')
        self.bucket = self.specs.get('bucket')
        self.key = self.specs.get('key')

    def get_uri(self):
        return '%s://%s/%s/%s' % (
            self.scheme,
            self.host,
            self.bucket,
            self.key,
        )

    def parse_uri(self, uri):
        self.validate_schemas(uri, [scheme + '://' for scheme in SCHEMES])
        self.scheme, rest = uri.split('://', 1)
        # Legacy URLs start with "<access>:<secret>@"; a secret may hold
        # "/" (never "@"), so everything up to the last "@" is dropped.
        rest = rest.rpartition('@')[2]
        parts = rest.split('/')
        if len(parts) < 3 or not all(parts[-3:]):
            raise exceptions.BadStoreUri(
                reason='expected %s://<host>/<bucket>/<key>' % self.scheme
            )
        self.key = parts.pop()
        self.bucket = parts.pop()
        self.host = '/'.join(parts)


class Store(driver.Store):
    """Images are objects named after the image id in one bucket."""

    # Ranged GETs make offset and chunked reads native. Not reusable (as
    # upstream): a new instance is configured for each request.
    _CAPABILITIES = (
        capabilities.BitMasks.RW_ACCESS | capabilities.BitMasks.READ_RANDOM
    )
    OPTIONS = OPTIONS
    READ_CHUNKSIZE = 64 * 1024

    def get_schemes(self):
        return SCHEMES

    _former_bucket_urls = ()

    @property
    def url_prefixes(self):
        if not self._url_prefix:
            return ()
        return (self._url_prefix,) + self._former_bucket_urls

    # Upstream's attributes, in bytes (its glance shows them in
    # /v2/info/stores/detail).

    @property
    def s3_store_large_object_size(self):
        return self.option('s3_store_large_object_size') * MiB

    @property
    def s3_store_large_object_chunk_size(self):
        return self.option('s3_store_large_object_chunk_size') * MiB

    @property
    def s3_store_thread_pools(self):
        return self.option('s3_store_thread_pools')

    def configure_add(self):
        """Check the options uploads need; record the URL prefix."""
        if boto3 is None:
            raise self._bad_config('boto3 is not installed')
        # The URL prefix first, so that a bad option below still leaves a
        # read-only store that claims its locations.
        scheme, host, former = _split_host(self._required('s3_store_host'))
        self.bucket = self._required('s3_store_bucket')
        # Every location this store writes starts with this URL.
        self.bucket_url = '%s://%s/%s' % (scheme, host, self.bucket)
        if self.backend_group:
            self._url_prefix = self.bucket_url
            self._former_bucket_urls = tuple(
                '%s://%s/%s' % (s, host, self.bucket) for s in former
            )
        # Building the client checks the host and credentials.
        try:
            LOG.debug(
                'Store %s uses S3 at %s',
                self.group_name,
                self._client.meta.endpoint_url,
            )
        except exceptions.BackendException as e:
            # As upstream: a region botocore refuses does not stop the
            # store (or glance-api); its requests fail, saying why.
            LOG.error('%s', e)
        self.large_object_size = self._megabytes(
            's3_store_large_object_size', minimum=0
        )
        self.part_size = self._megabytes(
            's3_store_large_object_chunk_size', minimum=MIN_PART_SIZE_MB
        )
        self.thread_pools = self.option('s3_store_thread_pools')
        if self.thread_pools < 1:
            raise self._bad_config('s3_store_thread_pools must be at least 1')
        self.create_bucket_on_put = self.option(
            's3_store_create_bucket_on_put'
        )

    def _bad_config(self, reason):
        return exceptions.BadStoreConfiguration(
            store_name=self.backend_group or 's3', reason=reason
        )

    def _required(self, name):
        value = self.option(name)
        if not value:
            raise self._bad_config('%s is not set' % name)
        return value

    def _megabytes(self, name, minimum=1):
        value = self.option(name)
        if value < minimum:
            raise self._bad_config('%s must be at least %d' % (name, minimum))
        return value * MiB

    def _checksum_modes(self):
        """(request calculation, response validation) for botocore."""
        if not self.option('s3_store_enable_data_integrity_protection'):
            return _CHECKSUM_WHEN_REQUIRED, _CHECKSUM_WHEN_REQUIRED
        return (
            self.option('s3_store_request_checksum_calculation'),
            self.option('s3_store_response_checksum_validation'),
        )

    @functools.cached_property
    def _client(self):
        """The boto3 client; not cached while creating it fails."""
        if boto3 is None:
            raise exceptions.BackendException(
                'Store %s needs boto3, which is not installed'
                % self.group_name
            )
        host = self._required('s3_store_host')
        if not host.startswith(tuple(_SCHEME_OF_HOST)):
            host = 'https://' + host
        request_checksum, response_checksum = self._checksum_modes()
        config = botocore.config.Config(
            s3={'addressing_style': self.option('s3_store_bucket_url_format')},
            request_checksum_calculation=request_checksum,
            response_checksum_validation=response_checksum,
            **_CLIENT_CONFIG,
        )
        try:
            return boto3.session.Session().client(
                's3',
                endpoint_url=host,
                region_name=self.option('s3_store_region_name') or None,
                aws_access_key_id=self._required('s3_store_access_key'),
                aws_secret_access_key=self._required('s3_store_secret_key'),
                verify=self.option('s3_store_cacert') or None,
                config=config,
            )
        except botocore.exceptions.InvalidRegionError:
            raise exceptions.BackendException(
                'Store %s cannot reach S3: botocore refuses '
                's3_store_region_name %r'
                % (self.group_name, self.option('s3_store_region_name'))
            ) from None
        except ValueError as e:
            # botocore's "Invalid endpoint: <host>" names no secret.
            raise self._bad_config('s3_store_host: %s' % e) from None

    @contextlib.contextmanager
    def _s3_errors(self, what):
        """Turn boto errors into glance_store ones, naming no credential."""
        if botocore is None:  # no client, so no boto error either
            yield
            return
        try:
            yield
        except botocore.exceptions.ClientError as e:
            code = _error_code(e)
            if code in _NOT_FOUND_CODES:
                raise exceptions.NotFound(image=what) from None
            if code in _DENIED_CODES:
                reason = 'S3 refused the credentials of store %s' % (
                    self.group_name
                )
            else:
                reason = 'S3 request for %s failed' % what
            # The error response may echo the request (and the access
            # key), so only its code is kept and the chain is cut.
            raise exceptions.BackendException(
                '%s (%s)' % (reason, code)
            ) from None
        except (
            botocore.exceptions.ConnectionError,
            botocore.exceptions.HTTPClientError,
        ) as e:
            raise exceptions.RemoteServiceUnavailable(
                message='S3 service of store %s cannot be reached: %s'
                % (self.group_name, type(e).__name__)
            ) from e

    @capabilities.check
    def get(self, location, offset=0, chunk_size=None, context=None):
        loc = location.store_location
        request = {'Bucket': loc.bucket, 'Key': loc.key}
        if offset or chunk_size:
            end = offset + chunk_size - 1 if chunk_size else ''
            request['Range'] = 'bytes=%d-%s' % (offset, end)
        with self._s3_errors(loc.key):
            response = self._client.get_object(**request)
        return self._iter_body(response['Body'], loc.key), response[
            'ContentLength'
        ]

    def _iter_body(self, body, key):
        with contextlib.closing(body), self._s3_errors(key):
            yield from body.iter_chunks(self.READ_CHUNKSIZE)

    def get_size(self, location, context=None):
        loc = location.store_location
        with self._s3_errors(loc.key):
            head = self._client.head_object(Bucket=loc.bucket, Key=loc.key)
        return head['ContentLength']

    @capabilities.check
    def delete(self, location, context=None):
        loc = location.store_location
        with self._s3_errors(loc.key):
            # S3 deletes absent keys silently; callers expect NotFound.
            self._client.head_object(Bucket=loc.bucket, Key=loc.key)
            self._client.delete_object(Bucket=loc.bucket, Key=loc.key)

    @driver.back_compat_add
    @capabilities.check
    def add(
        self,
        image_id,
        image_file,
        image_size,
        hashing_algo,
        context=None,
        verifier=None,
    ):
        with self._s3_errors(image_id):
            self._ensure_bucket()
            if self._found(
                self._client.head_object, Bucket=self.bucket, Key=image_id
            ):
                raise exceptions.Duplicate(image=image_id)
        reader = utils.HashingReader(
            image_file, hashing_algo, verifier, expected_size=image_size
        )
        parts = _regroup(reader.chunks(), self.part_size)
        # At least one part, to tell an empty image from a multipart one.
        head = _take_until(parts, max(self.large_object_size, 1))
        with self._s3_errors(image_id):
            # With s3_store_large_object_size = 0 every image is uploaded
            # in parts, but an empty one (a multipart upload needs a part).
            if not head or sum(map(len, head)) < self.large_object_size:
                self._client.put_object(
                    Bucket=self.bucket, Key=image_id, Body=b''.join(head)
                )
            else:
                self._multipart_upload(image_id, head, parts)
        uri = '%s/%s' % (self.bucket_url, image_id)
        metadata = {'store': self.backend_group} if self.backend_group else {}
        return (
            uri,
            reader.bytes_read,
            reader.md5_hexdigest,
            reader.multihash_hexdigest,
            metadata,
        )

    def discard_partial(self, image_id):
        """Abort the multipart uploads of ``image_id`` that an add killed
        mid-write left: S3 keeps (and bills) their parts until then. A
        single-request upload leaves nothing partial."""
        try:
            with self._s3_errors(image_id):
                listing = self._client.list_multipart_uploads(
                    Bucket=self.bucket, Prefix=image_id
                )
        except exceptions.NotFound:
            return  # no bucket: nothing was written
        for upload in listing.get('Uploads', []):
            if upload['Key'] == image_id:
                with self._s3_errors(image_id):
                    self._client.abort_multipart_upload(
                        Bucket=self.bucket,
                        Key=image_id,
                        UploadId=upload['UploadId'],
                    )

    def _found(self, head_request, **request):
        """Run a HEAD request; False when S3 answers that nothing is there."""
        try:
            head_request(**request)
            return True
        except botocore.exceptions.ClientError as e:
            if _error_code(e) in _NOT_FOUND_CODES:
                return False
            raise

    def _ensure_bucket(self):
        if self._found(self._client.head_bucket, Bucket=self.bucket):
            return
        if not self.create_bucket_on_put:
            raise exceptions.BackendException(
                'Bucket %s of store %s does not exist; create it or set '
                's3_store_create_bucket_on_put'
                % (self.bucket, self.group_name)
            )
        request = {'Bucket': self.bucket}
        region = self.option('s3_store_region_name')
        # us-east-1 is the one region S3 refuses as a location constraint.
        if region and region != 'us-east-1':
            request['CreateBucketConfiguration'] = {
                'LocationConstraint': region
            }
        LOG.info(
            'Creating bucket %s for store %s', self.bucket, self.group_name
        )
        self._client.create_bucket(**request)

    def _multipart_upload(self, key, head, parts):
        upload_id = self._client.create_multipart_upload(
            Bucket=self.bucket, Key=key
        )['UploadId']
        try:
            uploaded = self._upload_parts(
                key, upload_id, itertools.chain(head, parts)
            )
            self._client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={'Parts': uploaded},
            )
        except BaseException:
            self._abort_multipart_upload(key, upload_id)
            raise

    def _abort_multipart_upload(self, key, upload_id):
        # Parts of an unfinished upload stay (and are billed) until aborted.
        LOG.warning('Aborting the multipart upload of %s', key)
        try:
            self._client.abort_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id
            )
        except (
            botocore.exceptions.BotoCoreError,
            botocore.exceptions.ClientError,
        ) as e:
            LOG.error(
                'Parts of %s stay in bucket %s: aborting upload %s failed '
                '(%s)',
                key,
                self.bucket,
                upload_id,
                type(e).__name__,
            )

    def _upload_parts(self, key, upload_id, parts):
        """Upload parts in parallel, holding at most thread_pools of them."""
        done = []
        with concurrent.futures.ThreadPoolExecutor(self.thread_pools) as pool:
            running = collections.deque()
            for number, data in enumerate(parts, start=1):
                if len(running) == self.thread_pools:
                    done.append(running.popleft().result())
                running.append(
                    pool.submit(
                        self._upload_part, key, upload_id, number, data
                    )
                )
            done.extend(future.result() for future in running)
        return done

    def _upload_part(self, key, upload_id, number, data):
        response = self._client.upload_part(
            Bucket=self.bucket,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            Body=data,
        )
        return {'PartNumber': number, 'ETag': response['ETag']}


def _error_code(client_error):
    return client_error.response.get('Error', {}).get('Code', 'unknown')


def _regroup(chunks, size):
    """Yield ``size`` bytes at a time from ``chunks`` (the last may be short).

    Multipart parts must be equal-sized (and at least 5 MiB), while
    reads from a network stream come in whatever sizes arrive.
    """
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]
    if buffer:
        yield bytes(buffer)


def _take_until(parts, size):
    """Read parts until at least ``size`` bytes are held (or the end)."""
    taken = []
    held = 0
    while held < size:
        part = next(parts, None)
        if part is None:
            break
        taken.append(part)
        held += len(part)
    return taken
