"""GDPR for the admin API: `DELETE /v1/contacts/{id}` erases, `GET .../export` exports.

Erasure first ends the contact's journeys (an `exit` signal to each active run, then a
short wait for them to close, so no step runs on after the data is gone), then scrubs
every table in one transaction (see orkiestra/persistence/privacy.py). If Temporal is
unreachable the erasure still happens: a run left behind finds no contact and sends
nothing (`missing_address`), and the answer says which runs were not signalled.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from temporalio.client import Client

from api.deps import AdminDep, SessionDep, StateDep
from api.errors import ApiError
from orkiestra.contracts import ControlSignal
from orkiestra.db import transaction
from orkiestra.logging import get_logger
from orkiestra.persistence import journeys, privacy
from worker.starter import signal_control

router = APIRouter(prefix="/v1/contacts", tags=["contacts"], dependencies=[AdminDep])
log = get_logger(__name__)
EXIT_WAIT_SECONDS = 10.0


class ErasureResult(BaseModel):
    erased: bool
    erasure_id: int
    subject: str
    journeys_exited: int
    journeys_not_signalled: list[str]
    rows: dict[str, int]


def _missing(contact_id: str) -> ApiError:
    return ApiError(404, f"no contact with id {contact_id!r}; it may have been erased already")


async def _end_runs(client: Client | None, workflow_ids: list[str]) -> list[str]:
    """Signal `exit` to each run and wait (bounded) for it to close; returns the ids that
    could not be signalled."""
    if not workflow_ids:
        return []
    if client is None:
        return workflow_ids
    control = ControlSignal(action="exit", reason="contact erased (GDPR)")
    failed: list[str] = []
    signalled = []
    for wid in workflow_ids:
        try:
            await signal_control(client, wid, control)
            signalled.append(wid)
        except Exception as exc:  # not found = already closed; anything else is reported
            log.warning("privacy.exit_not_signalled", workflow_id=wid, error=type(exc).__name__)
            failed.append(wid)

    async def closed(wid: str) -> None:
        with contextlib.suppress(Exception):
            await client.get_workflow_handle(wid).result()

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*(closed(w) for w in signalled)), EXIT_WAIT_SECONDS)
    return failed


@router.delete("/{contact_id}", response_model=ErasureResult, summary="Erase a contact (GDPR)")
async def erase_contact(contact_id: str, state: StateDep) -> ErasureResult:
    def active() -> tuple[str, list[str]] | None:
        with state.sessions() as session:
            subject = privacy.find_subject(session, contact_id)
            if subject is None:
                return None
            runs = journeys.active_runs(session, subject.contact.id)
            return subject.contact.id, [r.workflow_id for r in runs]

    found = await run_in_threadpool(active)
    if found is None:
        raise _missing(contact_id)
    real_id, workflow_ids = found
    not_signalled = await _end_runs(state.client, workflow_ids)

    def scrub() -> Any:
        with transaction(state.sessions) as session:
            subject = privacy.find_subject(session, real_id)
            if subject is None:
                return None
            journeys.mark_exited(session, real_id)
            return privacy.erase(session, subject, state.settings.secret_key, len(workflow_ids))

    erasure = await run_in_threadpool(scrub)
    if erasure is None:
        raise _missing(contact_id)
    log.info("privacy.erased", subject=erasure.subject, journeys=len(workflow_ids), rows=erasure.summary)
    return ErasureResult(
        erased=True,
        erasure_id=erasure.id,
        subject=erasure.subject,
        journeys_exited=erasure.journeys_exited,
        journeys_not_signalled=not_signalled,
        rows=erasure.summary,
    )


@router.get("/{contact_id}/export", summary="Everything held about a contact (GDPR)")
def export_contact(contact_id: str, session: SessionDep) -> dict[str, Any]:
    subject = privacy.find_subject(session, contact_id)
    if subject is None:
        raise _missing(contact_id)
    return privacy.export(session, subject)
