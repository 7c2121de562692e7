"""A built-in mail catcher for `orkiestra dev`: a real SMTP server on loopback that keeps
every message as an .eml file under `<home>/mail`, listed by the API at `/dev/mail`.

A newcomer without an SMTP server still sees the welcome email their first `curl` caused.
"""

from __future__ import annotations

import time
import uuid
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from orkiestra.logging import get_logger

log = get_logger(__name__)


class _SaveToFolder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(envelope.original_content or envelope.content)
        tmp.rename(self.folder / name)
        log.info("mailcatcher.received", to=",".join(envelope.rcpt_tos), file=name)
        return "250 Message accepted for delivery"


def start_mail_catcher(folder: Path, host: str, port: int) -> Controller:
    controller = Controller(_SaveToFolder(folder), hostname=host, port=port)
    controller.start()
    return controller


def list_mail(folder: Path) -> list[tuple[str, EmailMessage]]:
    """Captured messages, newest first."""
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*.eml"), reverse=True):
        out.append((path.name, read_mail(path)))
    return out


def read_mail(path: Path) -> EmailMessage:
    with path.open("rb") as fh:
        return BytesParser(policy=policy.default).parse(fh)  # type: ignore[return-value]
