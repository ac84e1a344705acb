//! End-to-end tests over real HTTP against a real server per test.

mod accounts;
mod alerts;
mod attachments;
mod auth;
mod bad_input;
mod body_limits;
mod compliance;
mod helpers;
mod history;
mod imports;
mod limits;
mod lists;
mod logging;
mod login_limits;
mod migration;
mod openapi;
mod permissions;
mod portfolio;
mod portfolio_bad_input;
mod profile;
mod reflections;
mod search;
mod sharing;
mod signoff;
mod storage;
mod team_events;
