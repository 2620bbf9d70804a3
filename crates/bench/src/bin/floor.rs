//! The floor for load figures: a bare axum handler answering a constant, built
//! with the helper's profile, so the helper's own cost can be told from the
//! machine's and the load generator's.

use axum::routing::get;
use axum::Router;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("floor listening on http://{}/", listener.local_addr()?);
    let app = Router::new().route("/", get(|| async { r#"{"time_ms":0}"# }));
    axum::serve(listener, app).await
}
