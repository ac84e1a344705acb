//! Running the real `cpdfolio` binary from a temporary directory, as an
//! operator would: no checkout, no content directory, configured by
//! environment.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

pub fn cpdfolio(data: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cpdfolio"));
    // Started outside the checkout with no content directory configured:
    // the binary must run on its built-in content.
    cmd.current_dir(data)
        .env_remove("CPDFOLIO_CONTENT_DIR")
        .env("CPDFOLIO_DATA_DIR", data)
        .env("CPDFOLIO_LISTEN", "127.0.0.1:0")
        .env("CPDFOLIO_ALERTS_ENABLED", "false")
        .env("CPDFOLIO_PASSWORD", "a perfectly long passphrase");
    cmd
}

/// Starts `serve` and returns the child and its base URL.
pub fn start_server(data: &std::path::Path) -> (std::process::Child, String) {
    start_server_with(cpdfolio(data))
}

pub fn start_server_with(mut cmd: Command) -> (std::process::Child, String) {
    let mut server = cmd
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let line = lines.next().unwrap().unwrap();
    let url = line
        .strip_prefix("cpdfolio listening on ")
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("unexpected first line: {line}"))
        .to_owned();
    (server, url)
}
