"""Channel providers behind one interface (`base.ChannelProvider`), chosen by settings.

A channel whose provider is not configured is simply absent from `build_providers`;
the messaging path records such sends as `channel_unavailable` (and a journey with a
fallback tries the next channel).
"""

from __future__ import annotations

from activities.channels.base import ChannelProvider, Outgoing, ProviderError, Recipient
from activities.channels.email_http import HttpEmailProvider
from activities.channels.email_smtp import SmtpEmailProvider
from activities.channels.http import HttpClient
from activities.channels.inapp import InAppProvider
from activities.channels.push_fcm import FcmPushProvider
from activities.channels.sms_twilio import TwilioSmsProvider
from activities.channels.webhook import WebhookProvider
from orkiestra.db import SessionFactory
from orkiestra.settings import Settings

__all__ = ["ChannelProvider", "Outgoing", "ProviderError", "Recipient", "build_providers"]


def build_providers(settings: Settings, sessions: SessionFactory) -> dict[str, ChannelProvider]:
    http = HttpClient(settings.provider_timeout_seconds)
    providers: dict[str, ChannelProvider] = {}
    if settings.email_provider == "http":
        if settings.email_api_key:
            providers["email"] = HttpEmailProvider(settings, http)
    else:
        providers["email"] = SmtpEmailProvider(settings)
    if settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_from:
        providers["sms"] = TwilioSmsProvider(settings, http)
    if settings.fcm_project and settings.fcm_token:
        providers["push"] = FcmPushProvider(settings, http)
    if settings.inapp_enabled:
        providers["inapp"] = InAppProvider(sessions)
    if settings.outbound_webhook_url:
        providers["webhook"] = WebhookProvider(settings, http)
    return providers
