"""Real delivery: the request goes to the provider through `workflows_app.net`."""

from __future__ import annotations

import urllib3

from workflows_app import net
from workflows_app.channels.backends import DeliveryBackend
from workflows_app.channels.message import OutboundMessage, ProviderAnswer
from workflows_app.execution.flow import StepError

MAX_ANSWER_BYTES = 256 * 1024


class HttpBackend(DeliveryBackend):
    """Sends each request with `net.send` (SSRF checks on every address and hop)."""

    def send(self, message: OutboundMessage) -> ProviderAnswer:
        try:
            response = net.send(message.method, message.url, headers=message.headers,
                                body=message.body, timeout=message.timeout,
                                max_response_bytes=MAX_ANSWER_BYTES)
        except net.BlockedAddress as exc:
            # The address is not allowed: it will not be on another attempt either.
            raise StepError(f"refused to call {_host(message.url)}: {exc}",
                            retryable=False) from None
        except (net.ResponseTooLarge, net.TooManyRedirects) as exc:
            raise StepError(f"{_host(message.url)}: {exc}", retryable=False) from None
        except urllib3.exceptions.HTTPError as exc:  # unreachable, timed out: may pass
            raise StepError(f"could not reach {_host(message.url)}: "
                            f"{_network_reason(exc)}") from None
        return ProviderAnswer.from_text(response.status, response.text(),
                                        response.content_type, response.headers)


def _host(url: str) -> str:
    """The address without its path (webhook paths hold keys)."""
    parts = urllib3.util.parse_url(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else "the provider"


def _network_reason(exc: Exception) -> str:
    if isinstance(exc, urllib3.exceptions.TimeoutError | urllib3.exceptions.ReadTimeoutError):
        return "no answer in time (timed out)"
    reason = getattr(exc, "reason", None)
    return str(reason or exc)[:300]
