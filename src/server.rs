//! `cpdfolio serve`: opens the application, optionally seeds the demo,
//! starts the background tasks and serves HTTP until Ctrl-C or SIGTERM,
//! then commits the search index before exiting.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use poem::listener::{Acceptor, TcpAcceptor};
use poem::{EndpointExt, Server};

use crate::app::App;
use crate::config::Config;
use crate::storage::Migrations;

pub async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    let app = App::open(config, &Migrations::embedded()).await?;
    let demo_logins = if demo {
        crate::demo::seed_if_empty(&app).await?;
        Some(crate::demo::logins(&app)?)
    } else {
        None
    };
    let committer = app.spawn_background_tasks();
    let alerts = crate::jobs::spawn_daily_alerts(app.clone());
    let acceptor = listen(app.config().listen)
        .with_context(|| format!("cannot listen on {}", app.config().listen))?;
    let local: Option<SocketAddr> = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().copied());
    if let Some(addr) = local {
        println!("cpdfolio listening on http://{addr} (API docs at http://{addr}/docs)");
    }
    tracing::info!(
        mail = app.mailer().describe(),
        alerts = app.config().alerts_enabled,
        "server started"
    );
    let metrics = std::sync::Arc::new(crate::http::metrics::HttpMetrics::default());
    let metrics_server = serve_metrics(&app, std::sync::Arc::clone(&metrics)).await?;
    let result = Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(
            crate::http::observed_routes(app.clone(), metrics).data(demo_logins),
            shutdown_signal(),
            Some(Duration::from_secs(10)),
        )
        .await;
    committer.abort();
    if let Some(metrics_server) = metrics_server {
        metrics_server.abort();
    }
    if let Some(alerts) = alerts {
        alerts.abort();
    }
    app.close().await?;
    tracing::info!("server stopped");
    result.context("the HTTP server failed")
}

/// Connections the kernel holds for the server before it accepts them. The
/// usual default, 128, is overrun by a burst of new connections (a login
/// flood, a ward's worth of browsers after a restart): the kernel then
/// drops their handshakes and each client waits a second before trying
/// again. The kernel lowers this to `net.core.somaxconn` where that is
/// smaller.
const ACCEPT_BACKLOG: u32 = 1024;

/// Listens on `addr` with room for [`ACCEPT_BACKLOG`] waiting connections.
fn listen(addr: SocketAddr) -> std::io::Result<TcpAcceptor> {
    let socket = match addr {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    TcpAcceptor::from_tokio(socket.listen(ACCEPT_BACKLOG)?)
}

/// Starts the metrics listener when one is configured.
async fn serve_metrics(
    app: &App,
    metrics: std::sync::Arc<crate::http::metrics::HttpMetrics>,
) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
    let Some(addr) = app.config().metrics_listen else {
        return Ok(None);
    };
    let acceptor = listen(addr).with_context(|| format!("cannot listen for metrics on {addr}"))?;
    println!("metrics at http://{addr}/metrics");
    let endpoint = crate::http::metrics::endpoint(app.clone(), metrics);
    Ok(Some(tokio::spawn(async move {
        if let Err(err) = Server::new_with_acceptor(acceptor).run(endpoint).await {
            tracing::warn!(error = %err, "the metrics listener stopped");
        }
    })))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
