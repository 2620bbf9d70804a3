//! A QR code of a link, as inline SVG, to carry the findings link to a phone.

use qrcodegen::{QrCode, QrCodeEcc};
use yew::prelude::*;

use crate::i18n::{t, Msg};

/// One SVG path of every dark module: small DOM, crisp at any size.
fn svg_path(qr: &QrCode) -> String {
    let mut d = String::new();
    for y in 0..qr.size() {
        for x in 0..qr.size() {
            if qr.get_module(x, y) {
                d.push_str(&format!("M{},{}h1v1h-1z", x + 4, y + 4));
            }
        }
    }
    d
}

/// The QR code of `text`. A plain function, not a component: it holds no state.
pub fn qr_code_view(text: &str) -> Html {
    // Low error correction keeps a 600-character link at a size phones read easily.
    let Ok(qr) = QrCode::encode_text(text, QrCodeEcc::Low) else {
        return html! { <p class="help">{ t(Msg::WalkQrTooLong) }</p> };
    };
    let size = qr.size() + 8;
    html! {
        <svg class="qr" role="img" aria-label={t(Msg::WalkQrLabel)} viewBox={format!("0 0 {size} {size}")}
             xmlns="http://www.w3.org/2000/svg" shape-rendering="crispEdges">
            <rect width="100%" height="100%" fill="#fff" />
            <path d={svg_path(&qr)} fill="#000" />
        </svg>
    }
}
