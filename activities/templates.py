"""Message templates: Jinja2 files under `templates/<channel>/`, rendered sandboxed.

One file per part, named `<name>.<part>.j2`:

    email/<name>.subject.j2, .html.j2, .txt.j2     sms/<name>.txt.j2
    push/<name>.title.j2, .body.j2                 inapp/<name>.title.j2, .body.j2
    webhook/<name>.json.j2   (must render to a JSON object; use `|tojson` for values)

Undefined variables raise instead of rendering blank, and a part that renders empty is
refused, so a broken template is recorded as `template_error` rather than sending
"Hi ," to a customer. Only `.html.j2` is HTML-escaped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

PARTS: dict[str, tuple[str, ...]] = {
    "email": ("subject", "html", "txt"),
    "sms": ("txt",),
    "push": ("title", "body"),
    "inapp": ("title", "body"),
    "webhook": ("json",),
}


class TemplateProblem(Exception):
    """A template is missing or failed to render; the message is for a person to fix."""


@dataclass(frozen=True)
class Rendered:
    """A rendered message. Which fields are set depends on the channel (see PARTS)."""

    channel: str
    name: str
    subject: str | None = None
    html: str | None = None
    text: str | None = None
    title: str | None = None
    body: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def summary(self) -> str | None:
        """What the message log shows as its subject line."""
        return self.subject or self.title or (self.text[:120] if self.text else None)


class TemplateRenderer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = SandboxedEnvironment(
            loader=FileSystemLoader(str(root)),
            undefined=StrictUndefined,
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def _render(self, path: str, context: dict[str, Any]) -> str:
        try:
            text = self.env.get_template(path).render(**context).strip()
        except TemplateError as exc:
            raise TemplateProblem(f"{path}: {exc.message or type(exc).__name__}") from exc
        if not text:
            raise TemplateProblem(f"{path} rendered empty; refusing to send a blank message")
        return text

    def exists(self, channel: str, name: str) -> bool:
        parts = PARTS.get(channel)
        return bool(parts) and (self.root / channel / f"{name}.{parts[0]}.j2").is_file()

    def render(self, channel: str, name: str, context: dict[str, Any]) -> Rendered:
        if channel not in PARTS:
            raise TemplateProblem(f"no templates for channel {channel!r}")
        if not self.exists(channel, name):
            raise TemplateProblem(f"{channel} template {name!r} not found under {self.root / channel}")
        parts = {part: self._render(f"{channel}/{name}.{part}.j2", context) for part in PARTS[channel]}
        if channel == "email":
            return Rendered(channel, name, subject=parts["subject"], html=parts["html"], text=parts["txt"])
        if channel == "sms":
            return Rendered(channel, name, text=parts["txt"])
        if channel == "webhook":
            try:
                data = json.loads(parts["json"])
            except json.JSONDecodeError as exc:
                raise TemplateProblem(f"webhook/{name}.json.j2 is not valid JSON: {exc}") from exc
            if not isinstance(data, dict):
                raise TemplateProblem(f"webhook/{name}.json.j2 must render a JSON object")
            return Rendered(channel, name, data=data)
        return Rendered(channel, name, title=parts["title"], body=parts["body"])

    def email(self, name: str, context: dict[str, Any]) -> Rendered:
        return self.render("email", name, context)
