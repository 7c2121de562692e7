"""The content library: templates tagged by topic, funnel stage and industry, so a journey
can ask for "a consideration-stage case study for fintech" instead of naming a file.

`templates/library.toml` lists one `[[template]]` table per entry:

    [[template]]
    name = "nurture_case_study_fintech"   # templates/<channel>/<name>.*.j2
    channel = "email"
    topic = ["case-study"]
    stage = ["consideration"]
    industry = ["fintech"]                # "any" matches every asked value
    description = "How a payments company cut onboarding time"

Journeys select through the `select_content` activity (workflow code reads no files).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

TAG_KEYS = ("topic", "stage", "industry")
ANY = "any"


@dataclass(frozen=True)
class ContentItem:
    name: str
    channel: str
    tags: dict[str, tuple[str, ...]] = field(default_factory=dict)
    description: str = ""

    def matches(self, key: str, value: str) -> bool:
        values = self.tags.get(key, ())
        return value in values or ANY in values

    def exact(self, key: str, value: str) -> bool:
        return value in self.tags.get(key, ())


class LibraryError(ValueError):
    """The library file is malformed; the message names the entry to fix."""


def load_library(path: Path) -> list[ContentItem]:
    if not path.is_file():
        return []
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise LibraryError(f"{path}: {exc}") from exc
    items: list[ContentItem] = []
    for index, entry in enumerate(raw.get("template", [])):
        name, channel = entry.get("name"), entry.get("channel")
        if not isinstance(name, str) or not isinstance(channel, str):
            raise LibraryError(f"{path}: template #{index + 1} needs a 'name' and a 'channel'")
        tags: dict[str, tuple[str, ...]] = {}
        for key in TAG_KEYS:
            value = entry.get(key, [])
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise LibraryError(f"{path}: {name}.{key} must be a string or a list of strings")
            tags[key] = tuple(v.lower() for v in values)
        items.append(ContentItem(name, channel, tags, str(entry.get("description", ""))))
    return items


def select(
    items: Iterable[ContentItem],
    *,
    channel: str | None = None,
    exclude: Iterable[str] = (),
    **tags: str | None,
) -> list[ContentItem]:
    """Entries on `channel` whose tags match every given tag (`topic="case-study"`, ...),
    except the names in `exclude` (what the contact already got). Entries tagged with
    the asked values come before generic ("any") ones; ties keep the file's order."""
    unknown = set(tags) - set(TAG_KEYS)
    if unknown:
        raise ValueError(f"unknown tag(s) {sorted(unknown)}; use {', '.join(TAG_KEYS)}")
    asked = {k: v.lower() for k, v in tags.items() if v}
    skip = set(exclude)
    found = [
        item
        for item in items
        if (channel is None or item.channel == channel)
        and item.name not in skip
        and all(item.matches(k, v) for k, v in asked.items())
    ]
    return sorted(found, key=lambda item: -sum(item.exact(k, v) for k, v in asked.items()))
