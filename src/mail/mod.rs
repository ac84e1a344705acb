//! Email delivery with lettre through one of two transports: a file outbox
//! (`.eml` files under the data directory, the default, so nothing leaves the
//! machine until SMTP is configured) or SMTP. Plaintext SMTP is allowed only
//! to a loopback host; anything else must use implicit TLS or required
//! STARTTLS. Recipient addresses are never logged.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use lettre::message::{Mailbox, MultiPart, header};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Config;
use crate::storage::alerts::OutboxEmail;

pub enum Transport {
    Outbox(PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

/// A failed delivery; `permanent` failures are not retried. It keeps the
/// SMTP reply code and a fixed reason, never the server's text (which can
/// quote addresses).
#[derive(Debug, thiserror::Error)]
#[error("{reason} failure (code {code:?}, permanent: {permanent})")]
pub struct DeliveryError {
    pub code: Option<u16>,
    pub reason: &'static str,
    pub permanent: bool,
}

impl Mailer {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .with_context(|| format!("mail_from {:?} is not an address", config.mail_from))?;
        let transport = match &config.smtp_url {
            Some(url) => Transport::Smtp(smtp_transport(url.expose(), config.smtp_timeout())?),
            None => Transport::Outbox(config.outbox_dir()),
        };
        Ok(Self { from, transport })
    }

    pub fn describe(&self) -> &'static str {
        match self.transport {
            Transport::Outbox(_) => "file outbox",
            Transport::Smtp(_) => "SMTP",
        }
    }

    /// Delivers one queued email. Delivering the same email twice to the
    /// file outbox writes the same file, so it is never duplicated there.
    pub async fn deliver(&self, email: &OutboxEmail) -> Result<(), DeliveryError> {
        let message = self.build(email).map_err(|_| DeliveryError {
            code: None,
            reason: "message",
            permanent: true,
        })?;
        match &self.transport {
            Transport::Outbox(dir) => write_eml(dir, &email.id, &message.formatted())
                .await
                .map_err(|_| DeliveryError {
                    code: None,
                    reason: "outbox",
                    permanent: false,
                }),
            Transport::Smtp(smtp) => {
                smtp.send(message).await.map(|_| ()).map_err(|e| {
                    let code = e.status().map(u16::from);
                    DeliveryError {
                        code,
                        reason: if code.is_some() { "smtp" } else { "connection" },
                        // Only a 5xx reply is permanent: a refused or
                        // dropped connection, a timeout or a 4xx is retried.
                        permanent: e.is_permanent(),
                    }
                })
            }
        }
    }

    fn build(&self, email: &OutboxEmail) -> anyhow::Result<Message> {
        let to: Mailbox = email
            .recipient
            .parse()
            .context("recipient is not a valid address")?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .message_id(Some(email.message_id.clone()))
            .header(header::MIME_VERSION_1_0)
            .multipart(MultiPart::alternative_plain_html(
                email.text.clone(),
                email.html.clone(),
            ))
            .context("cannot build the message")
    }
}

fn smtp_transport(
    url: &str,
    timeout: Duration,
) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    check_smtp_url(url)?;
    Ok(AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .context("smtp_url is not a valid lettre SMTP URL")?
        .timeout(Some(timeout))
        .build())
}

/// Refuses SMTP URLs that would send mail in clear text over a network.
pub fn check_smtp_url(url: &str) -> anyhow::Result<()> {
    let (scheme, rest) = url
        .split_once("://")
        .context("smtp_url must start with smtp:// or smtps://")?;
    let (authority, query) = rest.split_once('?').unwrap_or((rest, ""));
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host_port = host_port.split('/').next().unwrap_or_default();
    let host = if let Some(inner) = host_port.strip_prefix('[') {
        inner.split(']').next().unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    let tls_required = query.split('&').any(|kv| kv == "tls=required");
    match scheme {
        "smtps" => Ok(()),
        "smtp" if tls_required => Ok(()),
        "smtp" if is_loopback(host) => Ok(()),
        "smtp" => bail!(
            "plaintext smtp:// is only allowed to a loopback host; use smtps:// or add ?tls=required"
        ),
        other => bail!("smtp_url scheme {other:?} is not smtp or smtps"),
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Writes the message durably and privately (see [`crate::files`]).
async fn write_eml(dir: &Path, id: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = dir.to_owned();
    let id = id.to_owned();
    let bytes = bytes.to_vec();
    tokio::task::spawn_blocking(move || {
        crate::files::write_durably(&dir.join(format!("{id}.eml")), &bytes)
    })
    .await
    .context("outbox writer task failed")?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plaintext_smtp_only_to_loopback() {
        assert!(check_smtp_url("smtp://127.0.0.1:2525").is_ok());
        assert!(check_smtp_url("smtp://user:pw@localhost:25").is_ok());
        assert!(check_smtp_url("smtp://[::1]:2525").is_ok());
        assert!(check_smtp_url("smtp://mail.example.org:25").is_err());
        assert!(check_smtp_url("smtp://u:p@mail.example.org:587?tls=opportunistic").is_err());
        assert!(check_smtp_url("smtp://u:p@mail.example.org:587?tls=required").is_ok());
        assert!(check_smtp_url("smtps://u:p@mail.example.org").is_ok());
        assert!(check_smtp_url("http://mail.example.org").is_err());
        assert!(check_smtp_url("smtp://127.0.0.1.evil.example:25").is_err());
    }
}
