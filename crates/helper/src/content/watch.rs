//! Reloading while running: a file watcher on the content directory (the
//! `notify` crate) and `SIGHUP` both ask for a reload; a burst of events (an
//! editor saving through a temporary file) becomes one reload after it settles.
//! A reload that finds problems logs each one and leaves the version in service.

use std::sync::Arc;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

use super::{Content, Source};
use crate::logging::Escaped;

/// How long the directory must be quiet before a reload: long enough for an
/// editor's save (write, rename, chmod) to finish, short enough to feel live.
const SETTLE: Duration = Duration::from_millis(250);

/// Starts watching: the content directory's files (when serving one) and
/// `SIGHUP`. The task runs until the runtime stops.
pub(crate) fn watch(content: Arc<Content>) -> tokio::task::JoinHandle<()> {
    let (tx, mut rx) = mpsc::unbounded_channel::<()>();
    let watcher = match content.source() {
        Source::Dir(dir) => {
            let tx = tx.clone();
            let made = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                // Reads alone change nothing; anything else might.
                if event.is_ok_and(|e| !e.kind.is_access()) {
                    let _ = tx.send(());
                }
            })
            .and_then(|mut w| w.watch(dir, RecursiveMode::Recursive).map(|()| w));
            match made {
                Ok(w) => Some(w),
                Err(e) => {
                    tracing::warn!(
                        dir = %dir.display(),
                        error = %e,
                        "cannot watch the content directory: edits are served after a SIGHUP"
                    );
                    None
                }
            }
        }
        Source::Shipped => None,
    };
    spawn_hangup(tx);
    tokio::spawn(async move {
        // Held for as long as the task runs: dropping it stops the watching.
        let _watcher = watcher;
        while rx.recv().await.is_some() {
            // Let the burst settle, then reload once for all of it.
            loop {
                tokio::time::sleep(SETTLE).await;
                let mut more = false;
                while rx.try_recv().is_ok() {
                    more = true;
                }
                if !more {
                    break;
                }
            }
            let c = content.clone();
            match tokio::task::spawn_blocking(move || c.reload()).await {
                Ok(Ok(true)) => {
                    let now = content.current();
                    tracing::info!(
                        trees = now.trees.len(),
                        site = %now.site_path,
                        "content reloaded: the new version is in service"
                    );
                }
                Ok(Ok(false)) => tracing::debug!("content unchanged"),
                Ok(Err(e)) => {
                    let text = e.to_string();
                    for line in text.lines() {
                        tracing::warn!(
                            problem = %Escaped(line),
                            "content not reloaded: the last good version stays in service"
                        );
                    }
                }
                Err(e) => tracing::error!(error = %e, "content reload stopped"),
            }
        }
    })
}

/// `SIGHUP` asks for a reload (Unix only).
fn spawn_hangup(tx: mpsc::UnboundedSender<()>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::hangup()) {
            Ok(mut hup) => {
                tokio::spawn(async move {
                    while hup.recv().await.is_some() {
                        tracing::info!("SIGHUP: reloading the content");
                        if tx.send(()).is_err() {
                            break;
                        }
                    }
                });
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for SIGHUP"),
        }
    }
    #[cfg(not(unix))]
    drop(tx);
}
