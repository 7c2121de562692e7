"""`/dev/mail`: the mail captured by the built-in catcher of `orkiestra dev` (dev only)."""

from __future__ import annotations

import html

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.deps import SettingsDep
from api.errors import ApiError
from orkiestra.mailcatcher import list_mail, read_mail

router = APIRouter(prefix="/dev/mail", tags=["dev"])


def _folder(settings: SettingsDep):  # type: ignore[no-untyped-def]
    if settings.env != "dev":
        raise ApiError(404, "the mail catcher exists only in dev mode")
    return settings.home / "mail"


@router.get("", response_class=HTMLResponse)
def inbox(settings: SettingsDep) -> HTMLResponse:
    rows = []
    for name, msg in list_mail(_folder(settings)):
        date, to, subject = (html.escape(str(msg[h] or "")) for h in ("Date", "To", "Subject"))
        link = f"<a href='/dev/mail/{html.escape(name)}'>{subject}</a>"
        rows.append(f"<tr><td>{date}</td><td>{to}</td><td>{link}</td></tr>")
    body = "".join(rows) or "<tr><td colspan=3>No mail yet. Send an event and reload.</td></tr>"
    return HTMLResponse(
        "<!doctype html><title>orkiestra · captured mail</title>"
        "<h1>Captured mail</h1><table border=1 cellpadding=6>"
        f"<tr><th>Date</th><th>To</th><th>Subject</th></tr>{body}</table>"
    )


@router.get("/{name}", response_class=HTMLResponse)
def show(name: str, settings: SettingsDep) -> HTMLResponse:
    folder = _folder(settings)
    path = folder / name
    if "/" in name or not name.endswith(".eml") or not path.is_file():
        raise ApiError(404, f"no captured message {name!r}; see /dev/mail")
    msg = read_mail(path)
    part = msg.get_body(preferencelist=("html", "plain"))
    content = part.get_content() if part is not None else ""
    if part is not None and part.get_content_type() == "text/plain":
        content = f"<pre>{html.escape(content)}</pre>"
    header = (
        f"<p><b>From:</b> {html.escape(str(msg['From']))}<br><b>To:</b> {html.escape(str(msg['To']))}"
        f"<br><b>Subject:</b> {html.escape(str(msg['Subject']))}</p><hr>"
    )
    return HTMLResponse(f"<!doctype html><title>{html.escape(str(msg['Subject']))}</title>{header}{content}")
