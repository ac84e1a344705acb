"""An occupational therapist's journeys through the pages."""

import re

from conftest import nav, BASE, api, api_token, path_of, sign_in, visit
from playwright.sync_api import expect

OT = "ot1@demo.cpdfolio.test"


def test_signing_in_leads_home_and_signing_out_ends_the_session(page):
    page.goto("/")
    assert path_of(page) == "/sign-in?next=/"
    demo = page.get_by_role("region", name="Demo accounts", exact=True)
    expect(demo).to_contain_text("ot1@demo.cpdfolio.test")
    expect(demo).to_contain_text("demo-portfolio-2026")
    visit(page, "sign-in")
    sign_in(page, OT)
    assert path_of(page) == "/"
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Rhys Pritchard")
    expect(page.get_by_role("heading", name="What needs doing")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("CPD hours by month"))).to_be_visible()
    visit(page, "home")
    page.get_by_role("button", name="Sign out").click()
    assert path_of(page) == "/sign-in"
    page.goto("/reflections")
    assert path_of(page) == "/sign-in?next=/reflections"


def test_a_gibbs_reflection_is_written_previewed_saved_and_found(page):
    sign_in(page, OT)
    nav(page, "Reflections")
    visit(page, "reflections")
    page.get_by_role("link", name="Write a reflection").click()
    page.get_by_label("Reflective model").select_option(label="Gibbs' Reflective Cycle")
    page.get_by_label("Title").fill("Graded stair practice after a fall")
    page.get_by_label("Reflection", exact=True).fill(
        "## Description\n\nWorked on **graded stair practice** with a service user after a fall."
    )
    page.get_by_label("Hours").fill("1.5")
    page.get_by_label("7. Communicate effectively").check()
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("complementary", name="Prompts")).to_contain_text("Feelings")
    expect(page.locator(".prose strong")).to_have_text("graded stair practice")
    visit(page, "reflection-form")
    page.get_by_role("button", name="Save reflection").click()
    assert path_of(page) == "/reflections?saved=1"
    expect(page.get_by_role("status")).to_have_text("Your reflection has been saved.")

    page.get_by_label("Search").fill("stair")
    page.get_by_role("button", name="Show reflections").click()
    hit = page.get_by_role("link", name="Graded stair practice after a fall")
    expect(hit).to_be_visible()
    expect(page.locator(".snippet b").first).to_have_text(re.compile("stair", re.I))
    visit(page, "search")
    hit.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Graded stair practice after a fall")
    expect(page.get_by_text("7. Communicate effectively")).to_be_visible()
    visit(page, "reflection")

    token = api_token(OT)
    titles = [r["title"] for r in api("GET", "/api/v1/reflections?limit=100", token)["items"]]
    assert titles.count("Graded stair practice after a fall") == 1


def test_mistakes_are_listed_at_the_top_and_beside_their_fields_with_the_text_kept(page):
    sign_in(page, OT)
    page.goto("/reflections/new")
    page.get_by_label("Hours").fill("two")
    page.get_by_label("Reflection", exact=True).fill("Words that must not be lost.")
    page.get_by_role("button", name="Save reflection").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Title must not be empty")
    expect(summary).to_contain_text("Hours must be a number, for example 1.5")
    expect(page.get_by_label("Reflection", exact=True)).to_have_value("Words that must not be lost.")
    expect(page.get_by_label("Hours")).to_have_accessible_description(
        re.compile("Error: Hours must be a number")
    )
    visit(page, "reflection-form-errors")
    summary.get_by_role("link", name="Title must not be empty").click()
    assert page.url.endswith("#f-title")


def test_someone_elses_reflection_is_not_found_nor_found_by_search(page):
    owner = api_token("ot2@demo.cpdfolio.test")
    theirs = api("GET", "/api/v1/reflections?limit=1", owner)["items"][0]
    sign_in(page, OT)
    response = page.goto(f"/reflections/{theirs['id']}")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    visit(page, "not-found")
    word = theirs["title"].split()[0]
    page.goto(f"/reflections?q={word}")
    expect(page.locator(f'a[href="/reflections/{theirs["id"]}"]')).to_have_count(0)


def test_a_post_without_the_forms_token_is_refused(page):
    sign_in(page, OT)
    response = page.request.post(
        f"{BASE}/reflections/new",
        form={"title": "Forged", "activity_date": "2026-11-01", "activity_type": "other", "model": "free"},
    )
    assert response.status == 403
    token = api_token(OT)
    titles = [r["title"] for r in api("GET", "/api/v1/reflections?limit=100", token)["items"]]
    assert "Forged" not in titles


def test_a_reflection_can_be_written_by_keyboard_alone(page):
    page.goto("/sign-in")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    focused = page.evaluate("getComputedStyle(document.activeElement).backgroundColor")
    assert focused == "rgb(255, 235, 59)"
    tab_to(page, "Email address")
    page.keyboard.type(OT)
    tab_to(page, "Password")
    page.keyboard.type("demo-portfolio-2026")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{BASE}/")
    tab_to(page, "Reflections")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{BASE}/reflections")
    tab_to(page, "Write a reflection")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{BASE}/reflections/new")
    tab_to(page, "Title")
    page.keyboard.type("Typed without a mouse")
    tab_to(page, "Save reflection")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{BASE}/reflections?saved=1")
    expect(page.get_by_role("link", name="Typed without a mouse")).to_be_visible()


def tab_to(page, name, limit=80):
    """Presses Tab until the focused control is named `name`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        label = page.evaluate(
            """() => {
                const el = document.activeElement;
                if (el.labels && el.labels.length) return el.labels[0].textContent.trim();
                return (el.textContent || el.value || '').trim();
            }"""
        )
        if label == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")
