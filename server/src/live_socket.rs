//! `/ws/kantor/{slug}`: the live connection of an office. A screen gets a
//! snapshot first and then every change; pings keep idle connections alive
//! through proxies, and a screen that falls too far behind is disconnected
//! (it reconnects and gets a fresh snapshot) instead of slowing the others.

use std::time::Duration;

use app::api::server::ServerContext;
use app::store::offices;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use tokio::sync::broadcast::error::RecvError;

const HEARTBEAT: Duration = Duration::from_secs(20);

pub async fn upgrade(ws: WebSocketUpgrade, Path(slug): Path<String>, context: ServerContext) -> Response {
    match offices::find(&context.db, &slug).await {
        // Screens send nothing but pongs, and messages are small: small buffers
        // keep thousands of idle connections cheap.
        Ok(Some(office)) => ws
            .read_buffer_size(4 * 1024)
            .write_buffer_size(0)
            .max_write_buffer_size(256 * 1024)
            .max_message_size(16 * 1024)
            .on_upgrade(move |socket| serve(socket, context, office))
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => {
            tracing::error!(%error, "live connection refused");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn serve(mut socket: WebSocket, context: ServerContext, office: offices::Office) {
    // Subscribe before taking the snapshot, so no change falls between the two.
    let mut updates = context.hub.subscribe(office.id);
    match context.hub.snapshot(&office).await {
        Ok(snapshot) => {
            if socket.send(Message::Text(snapshot.into())).await.is_err() {
                return;
            }
        }
        Err(error) => {
            tracing::error!(%error, "live snapshot failed");
            return;
        }
    }
    // Screens only answer pings and say goodbye, so reading runs on its own and
    // the writing loop is not woken for the read side on every update.
    let (mut sink, mut stream) = socket.split();
    let (closed_tx, mut closed) = tokio::sync::oneshot::channel::<()>();
    let reader = tokio::spawn(async move {
        while let Some(Ok(message)) = stream.next().await {
            if matches!(message, Message::Close(_)) {
                break;
            }
        }
        let _ = closed_tx.send(());
    });
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    heartbeat.tick().await;
    loop {
        tokio::select! {
            biased;
            update = updates.recv() => match update {
                Ok(text) => {
                    if sink.send(Message::Text(text)).await.is_err() {
                        break;
                    }
                }
                Err(RecvError::Lagged(_)) | Err(RecvError::Closed) => {
                    let _ = sink.send(Message::Close(None)).await;
                    break;
                }
            },
            _ = heartbeat.tick() => {
                if sink.send(Message::Ping(Default::default())).await.is_err() {
                    break;
                }
            }
            _ = &mut closed => break,
        }
    }
    reader.abort();
}
