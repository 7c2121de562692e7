"""Message templates: Jinja2 files under `templates/<channel>/`, rendered sandboxed.

Undefined variables raise instead of rendering blank, so a broken template is recorded
as `template_error` rather than sending "Hi ," to a customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, select_autoescape
from jinja2.sandbox import SandboxedEnvironment


class TemplateProblem(Exception):
    """A template is missing or failed to render; the message is for a person to fix."""


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


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
            return self.env.get_template(path).render(**context).strip()
        except TemplateError as exc:
            raise TemplateProblem(f"{path}: {exc.message or type(exc).__name__}") from exc

    def email(self, name: str, context: dict[str, Any]) -> RenderedEmail:
        if not (self.root / "email" / f"{name}.subject.j2").is_file():
            raise TemplateProblem(f"email template {name!r} not found under {self.root / 'email'}")
        return RenderedEmail(
            subject=self._render(f"email/{name}.subject.j2", context),
            html=self._render(f"email/{name}.html.j2", context),
            text=self._render(f"email/{name}.txt.j2", context),
        )
