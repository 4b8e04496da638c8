"""The ``[import_filtering_opts]`` check of web-download URIs (pure).

Applied to the URI a user asks glance-api to fetch and to every redirect
on the way to the data, so that users cannot make the server fetch from
places the operator has closed (server-side request forgery).
"""

import ipaddress
import socket
import urllib.parse


def validate_import_uri(conf, uri):
    """Whether the import filter of ``conf`` lets web-download fetch
    ``uri``.

    Scheme and host must be present; the port is checked only when the URI
    names one (upstream's rule: the scheme's default port passes).
    """
    opts = conf.import_filtering_opts
    try:
        parts = urllib.parse.urlsplit(uri)
        port = parts.port
    except ValueError:  # unparsable host or a port out of range
        return False
    if not parts.scheme or not parts.hostname:
        return False
    return (
        _passes(
            parts.scheme.lower(),
            [s.lower() for s in opts.allowed_schemes],
            [s.lower() for s in opts.disallowed_schemes],
        )
        and _passes(
            _host_key(parts.hostname),
            [_host_key(h) for h in opts.allowed_hosts],
            [_host_key(h) for h in opts.disallowed_hosts],
        )
        and (
            port is None
            or _passes(port, opts.allowed_ports, opts.disallowed_ports)
        )
    )


def _passes(value, allowed, disallowed):
    # A non-empty allow list is all that counts.
    if allowed:
        return value in allowed
    return value not in disallowed


def _host_key(host):
    """One spelling per host, so that a deny list cannot be dodged with
    ``127.1``, ``0x7f.0.0.1``, ``[::0001]`` or a trailing dot, all of which
    the resolver takes as the same host."""
    host = host.lower().strip('[]').rstrip('.')
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except OSError:
        pass
    try:
        return ipaddress.IPv6Address(host).compressed
    except ValueError:
        return host
