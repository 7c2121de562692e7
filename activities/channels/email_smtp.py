"""Email over SMTP (aiosmtplib), with RFC 8058 one-click unsubscribe on marketing mail.

SMTP cannot de-duplicate, so this provider is not `idempotent`: the messaging path marks
the row before the hand-off and never calls it twice for one message (at-most-once; see
activities/messaging.py). The conversation is split so that the one ambiguous moment is
known: an error before DATA, or a refusal the server answers with, means the message was
certainly not taken; losing the connection during DATA means it may have been.

The Message-ID is derived from the idempotency key, so mail systems that de-duplicate
by Message-ID see one message even if a copy ever went out twice.
"""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

import aiosmtplib

from activities.channels.base import Outgoing, ProviderError, Recipient
from orkiestra.settings import Settings


def unsubscribe_headers(settings: Settings, message: Outgoing) -> dict[str, str]:
    """`List-Unsubscribe` (mailto + https) and `List-Unsubscribe-Post` for marketing mail."""
    if message.purpose != "marketing" or not message.unsubscribe_url:
        return {}
    mailbox = settings.unsubscribe_mailbox
    if not mailbox:
        domain = parseaddr(settings.email_from)[1].rpartition("@")[2] or "localhost"
        mailbox = f"unsubscribe@{domain}"
    token = message.unsubscribe_url.rstrip("/").rpartition("/")[2]
    return {
        "List-Unsubscribe": f"<mailto:{mailbox}?subject=unsubscribe%20{token}>, <{message.unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def message_id_for(idempotency_key: str) -> str:
    return f"<{hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]}@orkiestra>"


class SmtpEmailProvider:
    channel = "email"
    name = "smtp"
    idempotent = False

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def address(self, recipient: Recipient) -> str | None:
        return recipient.email or None

    def build(self, message: Outgoing) -> EmailMessage:
        content = message.content
        msg = EmailMessage()
        msg["From"] = self.settings.email_from
        msg["To"] = message.to
        msg["Subject"] = content.subject or ""
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = message_id_for(message.idempotency_key)
        msg["X-Orkiestra-Key"] = message.idempotency_key
        msg["X-Orkiestra-Message"] = str(message.message_id)
        for name, value in unsubscribe_headers(self.settings, message).items():
            msg[name] = value
        msg.set_content(content.text or "")
        if content.html:
            msg.add_alternative(content.html, subtype="html")
        return msg

    async def send(self, message: Outgoing) -> str:
        msg = self.build(message)
        client = aiosmtplib.SMTP(
            hostname=self.settings.smtp_host,
            port=self.settings.smtp_port,
            username=self.settings.smtp_username,
            password=self.settings.smtp_password,
            start_tls=self.settings.smtp_starttls,
            timeout=self.settings.provider_timeout_seconds,
        )
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise ProviderError(f"SMTP unavailable: {exc}", permanent=False) from exc
        try:
            await client.mail(parseaddr(self.settings.email_from)[1])
            await client.rcpt(message.to)
            try:
                await client.data(msg.as_bytes())
            except aiosmtplib.SMTPResponseException:
                raise
            except (aiosmtplib.SMTPException, OSError) as exc:
                raise ProviderError(
                    f"SMTP connection lost while handing the message over: {exc}",
                    permanent=False,
                    ambiguous=True,
                ) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise ProviderError(f"SMTP {exc.code}: {exc.message}", permanent=500 <= exc.code < 600) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise ProviderError(f"SMTP unavailable: {exc}", permanent=False) from exc
        finally:
            client.close()
        return str(msg["Message-ID"])
