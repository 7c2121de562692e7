"""The content library as an activity: journeys pick templates by tag without reading
files in workflow code. The library is re-read when its file changes, so adding a
template needs no worker restart."""

from __future__ import annotations

from pathlib import Path

from temporalio import activity

from orkiestra.content import ContentItem, load_library, select
from orkiestra.contracts import ContentQuery

LIBRARY_FILE = "library.toml"


class ContentActivities:
    def __init__(self, templates_dir: Path) -> None:
        self.path = templates_dir / LIBRARY_FILE
        self._cache: tuple[float, list[ContentItem]] | None = None

    def library(self) -> list[ContentItem]:
        mtime = self.path.stat().st_mtime if self.path.is_file() else 0.0
        if self._cache is None or self._cache[0] != mtime:
            self._cache = (mtime, load_library(self.path))
        return self._cache[1]

    @activity.defn(name="select_content")
    def select_content(self, query: ContentQuery) -> list[str]:
        """Template names matching the query, best match first."""
        found = select(
            self.library(),
            channel=query.channel,
            exclude=query.exclude,
            topic=query.topic,
            stage=query.stage,
            industry=query.industry,
        )
        return [item.name for item in found[: query.limit]]
