"""A real headless Chromium (Debian's, never a downloaded one) against the
server scripts/browser.sh started, with axe-core and screenshot helpers."""

import json
import os
import re
import urllib.request

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

BASE = os.environ["CPDFOLIO_BASE"]
SHOTS = os.environ["CPDFOLIO_SCREENSHOTS"]
PASSWORD = "demo-portfolio-2026"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SIZES = {"phone": (390, 844), "desktop": (1280, 800)}
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

_axe = Axe()


@pytest.fixture(scope="session")
def chromium():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, base_url=BASE)
    page = context.new_page()
    yield page
    context.close()


def accessible(page, name):
    """axe-core on the page as it is now: no serious or critical violation
    of WCAG 2.2 A/AA. `name` says which page, for the failure message."""
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: " + json.dumps(
        [{"id": v["id"], "impact": v["impact"],
          "nodes": [(n["target"], n.get("failureSummary")) for n in v["nodes"]]} for v in bad],
        indent=1,
    )


def screenshots(page, name):
    """The whole page at phone and desktop width, as PNG files to look at."""
    before = page.viewport_size
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=os.path.join(SHOTS, f"{name}-{size}.png"), full_page=True)
    page.set_viewport_size(before)


def visit(page, name):
    """Checks the page in hand, once it and its stylesheet have loaded:
    accessible, and photographed."""
    page.wait_for_load_state("load")
    accessible(page, name)
    screenshots(page, name)


def sign_in(page, email):
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def api(method, path, token=None, body=None):
    """The JSON API, for setting up and checking what the pages did."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE + path, data=data, method=method)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read()
        return json.loads(text) if text else None


def api_token(email):
    return api("POST", "/api/v1/auth/login", body={"email": email, "password": PASSWORD})["token"]


def path_of(page):
    return re.sub(r"^https?://[^/]+", "", page.url)


def nav(page, name):
    """Follows the main navigation's link `name`."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()
