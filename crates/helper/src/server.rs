//! Running the helper on sockets: the main listener, the alternate-port listeners
//! (ping only) and the demo stand-ins for a VPN server's ports. Connections are
//! served through hyper-util's auto builder with a Tokio timer, so the header-read
//! timeout really fires (`axum::serve` installs no timer), and shut down gracefully.

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::state::{AppState, StartError};

/// What is listening, once [`start`] returns.
pub struct Running {
    /// The main listener (the app and the API).
    pub addr: SocketAddr,
    /// Alternate ports that were bound.
    pub alt: Vec<SocketAddr>,
    /// Demo stand-in listeners that were bound.
    pub demo: Vec<SocketAddr>,
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl Running {
    /// The URL people open.
    pub fn url(&self) -> String {
        url_of(self.addr)
    }

    /// Stops accepting, lets requests in flight finish (up to the grace time), and
    /// returns when every listener is done.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
    }
}

/// `http://127.0.0.1:8080/`; an unspecified bind address is shown as loopback, which
/// is where a person on this machine reaches it.
pub fn url_of(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        std::net::IpAddr::V4(v4) if v4.is_unspecified() => "127.0.0.1".to_string(),
        std::net::IpAddr::V6(v6) if v6.is_unspecified() => "[::1]".to_string(),
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
    };
    format!("http://{ip}:{}/", addr.port())
}

/// Binds every listener and starts serving. `port` overrides `listen.port`.
/// The main listener must bind; an alternate or demo port that cannot is reported
/// and left out (the app is told only the ports really listened on).
pub async fn start(state: AppState, port: Option<u16>) -> Result<Running, StartError> {
    let cfg = state.config().clone();
    let main_addr = SocketAddr::new(cfg.listen.address, port.unwrap_or(cfg.listen.port));
    let main = TcpListener::bind(main_addr).await.map_err(|e| {
        StartError(format!(
            "cannot listen on {main_addr}: {e} (choose another port with --port or listen.port)"
        ))
    })?;
    let addr = main.local_addr().map_err(|e| StartError(e.to_string()))?;

    let mut alt = Vec::new();
    let mut alt_listeners = Vec::new();
    for p in &cfg.listen.alt_ports {
        let a = SocketAddr::new(cfg.listen.address, *p);
        match TcpListener::bind(a).await {
            Ok(l) => {
                if let Ok(bound) = l.local_addr() {
                    alt.push(bound);
                    alt_listeners.push(l);
                }
            }
            Err(e) => tracing::warn!(
                address = %a,
                error = %e,
                "alternate port not available; the app will not be told about it"
            ),
        }
    }
    state.set_alt_ports(alt.iter().map(SocketAddr::port).collect());

    let mut demo = Vec::new();
    let mut demo_listeners = Vec::new();
    for a in &cfg.demo_listeners {
        match TcpListener::bind(a).await {
            Ok(l) => {
                if let Ok(bound) = l.local_addr() {
                    demo.push(bound);
                    demo_listeners.push(l);
                }
            }
            // Another helper's demo listener on this port answers probes just as well.
            Err(e) => tracing::warn!(address = %a, error = %e, "demo listener not started"),
        }
    }

    let (stop, stop_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let header_timeout = cfg.http.header_read_timeout;
    let grace = cfg.http.shutdown_grace;
    tasks.spawn(serve(
        main,
        crate::app(state.clone()),
        header_timeout,
        grace,
        stop_rx.clone(),
    ));
    for l in alt_listeners {
        tasks.spawn(serve(
            l,
            crate::alt_app(state.clone()),
            header_timeout,
            grace,
            stop_rx.clone(),
        ));
    }
    for l in demo_listeners {
        tasks.spawn(demo_accept(l, stop_rx.clone()));
    }
    Ok(Running {
        addr,
        alt,
        demo,
        stop,
        tasks,
    })
}

/// Serves one listener until told to stop, then drains its connections.
async fn serve(
    listener: TcpListener,
    router: Router,
    header_timeout: Duration,
    grace: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    builder.http2().timer(TokioTimer::new());
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(x) => x,
                    Err(e) => {
                        // Out of descriptors and the like: pause instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let svc = router
                    .clone()
                    .map_request(move |mut req: Request<Incoming>| {
                        req.extensions_mut().insert(ConnectInfo(peer));
                        req
                    });
                let conn = builder
                    .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(svc))
                    .into_owned();
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                });
            }
            _ = stop.changed() => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some connections were still busy after the shutdown grace time");
    }
}

/// A stand-in VPN port: accepts and closes, which is all a probe looks for.
async fn demo_accept(listener: TcpListener, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Err(e) = accepted {
                    tracing::debug!(error = %e, "demo accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            _ = stop.changed() => break,
        }
    }
}

/// Installs the SIGTERM and Ctrl-C handlers now (so a signal that arrives before
/// anyone waits is not lost, nor fatal), and returns the wait for either.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
    let ctrl_c = tokio::signal::ctrl_c();
    async move {
        #[cfg(unix)]
        let term = async move {
            match term {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for SIGTERM");
                    std::future::pending::<()>().await;
                }
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            r = ctrl_c => {
                if r.is_err() {
                    std::future::pending::<()>().await;
                }
            },
            _ = term => {},
        }
    }
}
