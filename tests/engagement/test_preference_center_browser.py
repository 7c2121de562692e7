"""A contact manages their subscriptions in a real browser, from a real email.

The welcome series sends the welcome email through the real messaging path (SMTP sink
on loopback); the test opens the `List-Unsubscribe` link of that mail in Debian's
headless chromium against the API under uvicorn, goes on to the preference center,
changes checkboxes, saves, then unsubscribes from everything. The journey's next
emails are then recorded as skipped with reason `unsubscribed`, and none is sent.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from orkiestra.devstack import free_port
from orkiestra.persistence import consents
from tests.engagement.browser import chromium_page, require_chromium, running_api
from tests.engagement.support import changes
from tests.support import async_wait_until
from worker.testkit import JourneyTestKit
from workflows.welcome_series import WelcomeSeries

pytestmark = pytest.mark.browser


def consent(kit: JourneyTestKit, cid: str, channel: str) -> tuple[str, str] | None:
    with kit.sessions() as session:
        state = consents.current(session, cid, channel, "marketing")
        return (state.status, state.source) if state else None


async def test_contact_unsubscribes_in_chromium_and_gets_nothing_more(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    require_chromium()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with JourneyTestKit.start(env=time_skipping_env, home=tmp_path, public_url=base) as kit:
        cid = kit.seed_contact(email="ala@example.com", firstName="Ala", phone="+48500100200")
        run = await kit.enrol(WelcomeSeries, cid)
        await async_wait_until(lambda: kit.mail.to("ala@example.com"), what="the welcome email")
        [welcome] = kit.mail.to("ala@example.com")
        assert welcome["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        unsubscribe = re.search(r"<(http[^>]+)>", str(welcome["List-Unsubscribe"]))
        assert unsubscribe and unsubscribe.group(1).startswith(f"{base}/u/")

        settings = kit.settings.model_copy(update={"temporal_address": None, "dispatcher_enabled": False})
        with running_api(settings, port):
            async with chromium_page() as page:
                # The mail client's unsubscribe link only asks; the contact picks "choose" instead.
                await page.goto(unsubscribe.group(1))
                assert await page.title() == "Unsubscribe · orkiestra"
                await page.screenshot(path=str(tmp_path / "unsubscribe-confirm.png"), full_page=True)
                await page.get_by_role("link", name="Choose channels and topics").click()
                await page.wait_for_url(re.compile(r"/preferences/"))
                await page.get_by_role("heading", name="Your subscriptions").wait_for()

                email = page.get_by_role("checkbox", name="Email", exact=True)
                sms = page.get_by_role("checkbox", name="Text messages (SMS)", exact=True)
                offers = page.get_by_role("checkbox", name="Offers", exact=True)
                assert await email.is_checked() and not await sms.is_checked() and await offers.is_checked()
                await email.uncheck()
                await offers.uncheck()
                await sms.check()
                await page.get_by_role("button", name="Save preferences").click()
                await page.get_by_role("status").filter(has_text="Your preferences are saved.").wait_for()
                assert not await email.is_checked() and await sms.is_checked()
                await page.screenshot(path=str(tmp_path / "preferences-saved.png"), full_page=True)

                assert consent(kit, cid, "email") == ("denied", "preference_center")
                assert consent(kit, cid, "sms") == ("granted", "preference_center")
                assert (None, "offers", False, "preference_center") in changes(kit.sessions, cid)

                await page.get_by_role("button", name="Unsubscribe from everything").click()
                await page.get_by_role("status").filter(has_text="unsubscribed from all").wait_for()
                assert await page.get_by_role("checkbox", checked=True).count() == 0
                await page.screenshot(path=str(tmp_path / "unsubscribed.png"), full_page=True)
                assert consent(kit, cid, "sms") == ("denied", "preference_center")

        outcome = await run.result()  # virtual time: the next two emails fall due
        assert outcome.status == "completed"
        sends = [(m.template, m.status, m.reason) for m in kit.messages(cid)]
        assert sends == [
            ("welcome", "sent", None),
            ("tips", "skipped", "unsubscribed"),
            ("first_order_incentive", "skipped", "unsubscribed"),
        ]
        assert len(kit.mail.to("ala@example.com")) == 1
        assert (tmp_path / "preferences-saved.png").stat().st_size > 10_000
