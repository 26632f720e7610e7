"""The webhook: the lead as signed JSON, POSTed to each configured URL.

Any 2xx is delivered; 410 Gone means the receiver wants no more (that URL gives up for
this notification); everything else, timeouts included, is tried again later. Only
307/308 redirects (which keep the POST and its body) to the same origin are followed:
a redirect elsewhere would hand a lead to a host nobody configured.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

import httpx

from leadform import __version__
from leadform.clock import Clock
from leadform.domain.leads import Lead, lead_fields
from leadform.domain.opt_out import OptOutLinks
from leadform.notifications.backoff import MAX_DELAY
from leadform.notifications.outcomes import Delivered, GiveUp, Outcome, TryLater
from leadform.notifications.signing import DELIVERY_HEADER, SIGNATURE_HEADER, signature_header
from leadform.storage.outbox import InFlight, Notification

EVENT = "lead.created"
TIMEOUT_SECONDS = 10.0
MAX_REDIRECTS = 3
FOLLOWED_REDIRECTS = frozenset({307, 308})
# At most this many requests in flight to one webhook URL, counted over every leadform
# process on the database. A backlog (after `notifications retry`, or when a receiver
# comes back from an outage) would otherwise arrive all at once, and a single-threaded
# receiver (Python's http.server, a small Flask or PHP app) serves one connection at a
# time from a short listen queue (socketserver's default holds 5): the rest are reset.
IN_FLIGHT = 4


def webhook_document(
    lead: Lead, delivery_id: str, zone: ZoneInfo, links: OptOutLinks | None = None
) -> dict[str, str]:
    """The export's fields and names, with what a receiver needs to drop repeats."""
    return {"event": EVENT, "delivery_id": delivery_id, **lead_fields(lead, zone, links)}


def webhook_body(
    lead: Lead, delivery_id: str, zone: ZoneInfo, links: OptOutLinks | None = None
) -> bytes:
    document = webhook_document(lead, delivery_id, zone, links)
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def classify(response: httpx.Response, now: datetime) -> Outcome:
    code = response.status_code
    if 200 <= code < 300:
        return Delivered(f"HTTP {code}")
    if code == 410:
        return GiveUp("HTTP 410 Gone: the receiver asked for no more")
    if 300 <= code < 400:
        return TryLater(f"HTTP {code} redirect not followed")
    return TryLater(f"HTTP {code}", retry_after(response.headers.get("retry-after", ""), now))


def retry_after(value: str, now: datetime) -> timedelta:
    """Retry-After (RFC 9110 §10.2.3) as a wait, capped at the longest backoff."""
    value = value.strip()
    if value.isdigit():
        wait = timedelta(seconds=int(value[:6]))
    else:
        try:
            wait = parsedate_to_datetime(value) - now
        except (TypeError, ValueError):
            return timedelta(0)
    return max(timedelta(0), min(wait, MAX_DELAY))


def same_origin(a: httpx.URL, b: httpx.URL) -> bool:
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)


class WebhookSender:
    in_flight = InFlight(IN_FLIGHT)  # per URL

    def __init__(
        self,
        secret: str,
        zone: ZoneInfo,
        clock: Clock,
        client: httpx.AsyncClient,
        links: OptOutLinks | None = None,
    ) -> None:
        self.secret = secret
        self.zone = zone
        self.clock = clock
        self.client = client
        self.links = links  # the lead's marketing opt-out link, for the receiver's messages

    async def send(self, notification: Notification, lead: Lead) -> Outcome:
        body = webhook_body(lead, notification.delivery_id, self.zone, self.links)
        try:
            async with asyncio.timeout(TIMEOUT_SECONDS):
                response = await self._post(notification, body)
        except (TimeoutError, httpx.TimeoutException):
            return TryLater("timeout")
        except httpx.InvalidURL:
            return GiveUp("invalid URL")
        except httpx.HTTPError as exc:  # connection refused, TLS, protocol errors
            return TryLater(type(exc).__name__)
        return classify(response, self.clock())

    async def _post(self, notification: Notification, body: bytes) -> httpx.Response:
        url = httpx.URL(notification.target)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"leadform/{__version__}",
            DELIVERY_HEADER: notification.delivery_id,
            SIGNATURE_HEADER: signature_header(
                self.secret, int(self.clock().astimezone(UTC).timestamp()), body
            ),
        }
        for _ in range(MAX_REDIRECTS + 1):
            response = await self.client.post(url, content=body, headers=headers)
            location = response.headers.get("location")
            if response.status_code not in FOLLOWED_REDIRECTS or not location:
                return response
            following = url.join(location)
            if not same_origin(url, following):
                return response
            url = following
        return response

    async def aclose(self) -> None:
        await self.client.aclose()


def webhook_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False)
