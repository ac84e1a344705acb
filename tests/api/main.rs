//! End-to-end tests over real HTTP against a real server per test.

mod accounts;
mod alerts;
mod auth;
mod bad_input;
mod helpers;
mod lists;
mod login_limits;
mod migration;
mod openapi;
mod permissions;
mod portfolio;
mod portfolio_bad_input;
mod profile;
mod reflections;
mod search;
mod signoff;
mod storage;
mod team_events;
