"""The ``[import_filtering_opts]`` check of web-download URIs.

Applied to the URI a user asks glance-api to fetch and to every redirect
on the way to the data, so that users cannot make the server fetch from
places the operator has closed (server-side request forgery). As
upstream, a host resolving to a loopback, link-local or unspecified
address is refused unless ``allowed_hosts`` names it (private ranges stay
allowed, for internal mirrors). ``checked_address`` gives the address that
passed, for the caller to connect to: a second DNS answer cannot send the
request elsewhere.
"""

import ipaddress
import socket
import urllib.parse


def validate_import_uri(conf, uri, resolve=None):
    """Whether the import filter of ``conf`` lets web-download fetch
    ``uri``."""
    return checked_address(conf, uri, resolve) is not None


def checked_address(conf, uri, resolve=None):
    """The address web-download may connect to for ``uri``; None when the
    import filter of ``conf`` refuses it.

    Scheme and host must be present; the port is checked only when the URI
    names one (upstream's rule: the scheme's default port passes). Every
    address the host resolves to must be neither loopback, link-local nor
    unspecified, unless ``allowed_hosts`` names the host. ``resolve(host,
    port)`` lists addresses (default: the system resolver).
    """
    opts = conf.import_filtering_opts
    try:
        parts = urllib.parse.urlsplit(uri)
        port = parts.port
    except ValueError:  # unparsable host or a port out of range
        return None
    if not parts.scheme or not parts.hostname:
        return None
    allowed_hosts = [_host_key(h) for h in opts.allowed_hosts]
    host = _host_key(parts.hostname)
    if not (
        _passes(
            parts.scheme.lower(),
            [s.lower() for s in opts.allowed_schemes],
            [s.lower() for s in opts.disallowed_schemes],
        )
        and _passes(
            host,
            allowed_hosts,
            [_host_key(h) for h in opts.disallowed_hosts],
        )
        and (
            port is None
            or _passes(port, opts.allowed_ports, opts.disallowed_ports)
        )
    ):
        return None
    default_port = _DEFAULT_PORTS.get(parts.scheme.lower(), 80)
    addresses = (resolve or _resolve)(
        parts.hostname.rstrip('.'), port or default_port
    )
    if not addresses:
        return None
    if host not in allowed_hosts and any(map(_internal, addresses)):
        return None
    return addresses[0]


_DEFAULT_PORTS = {'http': 80, 'https': 443}


def _resolve(host, port):
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return [sockaddr[0] for _family, _type, _proto, _name, sockaddr in found]


def _internal(address):
    """Whether ``address`` is loopback, link-local or unspecified (an
    IPv4-mapped IPv6 address counts as its IPv4 address)."""
    ip = ipaddress.ip_address(address.split('%')[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_loopback or ip.is_link_local or ip.is_unspecified


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
