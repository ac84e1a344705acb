//! A real SMTP server on a loopback port, in its own thread, for the
//! alert tests: it keeps every message it accepts, can answer 451 to every
//! message while told to, answers 550 to recipients whose address starts
//! with `bounce`, and can hold a message unanswered (as a stalled server
//! does) so that a test can kill the sender mid-send. Shared by the API
//! tests and the CLI tests.

#![allow(dead_code)]

use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailin_embedded::{Handler, Server};

/// Recipients and raw message of each email accepted.
pub type Received = Vec<(Vec<String>, String)>;

/// The server clones the handler for each connection: the message being
/// received is the connection's own, what was received is shared.
#[derive(Clone, Default)]
pub struct Smtp {
    current: (Vec<String>, Vec<u8>),
    pub received: Arc<Mutex<Received>>,
    pub tempfail: Arc<AtomicBool>,
    /// When not 0: once this many messages are accepted, each further one
    /// is held without an answer until it is set back to 0, then refused
    /// with 451 and not kept.
    pub hold_from: Arc<AtomicUsize>,
    /// Messages being held now.
    pub held: Arc<AtomicUsize>,
}

impl Handler for Smtp {
    fn rcpt(&mut self, to: &str) -> mailin_embedded::Response {
        if to.trim_start_matches('<').starts_with("bounce") {
            mailin_embedded::response::NO_MAILBOX
        } else {
            mailin_embedded::response::OK
        }
    }

    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        to: &[String],
    ) -> mailin_embedded::Response {
        self.current = (to.to_vec(), Vec::new());
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.1.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        let (to, data) = std::mem::take(&mut self.current);
        if self.tempfail.load(Ordering::SeqCst) || self.hold() {
            return refused_and_closed();
        }
        self.received
            .lock()
            .unwrap()
            // Undo quoted-printable soft line breaks, so tests read lines.
            .push((to, String::from_utf8_lossy(&data).replace("=\r\n", "")));
        mailin_embedded::response::OK
    }
}

/// 451 at the end of a message, then the connection closed. mailin keeps
/// a session in its data state after an error there, reading whatever the
/// client sends next as more of the message and answering nothing: the
/// client's next command (RSET, QUIT or the next message) waited out its
/// 30-second timeout. Closing is what a server that cannot go on does.
fn refused_and_closed() -> mailin_embedded::Response {
    let mut refused = mailin_embedded::response::INTERNAL_ERROR;
    refused.action = mailin_embedded::Action::Close;
    refused
}

impl Smtp {
    /// Holds the message being received while `hold_from` says so; true
    /// if it was held.
    fn hold(&self) -> bool {
        let holding = || {
            let from = self.hold_from.load(Ordering::SeqCst);
            from != 0 && self.received.lock().unwrap().len() >= from
        };
        if !holding() {
            return false;
        }
        self.held.fetch_add(1, Ordering::SeqCst);
        while holding() {
            std::thread::sleep(Duration::from_millis(5));
        }
        self.held.fetch_sub(1, Ordering::SeqCst);
        true
    }

    /// The messages received whose subject contains `needle`.
    pub fn with_subject(&self, needle: &str) -> Received {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, m)| {
                m.lines()
                    .any(|l| l.starts_with("Subject:") && l.contains(needle))
            })
            .cloned()
            .collect()
    }
}

pub fn smtp_server() -> (Smtp, u16) {
    let smtp = Smtp::default();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut server = Server::new(smtp.clone());
    server
        .with_name("test.smtp.local")
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    (smtp, port)
}
