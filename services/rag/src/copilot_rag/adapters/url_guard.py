"""Docs are fetched from public web addresses only, unless private ones are allowed.

Without this, a URL list (or a redirect) could make the service read an internal address,
such as a cloud metadata endpoint, and serve what it found to website visitors."""

import ipaddress
import socket

import httpx


def refuse_private_addresses(request: httpx.Request) -> None:
    """An httpx request hook: every hop, redirects included, must resolve to public IPs."""
    host = request.url.host
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    except socket.gaierror as exc:
        raise httpx.ConnectError(f"cannot resolve {host}", request=request) from exc
    for address in addresses:
        if not ipaddress.ip_address(address.split("%")[0]).is_global:
            raise httpx.ConnectError(f"{host} is not a public address", request=request)


def docs_client(allow_private: bool, timeout_s: float = 20.0) -> httpx.Client:
    hooks = {} if allow_private else {"request": [refuse_private_addresses]}
    return httpx.Client(timeout=timeout_s, follow_redirects=True, event_hooks=hooks)
