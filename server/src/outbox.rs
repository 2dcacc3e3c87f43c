//! `/dev/outbox`: the messages the development SMS gateway kept, newest first,
//! so a developer (or a browser test) can read the access code. Mounted only in
//! development mode.

use app::store::outbox;
use app::store::Db;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

pub async fn page(State(db): State<Db>) -> Response {
    let messages = match outbox::latest(&db, 50).await {
        Ok(messages) => messages,
        Err(error) => {
            tracing::error!(%error, "reading the outbox failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let items: String = messages
        .iter()
        .map(|m| {
            format!(
                "<li class=\"sms\" data-phone=\"{phone}\"><p><strong>{phone}</strong> · {time}</p><pre class=\"sms-body\">{body}</pre></li>",
                phone = escape(&m.phone),
                time = m.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
                body = escape(&m.body),
            )
        })
        .collect();
    Html(format!(
        "<!DOCTYPE html><html lang=\"id\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><meta http-equiv=\"refresh\" content=\"3\">\
         <title>SMS outbox · Antrean</title><style>body{{font-family:system-ui,sans-serif;margin:1rem}}\
         li{{list-style:none;border-bottom:1px solid #ddd;padding:.5rem 0}}pre{{white-space:pre-wrap}}</style>\
         </head><body><h1>SMS outbox (development)</h1><ul>{items}</ul></body></html>"
    ))
    .into_response()
}
