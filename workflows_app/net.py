"""Outbound network safety: refuse private targets unless the project allows them.

`resolve_public_address(host, port)` resolves the host once and returns the
address to connect to, refusing loopback, private, link-local (e.g. the cloud
metadata address 169.254.169.254), multicast, reserved and unspecified
addresses unless the host name, the address or a CIDR containing it is listed
in `WORKFLOWS["HTTP_ALLOWED_PRIVATE_HOSTS"]`. The caller connects to exactly the
returned address, so a DNS answer cannot change between check and use.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

from workflows_app.conf import workflow_settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddress(Exception):
    """The target resolves to an address that may not be reached."""


@dataclass(frozen=True)
class Target:
    host: str
    address: str
    port: int


def _is_restricted(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return bool(address.is_private or address.is_loopback or address.is_link_local
                or address.is_multicast or address.is_reserved or address.is_unspecified
                or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local))


def _allowed(host: str, address: IPAddress) -> bool:
    for entry in workflow_settings.HTTP_ALLOWED_PRIVATE_HOSTS or []:
        entry = str(entry).strip().lower()
        if not entry:
            continue
        if entry == host.lower():
            return True
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def resolve_public_address(host: str, port: int) -> Target:
    """The address to connect to for `host`, or `BlockedAddress` saying why not."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise BlockedAddress(f'cannot resolve "{host}": {exc.strerror}') from None
    refused: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        raw = str(sockaddr[0]).split("%", 1)[0]
        address = ipaddress.ip_address(raw)
        if _is_restricted(address) and not _allowed(host, address):
            refused.append(raw)
            continue
        return Target(host, raw, port)
    addresses = ", ".join(sorted(set(refused)))
    raise BlockedAddress(
        f'"{host}" resolves to {addresses}, a private, loopback or link-local address; '
        'add it to WORKFLOWS["HTTP_ALLOWED_PRIVATE_HOSTS"] to allow it')
