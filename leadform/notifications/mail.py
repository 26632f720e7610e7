"""Lead emails over SMTP with aiosmtplib: implicit TLS (smtps://), STARTTLS (required
whenever a password is sent) or a plain relay, as LEADFORM_SMTP_URL says."""

from __future__ import annotations

import asyncio
import ssl
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import aiosmtplib
import jinja2
from aiosmtplib import SMTPResponse

from leadform.clock import Clock
from leadform.config import SmtpServer
from leadform.domain.clinic import NO_CLINIC, Clinic
from leadform.domain.leads import Lead
from leadform.i18n.languages import Language
from leadform.notifications.lead_email import compose_lead_email
from leadform.notifications.outcomes import Delivered, Outcome, TryLater
from leadform.storage.outbox import InFlight, Notification

COMMAND_TIMEOUT = 20.0  # seconds for each SMTP command
SEND_TIMEOUT = 30.0  # seconds for the whole conversation
# At most this many SMTP conversations at once (every email goes to the one server).
# Providers refuse more than a few connections per account: Microsoft 365 allows 3 per
# mailbox and answers a fourth with "432 4.3.2 concurrent connection limit exceeded";
# 2 leaves room for the mailbox's other senders (a person's mail app, a copier).
IN_FLIGHT = 2


class MailSender:
    in_flight = InFlight(IN_FLIGHT, per_target=False)  # one server for all recipients

    def __init__(
        self,
        server: SmtpServer,
        sender: str,
        *,
        language: Language,
        zone: ZoneInfo,
        env: jinja2.Environment,
        clock: Clock,
        clinic: Clinic = NO_CLINIC,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.clinic = clinic
        self.server = server
        self.sender = sender
        self.language = language
        self.zone = zone
        self.env = env
        self.clock = clock
        self.tls_context = tls_context or ssl.create_default_context()

    async def send(self, notification: Notification, lead: Lead) -> Outcome:
        message = compose_lead_email(
            lead,
            language=self.language,
            zone=self.zone,
            env=self.env,
            clinic=self.clinic,
            sender=self.sender,
            recipients=notification.target,
            delivery_id=notification.delivery_id,
            now=self.clock(),
        )
        try:
            async with asyncio.timeout(SEND_TIMEOUT):
                refused, _ = await self._send(message)
        except aiosmtplib.SMTPResponseException as exc:  # the server said no (code only:
            return TryLater(f"SMTP {exc.code}")  # its text may quote addresses)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            return TryLater(type(exc).__name__)
        # Some recipients refused, others took it: delivered; the count says the rest.
        extra = f", {len(refused)} recipient(s) refused" if refused else ""
        return Delivered(f"SMTP accepted{extra}")

    async def _send(self, message: EmailMessage) -> tuple[dict[str, SMTPResponse], str]:
        server = self.server
        return await aiosmtplib.send(
            message,
            hostname=server.host,
            port=server.port,
            username=server.username or None,
            password=server.password or None,
            use_tls=server.security == "tls",
            start_tls=server.security == "starttls",
            tls_context=self.tls_context,
            timeout=COMMAND_TIMEOUT,
        )

    async def aclose(self) -> None:
        """Nothing to close: each email is its own short SMTP conversation."""
