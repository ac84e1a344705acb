//! The web interface: server-rendered pages at `/` for people in a
//! browser, beside the JSON API at `/api/v1`. Pages call the same
//! application methods as the API handlers (never the API over HTTP), so
//! permissions, validation and logging are decided once. Every page works
//! without JavaScript; forms post back and are shown again with their text
//! kept when anything is wrong.

mod account;
mod assets;
mod chart;
mod error;
mod form;
mod home;
mod layout;
mod profile;
mod reflection_form;
mod reflections;
mod session;
mod sign_in;
mod training;

use poem::{EndpointExt, Route, get};

pub use error::html_errors;

/// Where the pages live; a path not listed here belongs to the API.
pub fn is_page(path: &str) -> bool {
    path == "/"
        || [
            "/sign-in",
            "/sign-out",
            "/account",
            "/reflections",
            "/assets/",
        ]
        .iter()
        .any(|prefix| path.starts_with(prefix))
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
        .at("/account", get(account::account).around(html_errors))
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
        .at("/profile", get(profile::preview).around(html_errors))
        .at(
            "/profile/download",
            get(profile::download).around(html_errors),
        )
        .at("/assets/:name", get(assets::asset))
}
