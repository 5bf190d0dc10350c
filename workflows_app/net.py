"""Outbound network safety: the one place that decides which addresses may be called.

Every step that talks to another system over the network (`http.request`, and
channel steps: SMS, chat, paging) goes through this module, so a workflow can
never be used to reach the machine it runs on, the internal network, or a cloud
metadata service:

- `check_address(host, address)`: why `address` (an IP, after DNS) may not be
  reached, or None. Only globally routable unicast addresses pass
  (`ipaddress`'s `is_global`), and never one of `BLOCKED_NETWORKS`, which names
  what `is_global` misses or gets wrong across Python versions: the shared
  address space 100.64.0.0/10 (carrier NAT; the cloud metadata address
  100.100.100.200), and IPv6 encodings of IPv4 addresses (6to4 2002::/16, Teredo
  2001::/32, NAT64 64:ff9b::/96 and 64:ff9b:1::/48, IPv4-compatible ::/96).
  An IPv4-mapped address (::ffff:10.0.0.1) is judged, and connected to, as the
  IPv4 address it carries.
- `resolve_public_address(host, port)`: resolves `host` once and returns the
  `Target` to connect to. If any address it resolves to is refused, the host is
  refused (a name that answers with a public and a private address is a DNS
  rebinding trick, or a misconfiguration; either way it is not called).
- `send(method, url, ...)`: an HTTP(S) request connected to exactly the checked
  address (so the DNS answer cannot change between check and use), following
  redirects up to `max_redirects`, each hop checked the same way. Connections
  are kept open for the next request to the same checked address, host and
  port (idle at most `KEEP_IDLE_SECONDS`); the check runs on every request.

Inside `intercepting(handler)` (a test run of a draft, `workflows_app.sandbox`),
`send` checks the address as always and then hands the request to `handler`
instead of sending it.

`WORKFLOWS["HTTP_ALLOWED_PRIVATE_HOSTS"]` lists host names, addresses or CIDR
ranges that may be reached although they are not public (an ERP on the
internal network, a local test receiver).
"""

from __future__ import annotations

import contextlib
import contextvars
import ipaddress
import os
import re
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import urllib3

from workflows_app.conf import workflow_settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Refused even when `is_global` says otherwise (it varies by Python version).
BLOCKED_NETWORKS = tuple(ipaddress.ip_network(network) for network in (
    "0.0.0.0/8",          # "this network"
    "10.0.0.0/8",         # private
    "100.64.0.0/10",      # shared address space (carrier NAT; 100.100.100.200 metadata)
    "127.0.0.0/8",        # loopback
    "169.254.0.0/16",     # link-local (169.254.169.254 metadata)
    "172.16.0.0/12",      # private
    "192.0.0.0/24",       # IETF protocol assignments
    "192.0.2.0/24",       # documentation
    "192.88.99.0/24",     # 6to4 relay anycast
    "192.168.0.0/16",     # private
    "198.18.0.0/15",      # benchmarking
    "198.51.100.0/24",    # documentation
    "203.0.113.0/24",     # documentation
    "224.0.0.0/4",        # multicast
    "240.0.0.0/4",        # reserved, and 255.255.255.255
    "::/96",              # unspecified, loopback, IPv4-compatible (deprecated)
    "::ffff:0:0/96",      # IPv4-mapped (judged by the IPv4 address it carries)
    "64:ff9b::/96",       # NAT64
    "64:ff9b:1::/48",     # local-use NAT64
    "100::/64",           # discard-only
    "2001::/32",          # Teredo
    "2001:db8::/32",      # documentation
    "2002::/16",          # 6to4
    "fc00::/7",           # unique local
    "fe80::/10",          # link-local
    "fec0::/10",          # site-local (deprecated)
    "ff00::/8",           # multicast
))

DEFAULT_MAX_REDIRECTS = 5
REDIRECT_STATUSES = {301, 302, 303, 307, 308}


#: Client-error answers that may pass on another attempt (timeout, too early, rate
#: limited); every other 4xx answer says the request itself is refused.
RETRYABLE_CLIENT_ERRORS = frozenset({408, 425, 429})


def may_pass_later(status: int) -> bool:
    """Whether an HTTP error answer may turn out otherwise on another attempt: a
    server error (5xx) or one of `RETRYABLE_CLIENT_ERRORS`; not any other 4xx."""
    return status >= 500 or status in RETRYABLE_CLIENT_ERRORS


class BlockedAddress(Exception):
    """The target may not be reached; the message says why, in plain words."""


@dataclass(frozen=True)
class Target:
    """A checked destination: connect to `address`, say `host` (TLS, Host header)."""

    host: str
    address: str
    port: int


def _normalised(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_public(address: IPAddress) -> bool:
    """Whether `address` is a globally routable unicast address that is not in
    `BLOCKED_NETWORKS` (an IPv4-mapped IPv6 address is judged as its IPv4)."""
    address = _normalised(address)
    if not address.is_global or address.is_multicast:
        return False
    return not any(address.version == network.version and address in network
                   for network in BLOCKED_NETWORKS)


def _allowed(host: str, address: IPAddress) -> bool:
    """Whether the project lists `host` or a range holding `address` as reachable."""
    address = _normalised(address)
    for entry in workflow_settings.HTTP_ALLOWED_PRIVATE_HOSTS or []:
        entry = str(entry).strip().lower().rstrip(".")
        if not entry:
            continue
        if entry == host.lower().rstrip("."):
            return True
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except (ValueError, TypeError):
            continue
    return False


def check_address(host: str, address: IPAddress) -> str | None:
    """Why `host` at `address` may not be reached, or None when it may."""
    if is_public(address) or _allowed(host, address):
        return None
    return "not a public address"


def resolve_public_address(host: str, port: int) -> Target:
    """The address to connect to for `host`, or `BlockedAddress` saying why not."""
    if not host:
        raise BlockedAddress("the address has no host name")
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise BlockedAddress(f'cannot resolve "{host}": {reason}') from None
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        raw = str(sockaddr[0]).split("%", 1)[0]
        try:
            address = _normalised(ipaddress.ip_address(raw))
        except ValueError:
            continue
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise BlockedAddress(f'cannot resolve "{host}": no IP address')
    refused = [address for address in addresses if check_address(host, address)]
    if refused:
        shown = ", ".join(str(address) for address in refused)
        mixed = " (among its other addresses)" if len(refused) < len(addresses) else ""
        raise BlockedAddress(
            f'"{host}" resolves to {shown}{mixed}, a private, loopback or link-local address '
            '(or another non-public one); add it to WORKFLOWS["HTTP_ALLOWED_PRIVATE_HOSTS"] '
            "to allow it")
    return Target(host, str(addresses[0]), port)


def check_url(url: str) -> tuple[Target, Any]:
    """Check an http(s) URL: its scheme, its host and every address that host
    resolves to. Returns the target and the split URL, or raises `BlockedAddress`."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BlockedAddress(f"the address is not valid: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"}:
        raise BlockedAddress(f'only http:// and https:// addresses may be called, not '
                             f'"{scheme}:"')
    host = parts.hostname or ""
    return resolve_public_address(host, port or (443 if scheme == "https" else 80)), parts


@dataclass
class Response:
    """What `send` received: the final status, headers and body (bytes, capped)."""

    status: int
    headers: dict[str, str]
    body: bytes
    url: str
    elapsed_ms: int
    redirects: list[str] = field(default_factory=list)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def text(self) -> str:
        charset = re.search(r"charset=([\w.-]+)", self.content_type)
        try:
            return self.body.decode(charset.group(1) if charset else "utf-8", errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


class ResponseTooLarge(Exception):
    """The response body was larger than `max_response_bytes`."""


class TooManyRedirects(Exception):
    """More than `max_redirects` redirects in a row."""


@dataclass(frozen=True)
class OutboundRequest:
    """A request `send` was asked to make, as an interceptor receives it."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None


Interceptor = Callable[[OutboundRequest], "Response"]

_interceptor: contextvars.ContextVar[Interceptor | None] = contextvars.ContextVar(
    "workflows_net_interceptor", default=None)


@contextlib.contextmanager
def intercepting(handler: Interceptor) -> Iterator[None]:
    """Inside the block (this context only), `send` passes each checked request to
    `handler` and returns its response; nothing goes out."""
    token = _interceptor.set(handler)
    try:
        yield
    finally:
        _interceptor.reset(token)


def intercepted() -> bool:
    """Whether `send` is intercepted in this context (a test run of a draft)."""
    return _interceptor.get() is not None


def send(method: str, url: str, *, headers: dict[str, str] | None = None,
         body: bytes | None = None, timeout: float = 10.0,
         max_redirects: int = DEFAULT_MAX_REDIRECTS,
         max_response_bytes: int = 1024 * 1024) -> Response:
    """Send one HTTP(S) request to a checked address, following redirects (each
    hop checked; 303, and 301/302 after a POST, continue as GET without a body;
    307/308 repeat the method and body). Raises `BlockedAddress` for a refused
    hop, `TooManyRedirects`, `ResponseTooLarge`, or urllib3's `HTTPError` for
    network failures."""
    interceptor = _interceptor.get()
    if interceptor is not None:
        check_url(url)  # an address that would be refused is refused here too
        return interceptor(OutboundRequest(method.upper(), url, dict(headers or {}), body))
    started = time.monotonic()
    deadline = started + timeout
    headers = dict(headers or {})
    redirects: list[str] = []
    while True:
        target, parts = check_url(url)
        remaining = max(0.1, deadline - time.monotonic())
        status, response_headers, data = _request_once(
            method, target, parts, headers, body, remaining, max_response_bytes)
        location = response_headers.get("location")
        if status not in REDIRECT_STATUSES or not location:
            return Response(status, response_headers, data, url,
                            int((time.monotonic() - started) * 1000), redirects)
        if len(redirects) >= max_redirects:
            raise TooManyRedirects(f"more than {max_redirects} redirects (the last to "
                                   f"{urljoin(url, location)[:300]})")
        next_url = urljoin(url, location)
        redirects.append(next_url)
        if status == 303 or (status in {301, 302} and method not in {"GET", "HEAD"}):
            method, body = "GET", None
            headers = {name: value for name, value in headers.items()
                       if name.lower() not in {"content-type", "content-length"}}
        if urlsplit(next_url).hostname != parts.hostname:
            # Credentials meant for one host never follow a redirect to another.
            headers = {name: value for name, value in headers.items()
                       if name.lower() not in {"authorization", "cookie",
                                               "proxy-authorization"}}
        url = next_url


#: Connections kept open for reuse, per checked destination (scheme, address,
#: port, host name): a second request to the same place skips the TCP (and TLS)
#: set-up. The address is still checked before every request; a connection is
#: only reused for the very address that was checked.
MAX_KEPT_DESTINATIONS = 32
#: Connections per destination kept open (more may be open at once; the extra
#: ones are closed after their request).
KEPT_CONNECTIONS = 16
#: A kept connection idle longer than this is not reused (closed, a new one
#: opened): servers close idle connections after a few seconds (gunicorn after
#: 2 s), and a request sent on a connection the server is closing fails.
KEEP_IDLE_SECONDS = 1.0

_kept: OrderedDict[tuple[bool, str, int, str], tuple[urllib3.HTTPConnectionPool, float]] = \
    OrderedDict()
_kept_lock = threading.Lock()


def _pool(secure: bool, target: Target) -> urllib3.HTTPConnectionPool:
    """The connection pool for `target` (kept for reuse, see `KEEP_IDLE_SECONDS`)."""
    key = (secure, target.address, target.port, target.host)
    now = time.monotonic()
    closing: list[urllib3.HTTPConnectionPool] = []
    with _kept_lock:
        found = _kept.pop(key, None)
        if found is not None and now - found[1] > KEEP_IDLE_SECONDS:
            closing.append(found[0])
            found = None
        if found is None:
            pool_class = urllib3.HTTPSConnectionPool if secure else urllib3.HTTPConnectionPool
            options: dict[str, Any] = {"retries": False, "maxsize": KEPT_CONNECTIONS}
            if secure:
                options.update(server_hostname=target.host, assert_hostname=target.host)
            pool = pool_class(target.address, target.port, **options)
        else:
            pool = found[0]
        # Oldest use first: the destinations idle too long are closed (their
        # connections would not be reused), and beyond `MAX_KEPT_DESTINATIONS`.
        while _kept and (len(_kept) >= MAX_KEPT_DESTINATIONS
                         or now - next(iter(_kept.values()))[1] > KEEP_IDLE_SECONDS):
            closing.append(_kept.popitem(last=False)[1][0])
        _kept[key] = (pool, now)
    for old in closing:
        old.close()  # idle connections now; those in use close when given back
    return pool


def _forget_kept_connections() -> None:
    """In a forked child: the parent's connections are not this process's to use."""
    global _kept_lock
    _kept.clear()
    _kept_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_kept_connections)


def close_kept_connections() -> None:
    """Close every connection kept for reuse."""
    with _kept_lock:
        pools = [pool for pool, _used in _kept.values()]
        _kept.clear()
    for pool in pools:
        pool.close()


def _request_once(method: str, target: Target, parts: Any, headers: dict[str, str],
                  body: bytes | None, timeout: float, max_response_bytes: int
                  ) -> tuple[int, dict[str, str], bytes]:
    secure = parts.scheme.lower() == "https"
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    hop_headers = {**headers, "Host": target.host if parts.port is None
                   else f"{target.host}:{parts.port}"}
    response = _pool(secure, target).urlopen(
        method, path, body=body, headers=hop_headers, redirect=False, retries=False,
        timeout=urllib3.Timeout(total=timeout), preload_content=False)
    complete = False
    try:
        data = response.read(max_response_bytes + 1, decode_content=True)
        complete = len(data) <= max_response_bytes
    finally:
        if complete:
            response.release_conn()  # read to its end: the connection may be reused
        else:
            response.close()  # unread data left on it (or an error): never reused
            response.release_conn()
    if not complete:
        raise ResponseTooLarge(f"the response is larger than {max_response_bytes} bytes")
    return (response.status, {name.lower(): value for name, value in response.headers.items()},
            data)
