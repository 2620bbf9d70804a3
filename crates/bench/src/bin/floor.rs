//! The floor for load figures: a bare axum handler answering a constant, built
//! with the helper's profile, so the helper's own cost can be told from the
//! machine's and the load generator's. With `layered <config>` the same handler
//! sits behind the helper's own middleware stack (`fixpath_helper::layered`), with
//! the helper's log and runtime (an access-log line per request, to standard
//! error), which tells the layers' cost from the serving's and the handlers'.
//! Usage: floor <port|0> [layered <config.toml>]

use axum::routing::get;
use axum::Router;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let port: u16 = args.get(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    let config = match (args.get(2).map(String::as_str), args.get(3)) {
        (Some("layered"), Some(config)) => Some(config.clone()),
        _ => None,
    };
    let runtime = match config {
        Some(_) => {
            fixpath_helper::logging::init();
            fixpath_helper::server::runtime()?
        }
        // What `#[tokio::main]` builds.
        None => tokio::runtime::Runtime::new()?,
    };
    runtime.block_on(serve(port, config))
}

async fn serve(port: u16, config: Option<String>) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let routes = Router::new().route("/", get(|| async { r#"{"time_ms":0}"# }));
    let app = match config {
        Some(config) => {
            let cfg = fixpath_helper::Config::load(std::path::Path::new(&config))
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            let state = fixpath_helper::AppState::new(cfg, "dist".into())
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            fixpath_helper::layered(routes.with_state(()), state)
        }
        None => routes,
    };
    println!("floor listening on http://{}/", listener.local_addr()?);
    axum::serve(listener, app).await
}
