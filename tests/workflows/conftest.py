from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.workflows.sample_journeys import SAMPLES
from worker.testkit import JourneyTestKit


@pytest.fixture
async def sample_kit(time_skipping_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[JourneyTestKit]:
    """The test kit with the test-only sample journeys registered too."""
    async with JourneyTestKit.start(env=time_skipping_env, home=tmp_path, journeys=SAMPLES) as kit:
        yield kit
