"""Which configured store holds a location URL.

The one module that parses, normalises, matches and redacts location URLs;
the lazy store update, downloads and glance-manage all go through it.
Everything here is pure, except ``report_unmatched`` which logs.

Matching compares normalised URLs segment by segment, so a prefix only
claims URLs below one of its path boundaries (``file:///data/images`` owns
``file:///data/images/x`` but not ``file:///data/images2/x``) and the
longest prefix wins. Stores whose prefix is a bare scheme (``http``,
``rbd://``) and legacy URLs carrying no store identity (``cinder://<vol>``,
``rbd://<image>``) can only be attributed when a single store of that kind
is configured; a legacy ``rbd://<pool>/<image>/<snap>`` only when a single
rbd store uses that pool.
"""

import collections
import functools
import re
import string
import types
import urllib.parse

from oslo_log import log as logging

LOG = logging.getLogger(__name__)

RESERVED_STORE_PREFIX = 'os_glance_'
UNMATCHED_REPORT_LIMIT = 10000

_URL_RE = re.compile(r'([A-Za-z][A-Za-z0-9+.-]*)(?::|://(.*))?\Z', re.S)
_ESCAPE_RE = re.compile('%([0-9A-Fa-f]{2})')
_UNRESERVED = frozenset(string.ascii_letters + string.digits + '-._~')
# Characters a URL path may hold as they are (RFC 3986 pchar plus '/').
_PATH_SAFE = "-._~!$&'()*+,;=:@/"
_PLAIN_PATH_RE = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/]*\Z")
# Authority (where web URLs keep their userinfo), then path and the rest.
_AUTHORITY_RE = re.compile(r'([^/?#]*)(.*)\Z', re.S)
_SECRET_PARAM_RE = re.compile(
    r'sig|secret|token|passw|pwd|key|credential|auth', re.I
)


def _escapes(text, safe=_PATH_SAFE):
    """Percent-encoding in one canonical form.

    Unreserved characters are decoded, other escapes upper-cased and
    characters that must not appear raw are encoded.
    """
    if _PLAIN_PATH_RE.match(text):
        return text
    pieces = _ESCAPE_RE.split(text)
    for i, piece in enumerate(pieces):
        if i % 2:
            char = chr(int(piece, 16))
            pieces[i] = char if char in _UNRESERVED else '%' + piece.upper()
        else:
            pieces[i] = urllib.parse.quote(
                piece, safe=safe, errors='surrogatepass'
            )
    return ''.join(pieces)


def _path_segments(path):
    """Segments of a hierarchical path: no empty, '.' or '..' ones."""
    segments = []
    for segment in path.split('/'):
        segment = _escapes(segment)
        if segment == '..':
            del segments[-1:]
        elif segment not in ('', '.'):
            segments.append(segment)
    return tuple(segments)


def _host_port(authority, default_port):
    if authority.startswith('[') and ']' in authority:
        end = authority.index(']') + 1
        host, port = authority[:end], authority[end:].removeprefix(':')
    else:
        host, _, port = authority.partition(':')
    host = _escapes(host, _PATH_SAFE + '[]').lower()
    if port.isascii() and port.isdigit():
        port = '' if int(port) == default_port else str(int(port))
    return host + ':' + port if port else host


def _split_query(rest):
    rest = rest.partition('#')[0]
    path, _, query = rest.partition('?')
    return path, query


# Each normaliser turns what follows '://' into (authority, path
# segments, query).


def _file_parts(rest):
    # Upstream treats 'file://a/b' as the path 'a/b'; paths may hold '?'.
    return '', _path_segments(rest), ''


def _web_parts(default_port, rest):
    path, query = _split_query(rest)
    authority, _, path = path.partition('/')
    authority = authority.rpartition('@')[2]
    return (
        _host_port(authority, default_port),
        _path_segments(path),
        _escapes(query, _PATH_SAFE + '?'),
    )


def _vsphere_parts(rest):
    # Stored URLs read vsphere://host/folder/<dir>/<id>?dsName=..., while
    # upstream's prefix lacks '/folder': match without that constant.
    authority, segments, query = _web_parts(443, rest)
    if segments[:1] == ('folder',):
        segments = segments[1:]
    return authority, segments, query


def _credentialed_parts(rest):
    # s3 and swift URLs written by upstream may embed a secret that was
    # never quoted and can hold '/', '?' or '#': it ends at the last '@'.
    authority, _, path = rest.rpartition('@')[2].partition('/')
    return _host_port(authority, None), _path_segments(path), ''


def _opaque_parts(rest):
    # rbd, cinder and swift+config components are identifiers quoted as a
    # whole: no case folding, no '.'/'..' resolution.
    authority, _, path = rest.partition('/')
    segments = tuple(_escapes(s) for s in path.split('/') if s)
    return _escapes(authority), segments, ''


# slash_root: the empty path is written '/'; credentialed: see
# _credentialed_parts.
_Scheme = collections.namedtuple(
    '_Scheme',
    'name family parts slash_root credentialed',
    defaults=(True, False),
)
_S3 = _Scheme('s3', 's3', _credentialed_parts, False, True)
_SWIFT = _Scheme('swift', 'swift', _credentialed_parts, False, True)
_FILE = _Scheme('file', 'file', _file_parts)

# Per-scheme normalisers. Schemes naming the same thing share one name:
# the transport of s3/swift does not change which bucket or container
# holds the data.
SCHEMES = types.MappingProxyType(
    {
        'file': _FILE,
        'filesystem': _FILE,
        'http': _Scheme('http', 'http', functools.partial(_web_parts, 80)),
        'https': _Scheme('https', 'http', functools.partial(_web_parts, 443)),
        's3': _S3,
        's3+http': _S3,
        's3+https': _S3,
        'swift': _SWIFT,
        'swift+http': _SWIFT,
        'swift+https': _SWIFT,
        'swift+config': _Scheme('swift+config', 'swift', _opaque_parts, False),
        'rbd': _Scheme('rbd', 'rbd', _opaque_parts, False),
        'cinder': _Scheme('cinder', 'cinder', _opaque_parts, False),
        'vsphere': _Scheme('vsphere', 'vsphere', _vsphere_parts),
    }
)

# Families whose legacy URLs name no store, only the object:
# cinder://<volume id> and rbd://<image>.
_LEGACY_FAMILIES = frozenset({'cinder', 'rbd'})


def _scheme_of(name):
    return SCHEMES.get(name) or _Scheme(
        name, name, functools.partial(_web_parts, None)
    )


# ``segments`` is None for a bare scheme ('http', 'rbd://'), which only
# ever appears as a store prefix meaning "every URL of this kind".
_Parsed = collections.namedtuple('_Parsed', 'scheme authority segments query')


def _parse(url):
    if not isinstance(url, str):
        return None
    match = _URL_RE.match(url.strip())
    if match is None:
        return None
    scheme = _scheme_of(match.group(1).lower())
    rest = match.group(2)
    if rest is None and scheme.name not in SCHEMES:
        return None  # a bare word, not the bare scheme of a store prefix
    if not rest:
        return _Parsed(scheme, '', None, '')
    return _Parsed(scheme, *scheme.parts(rest))


def _key(parsed):
    return (parsed.scheme.name, parsed.authority) + parsed.segments


def normalize(url):
    """The canonical form of a location URL, or None for junk.

    Scheme and host lower-cased, default ports and credentials dropped,
    paths cleaned ('//', '.', '..', trailing '/') and percent-encoding
    canonical. Schemes naming the same store kind get one name (``s3+https``
    becomes ``s3``), so the result is for comparing, not for fetching.
    """
    parsed = _parse(url)
    if parsed is None:
        return None
    text = parsed.scheme.name + '://' + parsed.authority
    if parsed.segments:
        text += '/' + '/'.join(parsed.segments)
    elif parsed.segments is not None and parsed.scheme.slash_root:
        text += '/'
    return text + ('?' + parsed.query if parsed.query else '')


def _split_scheme(text):
    """(scheme, '://' or '', rest, _Scheme) of a URL as written."""
    scheme, sep, rest = text.partition('://')
    if not sep:
        scheme, rest = '', text
    return scheme, sep, rest, _scheme_of(scheme.lower())


def strip_credentials(url):
    """``url`` without the ``user:secret@`` it may carry; all else as is.

    Unlike ``redact`` the result still names the same data, so it can be
    shown to API callers and stored. A secret of a credentialed scheme
    (s3, swift) was never quoted: it ends at the last '@'.
    """
    scheme, sep, rest, spec = _split_scheme(url)
    if not sep or spec.family == 'file':
        return url
    if spec.credentialed:
        return scheme + sep + rest.rpartition('@')[2]
    authority, tail = _AUTHORITY_RE.match(rest).groups()
    return scheme + sep + authority.rpartition('@')[2] + tail


def rewritten_url(url):
    """The URL to record instead of ``url``, or None to keep it.

    Upstream glance_store wrote credentials into location URLs: the access
    and secret key into every s3 one, ``user:key@`` into swift ones when
    the store's own section held the credentials. Our s3 and swift
    drivers read them from their configuration only, so such URLs lose
    them.
    """
    if '@' not in url:  # the common case, checked first: it is on every read
        return None
    if not _split_scheme(url)[3].credentialed:
        return None
    stripped = strip_credentials(url)
    return None if stripped == url else stripped


def redact(url):
    """``url`` without credentials, for logs and reports.

    Goes further than ``strip_credentials``: anything up to the last '@'
    before the query and query parameters that look secret are masked.
    """
    text = str(url)
    scheme, sep, rest, spec = _split_scheme(text)
    if spec.family == 'file' or spec.credentialed:
        return strip_credentials(text)
    rest, query = _split_query(rest)
    redacted = scheme + sep + rest.rpartition('@')[2]
    if query:
        redacted += '?' + '&'.join(map(_redact_param, query.split('&')))
    return redacted


def _redact_param(param):
    name, equals, _ = param.partition('=')
    if equals and _SECRET_PARAM_RE.search(urllib.parse.unquote(name)):
        return name + '=***'
    return param


class StoreIndex:
    """Which configured store owns a location URL; immutable.

    ``stores`` maps each store id to (the schemes it is registered for, its
    URL prefixes). Reserved ``os_glance_*`` stores are left out.
    """

    __slots__ = ('_owners', '_sole_stores', '_catch_all', '_pool_owners')

    def __init__(self, stores):
        stores = {
            store_id: (tuple(schemes), tuple(prefixes))
            for store_id, (schemes, prefixes) in stores.items()
            if not store_id.startswith(RESERVED_STORE_PREFIX)
        }
        families = collections.defaultdict(set)
        claimants = collections.defaultdict(set)
        catch_all = set()
        pools = collections.defaultdict(set)
        for store_id, (schemes, prefixes) in sorted(stores.items()):
            for scheme in schemes:
                families[_scheme_of(scheme.lower()).family].add(store_id)
            for prefix in prefixes:
                parsed = _parse(prefix)
                if parsed is None:
                    LOG.warning(
                        'Store %s has an unusable URL prefix %s',
                        store_id,
                        redact(prefix),
                    )
                elif parsed.segments is None:
                    families[parsed.scheme.family].add(store_id)
                    catch_all.add((parsed.scheme.family, store_id))
                else:
                    claimants[_key(parsed)].add(store_id)
                    if parsed.scheme.family == 'rbd':
                        pools[parsed.segments[0]].add(store_id)
        self._owners = types.MappingProxyType(_owners(claimants))
        self._sole_stores = types.MappingProxyType(
            {f: min(ids) for f, ids in families.items() if len(ids) == 1}
        )
        self._catch_all = frozenset(_usable_catch_all(catch_all, families))
        # A store claiming every rbd URL may hold any pool.
        any_pool = {i for family, i in catch_all if family == 'rbd'}
        self._pool_owners = types.MappingProxyType(
            {
                pool: min(ids)
                for pool, ids in pools.items()
                if len(ids | any_pool) == 1
            }
        )

    @classmethod
    def from_location_map(cls, location_map):
        """From the store library's ``SCHEME_TO_CLS_BACKEND_MAP``."""
        stores = {}
        for scheme, entries in location_map.items():
            for store_id, entry in entries.items():
                schemes, _ = stores.setdefault(
                    store_id, ([], _store_prefixes(entry['store']))
                )
                schemes.append(scheme)
        return cls(stores)

    def resolve(self, url):
        """The id of the store holding ``url``, or None."""
        parsed = _parse(url)
        if parsed is None or parsed.segments is None:
            return None
        key = _key(parsed)
        # Longest prefix first: one dict lookup per path boundary.
        for end in range(len(key), 1, -1):
            owner = self._owners.get(key[:end], self)
            if owner is not self:
                return owner
        family = parsed.scheme.family
        if family == 'rbd' and len(parsed.segments) == 2:
            # rbd://<pool>/<image>/<snapshot> names no cluster: only the
            # one store using that pool can hold it.
            owner = self._pool_owners.get(parsed.authority)
            if owner is not None:
                return owner
        if family in self._catch_all or (
            family in _LEGACY_FAMILIES and not parsed.segments
        ):
            return self._sole_stores.get(family)
        return None


def _store_prefixes(store):
    # Our store library lists every prefix; upstream's has just one.
    if hasattr(store, 'url_prefixes'):
        return tuple(store.url_prefixes or ())
    return () if store.url_prefix is None else (store.url_prefix,)


def _owners(claimants):
    """Prefix key -> store id; None where several stores claim it."""
    owners = {}
    for key, store_ids in claimants.items():
        if len(store_ids) > 1:
            LOG.warning(
                'Stores %s share the URL prefix %s: locations under it are '
                'not attributed to any of them',
                ', '.join(sorted(store_ids)),
                redact(_render_key(key)),
            )
        owners[key] = min(store_ids) if len(store_ids) == 1 else None
    return owners


def _render_key(key):
    return '%s://%s/%s' % (key[0], key[1], '/'.join(key[2:]))


def _usable_catch_all(catch_all, families):
    """Bare-scheme prefixes that are the only store of their kind."""
    for family, store_id in sorted(catch_all):
        others = sorted(families[family] - {store_id})
        if others:
            LOG.warning(
                'Store %s claims every %s location but stores %s are of '
                'the same kind: such locations are not attributed to it',
                store_id,
                family,
                ', '.join(others),
            )
        else:
            yield family


_reported = set()


def report_unmatched(url):
    """Log once per process that ``url`` matches no store.

    Returns whether it logged. Memory stays bounded: past
    UNMATCHED_REPORT_LIMIT distinct URLs, one last warning says so.
    """
    shown = redact(url)
    if shown in _reported or len(_reported) > UNMATCHED_REPORT_LIMIT:
        return False
    _reported.add(shown)
    if len(_reported) > UNMATCHED_REPORT_LIMIT:
        LOG.warning(
            'More than %d locations match no configured store; no longer '
            'reporting them (glance-manage location update-stores --dry-run '
            'lists them all)',
            UNMATCHED_REPORT_LIMIT,
        )
        return False
    LOG.warning(
        'Location %s matches no configured store; it is left unchanged',
        shown,
    )
    return True


def recorded_store(location, store_ids):
    """The store ``location`` records if it is one of ``store_ids``, else
    None: the one rule for "is this location's store valid"."""
    # Any JSON may sit in meta_data: an unhashable 'store' is no store.
    store = location.store
    return store if isinstance(store, str) and store in store_ids else None
