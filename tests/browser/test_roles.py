"""Training, the profile, a lead's and an admin's journeys through the pages."""

import datetime
import os
import re
import subprocess

from conftest import nav, PASSWORD, SHOTS, api, api_token, path_of, sign_in, visit
from playwright.sync_api import expect

OT = "ot2@demo.cpdfolio.test"
LEAD = "lead@demo.cpdfolio.test"


def first_training_gap(token):
    items = api("GET", "/api/v1/me/compliance", token)["items"]
    return next(i for i in items if i["kind"] == "training" and i["status"] != "compliant")


def test_an_uploaded_certificate_turns_its_item_compliant(page, tmp_path):
    token = api_token(OT)
    gap = first_training_gap(token)
    sign_in(page, OT)
    expect(page.get_by_text(gap["title"], exact=True).first).to_be_visible()
    nav(page, "Training")
    page.get_by_role("link", name="Add a certificate").click()
    page.get_by_label("Course").select_option(value=gap["requirement"])
    certificate = tmp_path / "certificate.pdf"
    certificate.write_bytes(b"%PDF-1.7\n% a certificate\n%%EOF\n")
    page.get_by_label("Certificate file").set_input_files(str(certificate))
    visit(page, "training-form")
    page.get_by_role("button", name="Save training").click()
    assert path_of(page) == "/training?saved=1"
    expect(page.get_by_role("status")).to_have_text("Your training has been saved.")
    visit(page, "training")

    after = {i["requirement"]: i for i in api("GET", "/api/v1/me/compliance", token)["items"]}
    assert after[gap["requirement"]]["status"] == "compliant"
    nav(page, "Home")
    todo = page.get_by_role("region", name="What needs doing")
    expect(todo.get_by_text(gap["title"], exact=True)).to_have_count(0)
    records = api("GET", "/api/v1/training?limit=100", token)["items"]
    mine = [r for r in records if r["course"] == gap["requirement"]]
    files = api("GET", f"/api/v1/training/{mine[0]['id']}/attachments", token)
    assert [f["file_name"] for f in files] == ["certificate.pdf"]


def test_the_profile_is_previewed_and_downloaded(page):
    sign_in(page, OT)
    nav(page, "CPD profile")
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()
    visit(page, "profile")
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF (.pdf), to submit").click()
    path = os.path.join(SHOTS, download.value.suggested_filename)
    download.value.save_as(path)
    assert re.fullmatch(r"cpd-profile-\d{4}-\d\d-\d\d-to-\d{4}-\d\d-\d\d\.pdf", download.value.suggested_filename)
    text = subprocess.run(["pdftotext", path, "-"], check=True, capture_output=True, text=True).stdout
    assert "Priya Raman" in text
    assert "4. Supporting evidence" in text


def test_a_lead_signs_off_supervision_and_downloads_the_team_csv(page):
    lead_id = api("GET", "/api/v1/me", api_token(LEAD))["id"]
    supervisee = api_token("ot1@demo.cpdfolio.test")
    today = datetime.date.today().isoformat()
    record = api("POST", "/api/v1/supervision", supervisee, {
        "date": today, "duration_minutes": 45, "supervision_type": "clinical",
        "supervisor_id": lead_id, "topics": ["caseload"],
        "reflection": "Browser journey: a session to countersign.",
        "safeguarding_discussed": False, "wellbeing_discussed": True, "actions": [],
    })
    api("POST", f"/api/v1/supervision/{record['id']}/submit", supervisee)

    sign_in(page, LEAD)
    nav(page, "Supervision")
    visit(page, "supervision")
    waiting = page.locator(f'a[href="/supervision/{record["id"]}"]')
    waiting.click()
    visit(page, "supervision-record")
    page.get_by_role("button", name="Sign off this record").click()
    expect(page.get_by_text("Status: Signed off")).to_be_visible()
    assert api("GET", f"/api/v1/supervision/{record['id']}", supervisee)["workflow"]["status"] == "signed"

    nav(page, "Team")
    page.get_by_role("link", name="Riverside PCN Mental Health Team").click()
    expect(page.get_by_role("table", name="Members and the status of each requirement")).to_be_visible()
    visit(page, "team-matrix")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV (opens in Excel)").click()
    assert download.value.suggested_filename.startswith("team-compliance-")
    path = os.path.join(SHOTS, download.value.suggested_filename)
    download.value.save_as(path)
    with open(path, "rb") as csv:
        head = csv.read(200)
    assert head.startswith(b"\xef\xbb\xbf")


def test_an_admin_creates_an_account_that_signs_in_and_sets_its_password(page, chromium):
    sign_in(page, "admin@demo.cpdfolio.test")
    nav(page, "Accounts")
    visit(page, "admin-accounts")
    page.get_by_label("Name", exact=True).fill("Sam Newstarter")
    page.get_by_label("Email address").fill("sam.newstarter@demo.cpdfolio.test")
    page.get_by_label("Role").select_option("practitioner")
    page.get_by_label("Team").fill("Riverside PCN Mental Health Team")
    page.get_by_label("First password").fill("a first long passphrase")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text("The account has been created.")
    expect(page.get_by_role("rowheader", name="Sam Newstarter")).to_be_visible()
    nav(page, "Teams")
    visit(page, "admin-teams")
    nav(page, "Alerts")
    visit(page, "admin-alerts")

    newcomer = chromium.new_context(base_url=page.url.split("/admin")[0]).new_page()
    newcomer.goto("/sign-in")
    newcomer.get_by_label("Email address").fill("sam.newstarter@demo.cpdfolio.test")
    newcomer.get_by_label("Password").fill("a first long passphrase")
    newcomer.get_by_role("button", name="Sign in").click()
    assert path_of(newcomer) == "/account/password"
    newcomer.get_by_label("Current password").fill("a first long passphrase")
    newcomer.get_by_label("New password").fill("my own long passphrase")
    newcomer.get_by_role("button", name="Change password").click()
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Hello, Sam Newstarter")
    assert PASSWORD not in newcomer.content()
