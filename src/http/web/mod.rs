//! The web interface: server-rendered pages at `/` for people in a
//! browser, beside the JSON API at `/api/v1`. Pages call the same
//! application methods as the API handlers (never the API over HTTP), so
//! permissions, validation and logging are decided once. Every page works
//! without JavaScript; forms post back and are shown again with their text
//! kept when anything is wrong.

mod account;
mod admin;
mod appraisal;
mod assets;
mod audits;
mod chart;
mod error;
mod extras;
mod form;
mod home;
mod layout;
mod objectives;
mod pii;
mod profile;
mod reflection_form;
mod reflections;
mod session;
mod sign_in;
mod supervision;
mod supervision_form;
mod team;
mod training;

use poem::{EndpointExt, Route, get};

pub use error::html_errors;

/// The demo's accounts, shown on the sign-in page of a server started
/// with `--demo` (and only then): fictional people, one shared password.
#[derive(Debug, Clone)]
pub struct DemoLogins {
    pub password: String,
    pub people: Vec<DemoLogin>,
}

#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub email: String,
    pub name: String,
    pub job_title: String,
}

/// Whether a path belongs to the pages rather than the API, its
/// document, Swagger UI or the probes: everything else is a page.
pub fn is_page(path: &str) -> bool {
    let machine = ["/api/", "/docs", "/openapi.json", "/healthz", "/readyz"];
    !machine.iter().any(|prefix| path.starts_with(prefix))
}

/// Every page, each turning its errors into HTML.
pub fn routes(route: Route) -> Route {
    route
        .at("/", get(home::home).around(html_errors))
        .at(
            "/sign-in",
            get(sign_in::sign_in_page)
                .post(sign_in::sign_in)
                .around(html_errors),
        )
        .at(
            "/sign-out",
            poem::post(sign_in::sign_out).around(html_errors),
        )
        .at(
            "/account",
            get(account::account)
                .post(account::update_account)
                .around(html_errors),
        )
        .at(
            "/account/password",
            get(account::password_page)
                .post(account::change_password)
                .around(html_errors),
        )
        .at("/reflections", get(reflections::list).around(html_errors))
        .at(
            "/reflections/new",
            get(reflections::new_form)
                .post(reflections::create)
                .around(html_errors),
        )
        .at(
            "/reflections/:id",
            get(reflections::show).around(html_errors),
        )
        .at(
            "/reflections/:id/edit",
            get(reflections::edit_form)
                .post(reflections::update)
                .around(html_errors),
        )
        .at("/training", get(training::list).around(html_errors))
        .at(
            "/training/new",
            get(training::new_form)
                .post(training::create)
                .around(html_errors),
        )
        .at("/training/:id", get(training::show).around(html_errors))
        .at("/supervision", get(supervision::list).around(html_errors))
        .at(
            "/supervision/new",
            get(supervision::new_form)
                .post(supervision::create)
                .around(html_errors),
        )
        .at(
            "/supervision/:id",
            get(supervision::show).around(html_errors),
        )
        .at(
            "/supervision/:id/edit",
            get(supervision::edit_form)
                .post(supervision::update)
                .around(html_errors),
        )
        .at(
            "/supervision/:id/actions/:index/close",
            poem::post(supervision::close_action).around(html_errors),
        )
        .at(
            "/supervision/:id/:step",
            poem::post(supervision::take_step).around(html_errors),
        )
        .at(
            "/training/:id/verify",
            poem::post(team::verify).around(html_errors),
        )
        .at("/team", get(team::teams).around(html_errors))
        .at("/team/:id", get(team::team).around(html_errors))
        .at(
            "/team/:id/compliance.csv",
            get(team::csv).around(html_errors),
        )
        .at(
            "/admin/users",
            get(admin::users)
                .post(admin::create_user)
                .around(html_errors),
        )
        .at(
            "/admin/users/:id/:action",
            poem::post(admin::change_user).around(html_errors),
        )
        .at(
            "/admin/teams",
            get(admin::teams)
                .post(admin::create_team)
                .around(html_errors),
        )
        .at(
            "/admin/teams/:id/members",
            poem::post(admin::add_member).around(html_errors),
        )
        .at(
            "/admin/teams/:id/members/:user/remove",
            poem::post(admin::remove_member).around(html_errors),
        )
        .at("/admin/alerts", get(admin::alerts).around(html_errors))
        .at(
            "/admin/alerts/run",
            poem::post(admin::run_alerts).around(html_errors),
        )
        .at("/profile", get(profile::preview).around(html_errors))
        .at(
            "/profile/download",
            get(profile::download).around(html_errors),
        )
        .at(
            "/profile/evidence",
            get(profile::choose_evidence).around(html_errors),
        )
        .at("/profile/bundle", get(profile::bundle).around(html_errors))
        .at(
            "/reflections/:id/share",
            poem::post(reflections::share).around(html_errors),
        )
        .at(
            "/reflections/:id/unshare",
            poem::post(reflections::unshare).around(html_errors),
        )
        .at("/account/export", get(account::export).around(html_errors))
        .at(
            "/account/calendar",
            poem::post(account::create_calendar).around(html_errors),
        )
        .at(
            "/account/calendar/revoke",
            poem::post(account::revoke_calendar).around(html_errors),
        )
        .at(
            "/account/access-log",
            get(extras::access_log).around(html_errors),
        )
        .at(
            "/:collection/:id/files",
            poem::post(extras::attach).around(html_errors),
        )
        .at(
            "/:collection/:id/files/:file",
            get(extras::download).around(html_errors),
        )
        .at(
            "/:collection/:id/pii-flags/:flag/dismiss",
            poem::post(pii::dismiss).around(html_errors),
        )
        .at(
            "/:collection/:id/history",
            get(extras::history_page).around(html_errors),
        )
        .at("/audits", get(audits::list).around(html_errors))
        .at(
            "/audits/new",
            get(audits::new_form)
                .post(audits::create)
                .around(html_errors),
        )
        .at("/audits/:id", get(audits::show).around(html_errors))
        .at("/appraisal", get(appraisal::overview).around(html_errors))
        .at(
            "/appraisal/download",
            get(appraisal::download).around(html_errors),
        )
        .at(
            "/appraisal/share",
            poem::post(appraisal::share).around(html_errors),
        )
        .at(
            "/appraisal/unshare",
            poem::post(appraisal::unshare).around(html_errors),
        )
        .at(
            "/appraisal/members/:id",
            get(appraisal::member).around(html_errors),
        )
        .at("/objectives", get(objectives::list).around(html_errors))
        .at(
            "/objectives/new",
            get(objectives::new_form)
                .post(objectives::create)
                .around(html_errors),
        )
        .at("/objectives/:id", get(objectives::show).around(html_errors))
        .at(
            "/objectives/:id/edit",
            get(objectives::edit_form)
                .post(objectives::update)
                .around(html_errors),
        )
        .at(
            "/supervision/:id/history",
            get(extras::supervision_history).around(html_errors),
        )
        .at("/assets/:name", get(assets::asset))
}

#[cfg(test)]
mod tests {
    use super::is_page;

    #[test]
    fn every_path_outside_the_api_is_a_page() {
        for page in [
            "/",
            "/sign-in",
            "/training/new",
            "/team/x",
            "/admin/users",
            "/nope",
        ] {
            assert!(is_page(page), "{page}");
        }
        for machine in [
            "/api/v1/me",
            "/docs/",
            "/openapi.json",
            "/healthz",
            "/readyz",
        ] {
            assert!(!is_page(machine), "{machine}");
        }
    }
}
