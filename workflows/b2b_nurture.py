"""B2B nurture (seed 001): an educational sequence for leads who are not ready for sales,
one email per funnel stage (awareness, consideration, decision), chosen from the content
library by industry and persona. A lead who does not open an email within three days gets
a short nudge on another channel (SMS, else a webhook, e.g. to a LinkedIn automation).
It ends the moment the lead becomes an MQL (`Lead Qualified`, the goal); the lead SLA
journey takes over from there, and sends leads it could not place back here.
"""

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from orkiestra.contracts import ContentQuery, JourneyStart, ProfileRequest
    from workflows.sdk import Journey, journey
    from workflows.sdk.core import ACTIVITY_RETRY, ACTIVITY_TIMEOUT

FUNNEL = ("awareness", "consideration", "decision")
OPEN_WINDOW = timedelta(days=3)
PAUSE = timedelta(days=4)
SALES_STAGES = frozenset({"mql", "sql", "opportunity", "customer"})
PERSONA_TOPIC = {"executive": "business-case", "technical": "integration", "practitioner": "playbook"}
EXECUTIVE_WORDS = (
    "ceo",
    "cfo",
    "coo",
    "cmo",
    "founder",
    "owner",
    "director",
    "head",
    "vp",
    "president",
    "prezes",
)
TECHNICAL_WORDS = ("cto", "engineer", "developer", "architect", "it ", "devops", "programist", "data")


def persona_of(traits: Mapping[str, Any]) -> str:
    """`persona` when the profile names one, else a guess from the job title."""
    given = str(traits.get("persona") or "").strip().lower()
    if given in PERSONA_TOPIC:
        return given
    title = f" {traits.get('job_title') or traits.get('title') or traits.get('role') or ''} ".lower()
    if any(w in title for w in EXECUTIVE_WORDS):
        return "executive"
    if any(w in title for w in TECHNICAL_WORDS):
        return "technical"
    return "practitioner"


@journey(
    trigger=["Ebook Downloaded", "Lead Returned to Nurture"],
    goal="Lead Qualified",
    listens=["Email Opened"],
    reentry=True,
)
class B2bNurture(Journey):
    """One email per funnel stage by industry and persona; no open → SMS/webhook nudge."""

    async def run(self, start: JourneyStart) -> None:
        stage = await self._activity("sales_lead_stage", ProfileRequest(contact_id=self.contact_id), str)
        if stage in SALES_STAGES:
            self.step(f"skipped: already {stage}")
            return
        profile = await self.profile()
        industry = str(profile.traits.get("industry") or "").strip().lower() or "any"
        persona = persona_of(profile.traits)
        sent: list[str] = []
        for funnel_stage in FUNNEL:
            template = await self._pick(funnel_stage, industry, persona, sent)
            if template is None:
                continue
            sent.append(template)
            context = {"industry": industry or "", "persona": persona, "title": template}
            self.step(f"{funnel_stage}: {template}")
            await self.send("email", template, context)
            opened = await self.wait_for("Email Opened", OPEN_WINDOW)
            if self.converted:
                return
            if opened is None:
                self.step(f"{funnel_stage}: nudge on another channel")
                await self.send("sms", "b2b_nudge", context, fallback=["webhook"])
            if await self.wait(PAUSE):
                return

    async def _pick(self, stage: str, industry: str, persona: str, sent: list[str]) -> str | None:
        """The library's best email for the stage, persona (as topic) and industry; without
        a persona-specific one, any for the stage and industry."""
        for topic in (PERSONA_TOPIC[persona], None):
            query = ContentQuery(
                channel="email", stage=stage, industry=industry, topic=topic, exclude=sent, limit=1
            )
            found = await self._activity("select_content", query, list[str])
            if found:
                return found[0]
        return None

    async def _activity(self, name: str, arg: Any, result_type: Any) -> Any:
        return await workflow.execute_activity(
            name,
            arg,
            result_type=result_type,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
