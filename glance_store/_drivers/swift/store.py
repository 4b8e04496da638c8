"""Store image data as objects in OpenStack Swift (python-swiftclient).

Single-tenant stores keep every image in one account, with credentials
from a reference file (``swift_store_config_file``, locations
``swift+config://<reference>/<container>/<id>``) or from the store's own
section (``swift+https://<auth address>/<container>/<id>``). Multi-tenant
stores put each image in a container of its own in the owner's account,
with the caller's token (``swift+https://<storage url>/<container>/<id>``).
No location ever carries a secret.

Images of at least ``swift_store_large_object_size`` (and images of
unknown size) are stored as segments ``<id>-00001``, ``<id>-00002``, ...
plus a manifest ``<id>`` (Swift's dynamic large objects); every segment
declares its true length, the last one what is left.
"""

import contextlib
import functools
import logging
import os
import tempfile
import threading
import urllib.parse

import swiftclient
import swiftclient.client
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import session as ks_session
from keystoneauth1.access import service_catalog
from keystoneauth1.identity import v3

from glance_store import capabilities
from glance_store import driver
from glance_store import exceptions
from glance_store._drivers.swift import options
from glance_store._drivers.swift import streams
from glance_store._drivers.swift.location import SCHEMES
from glance_store._drivers.swift.location import StoreLocation
from glance_store._drivers.swift.location import scheme_and_host
from glance_store.common import utils

__all__ = ['Store', 'StoreLocation']

LOG = logging.getLogger(__name__)

# swiftclient logs the first 16 characters of every token it sends by
# default; no part of a token belongs in glance's logs.
swiftclient.client.logger_settings['redact_sensitive_headers'] = True
swiftclient.client.logger_settings['reveal_sensitive_prefix'] = 0

# Seconds to wait for Swift or Keystone to accept a connection or answer.
_TIMEOUT = 60
_SEGMENT_NAME = '%s-%05d'


def _same_address(a, b):
    """Whether two auth addresses name the same place (scheme aside)."""
    return scheme_and_host(a)[1].lower() == scheme_and_host(b)[1].lower()


class Store(driver.Store):
    """Images as Swift objects; see the module docstring."""

    # Swift serves byte ranges of plain and segmented objects alike.
    _CAPABILITIES = (
        capabilities.BitMasks.RW_ACCESS | capabilities.BitMasks.READ_RANDOM
    )
    OPTIONS = options.OPTIONS
    READ_CHUNKSIZE = 256 * 1024
    WRITE_CHUNKSIZE = utils.UPLOAD_CHUNK_SIZE

    def __init__(self, conf, backend=None):
        super().__init__(conf, backend=backend)
        self._sessions = {}
        self._sessions_lock = threading.Lock()

    def get_schemes(self):
        return SCHEMES

    @property
    def large_object_chunk_size(self):
        """Upstream's name of the segment size, in bytes."""
        return self.option('swift_store_large_object_chunk_size') * (
            options.ONE_MB
        )

    def configure_add(self):
        """Check the options uploads need; record the URL prefix."""
        self.multi_tenant = self.option('swift_store_multi_tenant')
        self.container = self.option('swift_store_container')
        if not self.container:
            raise self._bad_config('swift_store_container is not set')
        self.large_object_size = (
            self.option('swift_store_large_object_size') * options.ONE_MB
        )
        self.segment_size = (
            self.option('swift_store_large_object_chunk_size') * options.ONE_MB
        )
        self.seed = self.option('swift_store_multiple_containers_seed')
        self.create_container_on_put = self.option(
            'swift_store_create_container_on_put'
        )
        self.buffer_dir = None
        if self.option('swift_buffer_on_upload'):
            self.buffer_dir = self.option('swift_upload_buffer_dir')
            if not self.buffer_dir or not os.path.isdir(self.buffer_dir):
                raise self._bad_config(
                    'swift_buffer_on_upload needs swift_upload_buffer_dir '
                    'to be an existing directory'
                )
        if self.multi_tenant:
            return  # every owner's account is elsewhere: no prefix
        self.credentials, self.scheme, self.address = self._own_credentials()
        if self.backend_group:
            self._url_prefix = '%s://%s/' % (self.scheme, self.address)
            if not self.seed:
                self._url_prefix += self.container + '/'

    def _bad_config(self, reason):
        return exceptions.BadStoreConfiguration(
            store_name=self.group_name, reason=reason
        )

    def _own_credentials(self):
        """(credentials, location scheme, location address) of uploads."""
        if self.option('swift_store_config_file'):
            name = self.option('default_swift_reference')
            if name not in self._references:
                raise self._bad_config(
                    'default_swift_reference %s is not a section of '
                    'swift_store_config_file' % name
                )
            return self._references[name], 'swift+config', name
        credentials = self._section_credentials
        if credentials is None:
            raise self._bad_config(
                'set swift_store_config_file, or swift_store_auth_address, '
                'swift_store_user and swift_store_key'
            )
        return (credentials,) + scheme_and_host(credentials.auth_address)

    @functools.cached_property
    def _references(self):
        path = self.option('swift_store_config_file')
        if not path:
            return {}
        return options.load_references(path, self.group_name)

    @functools.cached_property
    def _section_credentials(self):
        values = [
            self.option(name)
            for name in (
                'swift_store_auth_address',
                'swift_store_user',
                'swift_store_key',
            )
        ]
        if not all(values):
            return None
        return options.Credentials(
            *values, auth_version=self.option('swift_store_auth_version')
        )

    def _credentials_for(self, loc):
        """The credentials a single-tenant location is read with: its
        reference, or those whose auth address it names (never the
        credentials of another address)."""
        if loc.is_reference:
            found = self._references.get(loc.address)
        else:
            candidates = [self._section_credentials]
            candidates += self._references.values()
            found = next(
                (
                    c
                    for c in candidates
                    if c and _same_address(c.auth_address, loc.address)
                ),
                None,
            )
        if found is None:
            raise exceptions.BackendException(
                'Store %s has no credentials for %s://%s'
                % (self.group_name, loc.scheme, loc.address)
            )
        return found

    # Connections

    def _client_options(self):
        interface = self.option('swift_store_endpoint_type')
        return {
            'retries': 0,
            'timeout': _TIMEOUT,
            'insecure': self.option('swift_store_auth_insecure'),
            'cacert': self.option('swift_store_cacert') or None,
            'ssl_compression': self.option('swift_store_ssl_compression'),
            'os_options': {
                'service_type': self.option('swift_store_service_type'),
                'endpoint_type': interface.removesuffix('URL'),
                'region_name': self.option('swift_store_region'),
            },
        }

    def _connection(self, credentials):
        """A swiftclient connection of the store's own account."""
        endpoint = self.option('swift_store_endpoint') or None
        if credentials.v1:
            return swiftclient.Connection(
                authurl=credentials.auth_address,
                user=credentials.user,
                key=credentials.key,
                auth_version='1',
                preauthurl=endpoint,
                **self._client_options(),
            )
        return swiftclient.Connection(
            session=self._session(credentials),
            preauthurl=endpoint,
            **self._client_options(),
        )

    def _session(self, credentials):
        """One keystoneauth session per credentials: tokens are reused
        until they are about to expire."""
        with self._sessions_lock:
            session = self._sessions.get(credentials)
            if session is None:
                session = self._sessions[credentials] = self._new_session(
                    credentials
                )
            return session

    def _new_session(self, credentials):
        project, user = credentials.project_and_user()
        auth = v3.Password(
            auth_url=credentials.auth_address,
            username=user,
            password=credentials.key,
            project_name=project,
            user_domain_name=credentials.user_domain_name,
            user_domain_id=None
            if credentials.user_domain_name
            else credentials.user_domain_id,
            project_domain_name=credentials.project_domain_name,
            project_domain_id=None
            if credentials.project_domain_name
            else credentials.project_domain_id,
            reauthenticate=True,
        )
        verify = not self.option('swift_store_auth_insecure')
        if verify and self.option('swift_store_cacert'):
            verify = self.option('swift_store_cacert')
        auth.MIN_TOKEN_LIFE_SECONDS = self.option(
            'swift_store_expire_soon_interval'
        )
        return ks_session.Session(auth=auth, verify=verify, timeout=_TIMEOUT)

    def _tenant_connection(self, context, storage_url=None):
        """A connection as the caller, to ``storage_url`` or to the
        caller's own account."""
        token = getattr(context, 'auth_token', None)
        if not token:
            raise exceptions.BackendException(
                "Multi-tenant swift store %s needs the caller's token"
                % self.group_name
            )
        return swiftclient.Connection(
            preauthurl=storage_url or self._caller_storage_url(context),
            preauthtoken=token,
            **self._client_options(),
        )

    def _caller_storage_url(self, context):
        endpoint = self.option('swift_store_endpoint')
        if endpoint:
            return endpoint
        entries = getattr(context, 'service_catalog', None) or []
        # keystonemiddleware passes the v2 shape ("publicURL" keys).
        v3_shape = any(
            'interface' in endpoint
            for entry in entries
            for endpoint in entry.get('endpoints', ())
        )
        catalog_class = (
            service_catalog.ServiceCatalogV3
            if v3_shape
            else service_catalog.ServiceCatalogV2
        )
        client_options = self._client_options()['os_options']
        try:
            return catalog_class(entries).url_for(
                service_type=client_options['service_type'],
                interface=client_options['endpoint_type'],
                region_name=client_options['region_name'],
            )
        except ks_exceptions.EndpointNotFound:
            raise exceptions.BackendException(
                "The caller's service catalog has no %s endpoint for "
                'store %s' % (client_options['service_type'], self.group_name)
            ) from None

    def _connection_for(self, loc, context):
        if self.multi_tenant and not loc.is_reference:
            return self._tenant_connection(context, loc.http_url)
        return self._connection(self._credentials_for(loc))

    @contextlib.contextmanager
    def _swift_errors(self, what):
        """Turn client errors into glance_store ones, naming no secret
        (the original exception is dropped: its text may hold URLs)."""
        try:
            yield
        except swiftclient.ClientException as e:
            status = e.http_status
            if status == 404:
                raise exceptions.NotFound(image=what) from None
            if status in (401, 403):
                message = 'Swift refused the credentials of store %s'
            elif status == 507:
                raise exceptions.StorageFull() from None
            elif status is None or status >= 500:
                raise exceptions.RemoteServiceUnavailable(
                    message='Swift of store %s failed a request for %s '
                    '(%s)' % (self.group_name, what, status or e.msg)
                ) from None
            else:
                message = 'Swift request of store %%s for %s failed' % what
            raise exceptions.BackendException(
                '%s (HTTP %s)' % (message % self.group_name, status)
            ) from None
        except ks_exceptions.Unauthorized:
            raise exceptions.BackendException(
                'Keystone refused the credentials of store %s'
                % self.group_name
            ) from None
        except ks_exceptions.ConnectionError as e:
            raise exceptions.RemoteServiceUnavailable(
                message='Keystone of store %s cannot be reached (%s)'
                % (self.group_name, type(e).__name__)
            ) from None
        except ks_exceptions.ClientException as e:
            raise exceptions.BackendException(
                'Keystone failed store %s (%s)'
                % (self.group_name, type(e).__name__)
            ) from None
        except streams.STREAM_ERRORS as e:
            raise exceptions.RemoteServiceUnavailable(
                message='Swift of store %s cannot be reached (%s)'
                % (self.group_name, type(e).__name__)
            ) from None

    # Reads

    @capabilities.check
    def get(self, location, offset=0, chunk_size=None, context=None):
        loc = location.store_location
        last = offset + chunk_size - 1 if chunk_size else None
        with self._swift_errors(loc.obj):
            conn = self._connection_for(loc, context)
            headers, body = self._get_body(conn, loc, offset, last)
        length = int(headers['content-length'])
        retries = self.option('swift_store_retry_get_count')
        chunks = streams.ResumingBody(
            functools.partial(self._reopen, conn, loc),
            loc.obj,
            self.group_name,
            body,
            offset,
            length,
            retries,
        )
        return iter(chunks), length

    def _reopen(self, conn, loc, first, last):
        return self._get_body(conn, loc, first, last)[1]

    def _get_body(self, conn, loc, first, last):
        headers = {}
        if first or last is not None:
            headers['Range'] = 'bytes=%d-%s' % (
                first,
                '' if last is None else last,
            )
        with self._swift_errors(loc.obj):
            return conn.get_object(
                loc.container,
                loc.obj,
                resp_chunk_size=self.READ_CHUNKSIZE,
                headers=headers,
            )

    def get_size(self, location, context=None):
        loc = location.store_location
        with self._swift_errors(loc.obj):
            conn = self._connection_for(loc, context)
            return int(
                conn.head_object(loc.container, loc.obj)['content-length']
            )

    # Writes

    def _container_of(self, image_id):
        if self.multi_tenant:
            return '%s_%s' % (self.container, image_id)
        if self.seed:
            return '%s_%s' % (self.container, image_id[: self.seed])
        return self.container

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
        container = self._container_of(image_id)
        with self._swift_errors(image_id):
            if self.multi_tenant:
                conn = self._tenant_connection(context)
                scheme, address = scheme_and_host(conn.url)
            else:
                conn = self._connection(self.credentials)
                scheme, address = self.scheme, self.address
            self._ensure_container(conn, container)
            if self._exists(conn, container, image_id):
                raise exceptions.Duplicate(image=image_id)
        reader = utils.HashingReader(
            image_file, hashing_algo, verifier, expected_size=image_size
        )
        stream = streams.Stream(reader.chunks(self.WRITE_CHUNKSIZE))
        try:
            with self._swift_errors(image_id):
                if 0 < (image_size or 0) < self.large_object_size:
                    conn.put_object(
                        container,
                        image_id,
                        streams.Segment(stream, image_size, exact=True),
                        content_length=image_size,
                    )
                else:
                    self._put_segmented(
                        conn, container, image_id, stream, image_size
                    )
            # The declared size was sent: data beyond it makes the reader
            # raise Invalid ("Size exceeds") here.
            stream.at_end()
        except BaseException as e:
            self._remove_quietly(conn, container, image_id)
            if stream.error is not None and stream.error is not e:
                raise stream.error from None
            raise
        metadata = {'store': self.backend_group} if self.backend_group else {}
        return (
            '%s://%s/%s/%s' % (scheme, address, container, image_id),
            reader.bytes_read,
            reader.md5_hexdigest,
            reader.multihash_hexdigest,
            metadata,
        )

    def _exists(self, conn, container, obj):
        try:
            conn.head_object(container, obj)
            return True
        except swiftclient.ClientException as e:
            if e.http_status == 404:
                return False
            raise

    def _ensure_container(self, conn, container):
        try:
            conn.head_container(container)
            return
        except swiftclient.ClientException as e:
            if e.http_status != 404:
                raise
        if not (self.multi_tenant or self.create_container_on_put):
            raise exceptions.BackendException(
                'Container %s of store %s does not exist; create it or set '
                'swift_store_create_container_on_put'
                % (container, self.group_name)
            )
        LOG.info(
            'Creating container %s for store %s', container, self.group_name
        )
        conn.put_container(container, headers=self._acl_headers())

    def _put_segmented(self, conn, container, image_id, stream, image_size):
        """Segments of ``min(segment size, what is left)`` bytes, then the
        manifest; the size may be unknown (0 or None)."""
        # Segments an interrupted upload of the same id left would join
        # the manifest's listing.
        self._delete_segments(conn, container, image_id)
        left = image_size or None
        number = 0
        while not stream.at_end() if left is None else left > 0:
            number += 1
            length = (
                self.segment_size
                if left is None
                else min(self.segment_size, left)
            )
            segment = streams.Segment(stream, length, exact=left is not None)
            self._put_segment(
                conn,
                container,
                _SEGMENT_NAME % (image_id, number),
                segment,
                length if left is not None else None,
            )
            if left is not None:
                left -= length
        conn.put_object(
            container,
            image_id,
            b'',
            content_length=0,
            headers={
                'X-Object-Manifest': urllib.parse.quote(
                    '%s/%s-' % (container, image_id)
                )
            },
        )

    def _put_segment(self, conn, container, name, segment, length):
        if self.buffer_dir is None:
            conn.put_object(container, name, segment, content_length=length)
            return
        # A file can be sent again (swiftclient seeks it back when a PUT
        # is retried, e.g. after a token expired); a stream cannot.
        with tempfile.TemporaryFile(dir=self.buffer_dir) as buffered:
            for data in iter(lambda: segment.read(self.WRITE_CHUNKSIZE), b''):
                buffered.write(data)
            size = buffered.tell()
            buffered.seek(0)
            conn.put_object(container, name, buffered, content_length=size)

    def _segments(self, conn, container, image_id):
        _, objects = conn.get_container(
            container, prefix=image_id + '-', full_listing=True
        )
        return [o['name'] for o in objects]

    def _delete_segments(self, conn, container, image_id):
        for name in self._segments(conn, container, image_id):
            try:
                conn.delete_object(container, name)
            except swiftclient.ClientException as e:
                if e.http_status != 404:
                    raise

    def discard_partial(self, image_id):
        """Remove the segments an add killed mid-write left (no manifest
        was written). Single-tenant only: a multi-tenant store writes with
        the caller's token, which no clean-up has."""
        if self.multi_tenant:
            return
        container = self._container_of(image_id)
        try:
            with self._swift_errors(image_id):
                conn = self._connection(self.credentials)
                if self._exists(conn, container, image_id):
                    return  # a finished add
                self._delete_segments(conn, container, image_id)
        except exceptions.NotFound:
            return  # no container: nothing was written

    def _remove_quietly(self, conn, container, image_id):
        """Undo a failed add; what cannot be removed is logged."""
        try:
            with self._swift_errors(image_id):
                self._delete_segments(conn, container, image_id)
                if self._exists(conn, container, image_id):
                    conn.delete_object(container, image_id)
        except Exception as e:
            LOG.error(
                'Data of the failed upload of %s stays in container %s of '
                'store %s: %s',
                image_id,
                container,
                self.group_name,
                e,
            )

    @capabilities.check
    def delete(self, location, context=None):
        loc = location.store_location
        with self._swift_errors(loc.obj):
            conn = self._connection_for(loc, context)
            headers = conn.head_object(loc.container, loc.obj)
            manifest = headers.get('x-object-manifest')
            if manifest:
                # Segments first: a delete that breaks off can be run
                # again, as the manifest still names what is left.
                container, _, prefix = urllib.parse.unquote(
                    manifest
                ).partition('/')
                self._delete_segments(conn, container, prefix[:-1])
            conn.delete_object(loc.container, loc.obj)
            if self.multi_tenant and not loc.is_reference:
                self._delete_container_quietly(conn, loc.container)

    def _delete_container_quietly(self, conn, container):
        try:
            conn.delete_container(container)
        except swiftclient.ClientException as e:
            # 409: something else is stored there; keep it.
            LOG.info('Container %s stays (HTTP %s)', container, e.http_status)

    # Access (multi-tenant)

    def _acl_headers(self, read=(), write=()):
        admins = ['%s:*' % p for p in self.option('swift_store_admin_tenants')]
        if not (self.multi_tenant and (admins or read or write)):
            return {}
        return {
            'X-Container-Read': ','.join(list(read) + admins),
            'X-Container-Write': ','.join(list(write) + admins),
        }

    def set_acls(
        self,
        location,
        public=False,
        read_tenants=None,
        write_tenants=None,
        context=None,
    ):
        """Who may read the image container (multi-tenant stores only)."""
        if not self.multi_tenant:
            raise NotImplementedError
        loc = location.store_location
        read = ['.r:*', '.rlistings'] if public else []
        read += ['%s:*' % p for p in read_tenants or () if not public]
        write = ['%s:*' % p for p in write_tenants or ()]
        with self._swift_errors(loc.obj):
            conn = self._connection_for(loc, context)
            conn.post_container(
                loc.container,
                self._acl_headers(read, write)
                or {'X-Container-Read': '', 'X-Container-Write': ''},
            )
