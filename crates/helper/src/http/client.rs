//! The client's address, found once per request at the edge: the `Edge` layer
//! reads the connection's peer and the trusted forwarding header
//! ([`crate::net::forwarded`]) and stores a [`ClientAddr`] in the request's
//! extensions; the layers below and the handlers read it back from there.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Extensions, Request};

use crate::http::error::Error;
use crate::net::forwarded::{client_address, Proxy};

/// The client's address as the helper sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// Works the address out from the connection and the headers (the edge does
    /// this, once); `None` for a request that did not come over a socket.
    pub(crate) fn find<B>(req: &Request<B>, proxy: &Proxy) -> Option<ClientAddr> {
        let peer = req.extensions().get::<ConnectInfo<SocketAddr>>()?.0.ip();
        Some(ClientAddr(client_address(peer, req.headers(), proxy)))
    }

    /// The address the edge found, from a request's extensions.
    pub(crate) fn of(extensions: &Extensions) -> Result<ClientAddr, Error> {
        extensions
            .get::<ClientAddr>()
            .copied()
            .ok_or_else(|| Error::Internal("request without a peer address".into()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Error> {
        ClientAddr::of(&parts.extensions)
    }
}
