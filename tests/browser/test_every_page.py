"""axe-core and screenshots on every page, as each role sees it."""

import datetime

from conftest import api, api_token, path_of, sign_in, visit

OT = "ot1@demo.cpdfolio.test"


def ids(token):
    """One record of each kind the OT owns, made through the API when the
    demo has none."""
    reflection = api("GET", "/api/v1/reflections?limit=1", token)["items"][0]["id"]
    supervision = api("GET", "/api/v1/supervision?limit=1", token)["items"]
    today = datetime.date.today().isoformat()
    if not supervision:
        supervision = [api("POST", "/api/v1/supervision", token, {
            "date": today, "duration_minutes": 30, "supervision_type": "peer",
            "external_supervisor_name": "A peer", "topics": [], "reflection": "Peer session.",
            "safeguarding_discussed": False, "wellbeing_discussed": False, "actions": [],
        })]
    audit = api("POST", "/api/v1/audits", token, {
        "title": "Every-page audit", "audit_kind": "service_evaluation", "my_role": "Lead",
        "standard": "Local standard", "started_on": today, "outcome_measures": ["COPM"],
        "findings": "Findings.", "actions": "Actions.",
    })
    return reflection, supervision[0]["id"], audit["id"]


def test_every_practitioner_page_is_accessible(page):
    token = api_token(OT)
    reflection, supervision, audit = ids(token)
    training = api("GET", "/api/v1/training?limit=1", token)["items"][0]["id"]
    today = datetime.date.today().isoformat()
    objective = api("POST", "/api/v1/objectives", token, {
        "title": "Every-page objective", "why": "A need.", "how": "A plan.",
        "agreed_on": today, "due_on": today, "status": "in_progress",
    })["id"]
    sign_in(page, OT)
    for name, path in [
        ("training-record", f"/training/{training}"),
        ("reflection-edit", f"/reflections/{reflection}/edit"),
        ("reflection-history", f"/reflections/{reflection}/history"),
        ("supervision-new", "/supervision/new"),
        ("supervision-view", f"/supervision/{supervision}"),
        ("audits", "/audits"),
        ("audit-new", "/audits/new"),
        ("audit", f"/audits/{audit}"),
        ("objectives", "/objectives"),
        ("objective-new", "/objectives/new"),
        ("objective", f"/objectives/{objective}"),
        ("objective-edit", f"/objectives/{objective}/edit"),
        ("appraisal", "/appraisal"),
        ("profile-evidence", "/profile/evidence"),
        ("account", "/account"),
        ("password", "/account/password"),
        ("access-log", "/account/access-log"),
    ]:
        response = page.goto(path)
        assert response.status == 200, path
        visit(page, name)


def test_every_lead_and_admin_page_is_accessible(page, chromium):
    sign_in(page, "lead@demo.cpdfolio.test")
    page.goto("/team")
    visit(page, "team-list")
    admin = chromium.new_context(base_url=page.url.split("/team")[0]).new_page()
    sign_in(admin, "admin@demo.cpdfolio.test")
    for name, path in [("admin-home", "/"), ("admin-users-again", "/admin/users")]:
        admin.goto(path)
        visit(admin, name)


def test_a_patient_identifier_warning_is_shown_holds_the_profile_and_is_dismissed(page):
    token = api_token(OT)
    today = datetime.date.today().isoformat()
    entry = api("POST", "/api/v1/reflections", token, {
        "title": "Joint visit", "activity_date": today, "activity_type": "work_based_learning",
        "body": "Joint visit with Mrs Okafor from the team.",
    })
    sign_in(page, OT)
    held = page.goto("/profile")
    assert held.status == 409
    visit(page, "profile-held-back")
    page.get_by_role("link", name=entry["title"], exact=False).first.click()
    assert path_of(page) == f"/reflections/{entry['id']}"
    visit(page, "reflection-warning")
    page.get_by_role("button", name="Checked: not patient information").click()
    assert path_of(page) == f"/reflections/{entry['id']}"
    assert page.get_by_text("Check for patient-identifiable information").count() == 0
    assert page.goto("/profile").status == 200
