"""Templates per channel (sandboxed Jinja2, strict about missing variables) and the
content library that journeys select from by tag."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.testing import ActivityEnvironment

from activities.content import ContentActivities
from activities.templates import TemplateProblem, TemplateRenderer
from orkiestra.content import LibraryError, load_library, select
from orkiestra.contracts import ContentQuery
from orkiestra.settings import REPO_ROOT

TEMPLATES = REPO_ROOT / "templates"
CONTEXT = {
    "first_name": "Ala",
    "public_url": "https://shop.example",
    "contact": {"id": "c1", "email": "ala@example.com"},
    "traits": {"plan": "pro"},
    "cart": {"value": 149.5, "currency": "PLN", "items": 2, "url": None},
}


def write(root: Path, files: dict[str, str]) -> TemplateRenderer:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return TemplateRenderer(root)


def test_every_channel_renders_its_parts() -> None:
    renderer = TemplateRenderer(TEMPLATES)
    email = renderer.render("email", "welcome", CONTEXT)
    assert (email.subject, email.summary) == ("Welcome, Ala!", "Welcome, Ala!")
    assert "Ala" in (email.text or "") and "<h1>" in (email.html or "")
    assert renderer.render("sms", "cart_nudge", CONTEXT).text.startswith("Ala, your cart (149.50 PLN)")  # type: ignore[union-attr]
    push = renderer.render("push", "cart_nudge", CONTEXT)
    assert (push.title, push.body) == (
        "Ala, your cart is waiting",
        "2 item(s) worth 149.50 PLN are still in your cart.",
    )
    inapp = renderer.render("inapp", "welcome", CONTEXT)
    assert inapp.title == "Welcome, Ala!" and inapp.body
    hook = renderer.render("webhook", "contact_update", CONTEXT)
    assert (
        hook.data["contact"] == {"id": "c1", "email": "ala@example.com"}
        and hook.data["traits"]["plan"] == "pro"
    )


def test_html_is_escaped_but_text_is_not(tmp_path: Path) -> None:
    renderer = write(
        tmp_path,
        {
            "email/x.subject.j2": "{{ name }}",
            "email/x.html.j2": "<p>{{ name }}</p>",
            "email/x.txt.j2": "{{ name }}",
        },
    )
    email = renderer.render("email", "x", {"name": "<b>Ala & Ola</b>"})
    assert email.html == "<p>&lt;b&gt;Ala &amp; Ola&lt;/b&gt;</p>" and email.text == "<b>Ala & Ola</b>"


def test_a_missing_variable_is_an_error_never_a_blank(tmp_path: Path) -> None:
    renderer = write(tmp_path, {"sms/hi.txt.j2": "Hi {{ first_name }}, your code is {{ code }}"})
    with pytest.raises(TemplateProblem, match="'code' is undefined"):
        renderer.render("sms", "hi", {"first_name": "Ala"})
    with pytest.raises(TemplateProblem, match="undefined"):
        TemplateRenderer(TEMPLATES).render("push", "cart_nudge", {"first_name": "Ala"})


def test_empty_or_broken_output_is_refused(tmp_path: Path) -> None:
    renderer = write(
        tmp_path,
        {
            "sms/blank.txt.j2": "{% if false %}never{% endif %}",
            "webhook/bad.json.j2": "{not json",
            "webhook/list.json.j2": "[1, 2]",
            "sms/sandbox.txt.j2": "{{ ''.__class__.__mro__ }}",
        },
    )
    with pytest.raises(TemplateProblem, match="rendered empty"):
        renderer.render("sms", "blank", {})
    with pytest.raises(TemplateProblem, match="not valid JSON"):
        renderer.render("webhook", "bad", {})
    with pytest.raises(TemplateProblem, match="JSON object"):
        renderer.render("webhook", "list", {})
    with pytest.raises(TemplateProblem, match="is unsafe"):
        renderer.render("sms", "sandbox", {})
    with pytest.raises(TemplateProblem, match="not found"):
        renderer.render("sms", "nope", {})
    with pytest.raises(TemplateProblem, match="no templates for channel"):
        renderer.render("fax", "nope", {})


def test_the_shipped_library_names_only_templates_that_exist() -> None:
    renderer = TemplateRenderer(TEMPLATES)
    items = load_library(TEMPLATES / "library.toml")
    assert items, "templates/library.toml lists no templates"
    missing = [f"{i.channel}/{i.name}" for i in items if not renderer.exists(i.channel, i.name)]
    assert missing == []


LIBRARY = """
[[template]]
name = "generic_case_study"
channel = "email"
topic = "case-study"
stage = ["consideration"]
industry = ["any"]

[[template]]
name = "fintech_case_study"
channel = "email"
topic = ["case-study"]
stage = ["consideration"]
industry = ["fintech"]

[[template]]
name = "demo_sms"
channel = "sms"
topic = ["demo"]
stage = ["decision"]
industry = ["any"]
"""


def test_select_by_tags_prefers_exact_matches_and_skips_what_was_sent(tmp_path: Path) -> None:
    (tmp_path / "library.toml").write_text(LIBRARY)
    items = load_library(tmp_path / "library.toml")
    names = lambda found: [i.name for i in found]  # noqa: E731
    assert names(select(items, channel="email", topic="case-study", industry="fintech")) == [
        "fintech_case_study",
        "generic_case_study",
    ]
    assert names(select(items, channel="email", industry="retail")) == ["generic_case_study"]
    assert names(select(items, channel="email", topic="CASE-STUDY", exclude=["generic_case_study"])) == [
        "fintech_case_study"
    ]
    assert names(select(items, stage="decision")) == ["demo_sms"]
    with pytest.raises(ValueError, match="unknown tag"):
        select(items, persona="cto")
    (tmp_path / "broken.toml").write_text('[[template]]\nchannel = "email"\n')
    with pytest.raises(LibraryError, match="needs a 'name'"):
        load_library(tmp_path / "broken.toml")


def test_the_select_content_activity_rereads_a_changed_library(tmp_path: Path) -> None:
    activities = ContentActivities(tmp_path)
    env = ActivityEnvironment()
    assert env.run(activities.select_content, ContentQuery(topic="case-study")) == []
    (tmp_path / "library.toml").write_text(LIBRARY)
    query = ContentQuery(topic="case-study", industry="fintech", limit=1)
    assert env.run(activities.select_content, query) == ["fintech_case_study"]
