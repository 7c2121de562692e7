"""Server-rendered HTML pages (preference center, unsubscribe, link errors).

Pages contacts open from an email: no JavaScript, no external assets (a mail link must
work on any phone and leak nothing to third parties), autoescaped Jinja2. The token in
the URL is the credential, so every page is sent with `no-store` and `no-referrer`:
neither a shared cache nor a site the page links to ever sees it.
"""

from __future__ import annotations

from email.utils import parseaddr
from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from orkiestra.settings import Settings

_env = Environment(
    loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}


def brand(settings: Settings) -> str:
    """The sender's name as contacts know it: the display name of `EMAIL_FROM`."""
    name, address = parseaddr(settings.email_from)
    return name or address.partition("@")[2] or "orkiestra"


def render(settings: Settings, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    body = _env.get_template(template).render(brand=brand(settings), **context)
    return HTMLResponse(body, status_code=status_code, headers=SECURITY_HEADERS)


def link_error(
    settings: Settings, expired: bool, status_code: int | None = None, detail: str | None = None
) -> HTMLResponse:
    """The page for a link we cannot act on: 410 when it expired, 400 when it is not ours."""
    if expired:
        return render(
            settings,
            "link_error.html",
            status_code or 410,
            title="This link has expired",
            message=(
                "For your safety, links to manage your subscriptions stop working after a while. "
                "Open the most recent message we sent you and use the link at its bottom."
            ),
        )
    return render(
        settings,
        "link_error.html",
        status_code or 400,
        title="This link is not valid",
        message=detail
        or (
            "The link is incomplete or was changed. Copy the whole link from the message we sent you, "
            "or open the most recent message and use the link at its bottom."
        ),
    )


def mask_email(address: str | None) -> str | None:
    """`a***@example.com`: enough to recognise one's own address, little for anyone else."""
    if not address or "@" not in address:
        return None
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"
