"""The shipped journeys as the admin API lists them, and their SMS templates."""

from __future__ import annotations

import httpx
import pytest

from activities.templates import TemplateRenderer
from api.main import create_app
from orkiestra.commerce import product
from orkiestra.settings import Settings
from workflows.catalog import JOURNEYS

ADMIN = {"Authorization": "Bearer dev-admin-key"}


async def test_api_lists_every_journey_with_readable_triggers(settings: Settings):
    app = create_app(settings.model_copy(update={"dispatcher_enabled": False}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/v1/journeys", headers=ADMIN)
    assert response.status_code == 200
    listed = {j["name"]: j for j in response.json()}
    assert set(listed) == {j.spec.name for j in JOURNEYS}
    described = {name: [t["description"] for t in j["triggers"]] for name, j in listed.items()}
    assert described["win-back"] == ["no Order Completed for 180 days"]
    assert described["subscription-renewal"] == ["30 days before subscription_end"]
    assert described["post-purchase"] == ["Order Completed (one run per order_id)"]
    assert described["abandoned-cart"] == ["Checkout Started", "Product Added"]
    renewal = listed["subscription-renewal"]
    assert renewal["triggers"][0]["where"] == {"attribute": "subscription_end", "days_before": 30}
    assert (renewal["goal"], renewal["reentry"]) == ("Subscription Renewed", "always")
    assert listed["abandoned-cart"]["reentry"] == "after 7 days, 0:00:00"
    assert listed["replenishment"]["counts"] == {"active": 0, "completed": 0, "converted": 0, "exited": 0}


CONTEXT = {
    "first_name": "Ala",
    "public_url": "http://127.0.0.1:8000",
    "cart": {"value": 120.0, "currency": "PLN", "products": [product({"name": "Mug"})], "url": None},
    "end_date": "2030-03-31",
    "days_left": 1,
    "plan": None,
}


@pytest.mark.parametrize("name", ["cart_nudge", "renewal_last_call"])
def test_sms_templates_render_short(settings: Settings, name: str):
    text = TemplateRenderer(settings.templates_dir).render("sms", name, CONTEXT).text
    assert text and len(text) <= 160 and "http://127.0.0.1:8000" in text
