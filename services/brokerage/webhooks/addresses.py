"""Webhook receivers must be public. A URL reaching the council's own network (loopback, private,
link-local, reserved ranges) would let a provider's client make the suite call internal systems
(server-side request forgery), so such receivers are refused when registered and again when sent to,
after resolving the name (a name may be pointed inward later). `BROKERAGE_WEBHOOK_ALLOW_PRIVATE_ADDRESSES`
lifts this for a council whose providers sit on a private network, and for tests."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from shared.errors import Unprocessable


class PrivateWebhookAddress(Unprocessable):
    problem_type = "webhook-address"
    title = "The webhook must be on a public address"


def is_public(address: str) -> bool:
    return ipaddress.ip_address(address.split("%", 1)[0]).is_global


async def resolves_publicly(url: str) -> bool:
    """True when every address the URL's host resolves to is public."""
    host = urlsplit(url).hostname
    if not host:
        return False
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False
    return bool(found) and all(is_public(str(info[4][0])) for info in found)


async def ensure_public(url: str, *, allow_private: bool) -> None:
    if not allow_private and not await resolves_publicly(url):
        raise PrivateWebhookAddress("The webhook's host must resolve to public internet addresses only.")
