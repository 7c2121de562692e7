"""Email over SMTP with aiosmtplib.

The Message-ID is derived from the send's idempotency key, so even a resend after a crash
carries the same id and mail systems can recognise it.
"""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from activities.templates import RenderedEmail
from orkiestra.settings import Settings


class ProviderError(Exception):
    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class SmtpEmailProvider:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def build(self, to: str, email: RenderedEmail, idempotency_key: str) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.settings.email_from
        msg["To"] = to
        msg["Subject"] = email.subject
        msg["Date"] = formatdate(localtime=False)
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
        msg["Message-ID"] = f"<{digest}@orkiestra>"
        msg["X-Orkiestra-Key"] = idempotency_key
        msg.set_content(email.text)
        msg.add_alternative(email.html, subtype="html")
        return msg

    async def send(self, to: str, email: RenderedEmail, idempotency_key: str) -> str:
        msg = self.build(to, email, idempotency_key)
        try:
            await aiosmtplib.send(
                msg,
                hostname=self.settings.smtp_host,
                port=self.settings.smtp_port,
                username=self.settings.smtp_username,
                password=self.settings.smtp_password,
                start_tls=self.settings.smtp_starttls,
                timeout=30,
            )
        except aiosmtplib.SMTPResponseException as exc:
            raise ProviderError(f"SMTP {exc.code}: {exc.message}", permanent=500 <= exc.code < 600) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise ProviderError(f"SMTP unavailable: {exc}", permanent=False) from exc
        return str(msg["Message-ID"])
