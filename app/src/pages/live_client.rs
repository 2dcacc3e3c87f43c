//! The browser side of an office's live connection: connects, hands every
//! message to the island that asked, and reconnects by itself with backoff and
//! jitter (so a hall full of screens does not reconnect in one burst). Screens
//! show the `connected` signal, so a board that lost the server says so.

use leptos::prelude::*;

use crate::model::LiveMessage;

/// Keeps a live connection to `office` open for as long as the page lives.
/// Returns whether it is connected right now.
#[cfg(feature = "hydrate")]
pub fn follow_office(office: String, on_message: impl Fn(LiveMessage) + 'static) -> RwSignal<bool> {
    use std::rc::Rc;

    let connected = RwSignal::new(false);
    let on_message: Rc<dyn Fn(LiveMessage)> = Rc::new(on_message);
    connect(Rc::from(office.as_str()), on_message, connected, 0);
    connected
}

#[cfg(not(feature = "hydrate"))]
pub fn follow_office(_office: String, _on_message: impl Fn(LiveMessage) + 'static) -> RwSignal<bool> {
    RwSignal::new(false)
}

#[cfg(feature = "hydrate")]
fn connect(
    office: std::rc::Rc<str>,
    on_message: std::rc::Rc<dyn Fn(LiveMessage)>,
    connected: RwSignal<bool>,
    attempt: u32,
) {
    use std::time::Duration;

    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use web_sys::{CloseEvent, MessageEvent, WebSocket};

    let location = window().location();
    let scheme = if location.protocol().as_deref() == Ok("https:") { "wss" } else { "ws" };
    let host = location.host().unwrap_or_default();
    let retry = {
        let (office, on_message) = (office.clone(), on_message.clone());
        move |had_connected: bool| {
            // After a working connection, start over; otherwise wait 0.5 s doubling
            // to 15 s, plus up to half again at random.
            let attempt = if had_connected { 0 } else { attempt };
            let base = (500.0 * 2f64.powi(attempt.min(5) as i32)).min(15_000.0);
            let wait = base * (1.0 + js_sys::Math::random() / 2.0);
            let (office, on_message) = (office.clone(), on_message.clone());
            set_timeout(
                move || connect(office, on_message, connected, attempt + 1),
                Duration::from_millis(wait as u64),
            );
        }
    };
    let Ok(socket) = WebSocket::new(&format!("{scheme}://{host}/ws/kantor/{office}")) else {
        retry(false);
        return;
    };
    let on_open = Closure::<dyn FnMut()>::new(move || connected.set(true));
    let on_text = {
        let on_message = on_message.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(text) = event.data().as_string() else { return };
            match serde_json::from_str::<LiveMessage>(&text) {
                Ok(message) => on_message(message),
                Err(error) => leptos::logging::warn!("unreadable live message: {error}"),
            }
        })
    };
    let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |_event: CloseEvent| {
        let had_connected = connected.get_untracked();
        connected.set(false);
        retry(had_connected);
    });
    socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    socket.set_onmessage(Some(on_text.as_ref().unchecked_ref()));
    socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    // The socket lives as long as the page; its handlers must too.
    on_open.forget();
    on_text.forget();
    on_close.forget();
}
