//! The counter console and live updates over real WebSocket connections.

mod common;

use common::{spawn_app, TestApp};
use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn act(app: &TestApp, session: &str, counter: i64, action: &str) -> serde_json::Value {
    let counter = counter.to_string();
    app.call("counter_action", Some(session), &[("counter", counter.as_str()), ("action", action)])
        .await
        .json()
        .await
        .unwrap()
}

async fn connect(app: &TestApp) -> Socket {
    let url = format!("{}/ws/kantor/kantah-denpasar", app.base.replace("http://", "ws://"));
    tokio_tungstenite::connect_async(url).await.expect("websocket connects").0
}

/// The next message of the given kind ("Snapshot", "Changed", "Called").
async fn next_of(socket: &mut Socket, kind: &str) -> serde_json::Value {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next()).await.expect("message in time");
        if let Some(Ok(Message::Text(text))) = message {
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            if let Some(inner) = value.get(kind) {
                return inner.clone();
            }
        }
    }
}

/// The service counts of the next message that carries any (a call's, or a batch).
async fn next_counts(socket: &mut Socket) -> serde_json::Value {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next()).await.expect("message in time");
        if let Some(Ok(Message::Text(text))) = message {
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            let services = value.get("Changed").or_else(|| value.get("Called")).map(|message| &message["services"]);
            if let Some(services) = services.filter(|services| services.as_array().is_some_and(|s| !s.is_empty())) {
                return services.clone();
            }
        }
    }
}

#[tokio::test]
async fn a_call_reaches_every_subscribed_screen() {
    let app = spawn_app().await;
    app.waiting_tickets(3).await;
    let (staff, loket1) = (app.admin_session().await, app.counter_id("kantah-denpasar", "Loket 1").await);
    let mut screens = Vec::new();
    for _ in 0..3 {
        let mut socket = connect(&app).await;
        next_of(&mut socket, "Snapshot").await;
        screens.push(socket);
    }
    act(&app, &staff, loket1, "open").await;
    let console = act(&app, &staff, loket1, "call_next").await;
    assert_eq!(console["current"]["display_number"], "A-001");
    for socket in &mut screens {
        let call = next_of(socket, "Called").await["call"].clone();
        assert_eq!(call["display_number"], "A-001");
        assert_eq!(call["counter"], "Loket 1");
    }
}

#[tokio::test]
async fn a_screen_that_reconnects_gets_a_snapshot_that_agrees_with_the_database() {
    let app = spawn_app().await;
    app.waiting_tickets(4).await;
    let (staff, loket1) = (app.admin_session().await, app.counter_id("kantah-denpasar", "Loket 1").await);
    act(&app, &staff, loket1, "open").await;
    act(&app, &staff, loket1, "call_next").await;

    let mut socket = connect(&app).await;
    let snapshot = next_of(&mut socket, "Snapshot").await;
    let service_a = snapshot["services"].as_array().unwrap().iter().find(|s| s["prefix"] == "A").unwrap().clone();
    let waiting: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM tickets t JOIN services s ON s.id = t.service_id
         WHERE s.prefix = 'A' AND t.state = 'waiting' AND t.service_date = '2026-11-23'
           AND s.office_id = (SELECT id FROM offices WHERE slug = 'kantah-denpasar')",
    )
    .fetch_one(&app.inspect().await)
    .await
    .unwrap();
    assert_eq!(service_a["waiting"], waiting);
    assert_eq!(service_a["now_calling"], "A-001");
    assert_eq!(snapshot["recent_calls"][0]["display_number"], "A-001");

    // The counts after the next call arrive as a delta that agrees with the database too.
    act(&app, &staff, loket1, "serve").await;
    act(&app, &staff, loket1, "finish").await;
    act(&app, &staff, loket1, "call_next").await;
    // The new counts come with the call, or with the batch just before it when
    // the batch saw the database first: either way the screen ends up right.
    let mut latest = serde_json::Value::Null;
    while latest.as_array().and_then(|s| s.iter().find(|s| s["prefix"] == "A")).map(|a| a["now_calling"].clone())
        != Some(serde_json::json!("A-002"))
    {
        latest = next_counts(&mut socket).await;
    }
    let service_a = latest.as_array().unwrap().iter().find(|s| s["prefix"] == "A").unwrap().clone();
    assert_eq!(service_a["waiting"], waiting - 1);
    socket.close(None).await.ok();
}

/// The messages that arrive until none has for `quiet` (longer than a few
/// count batches), each as its kind and its content.
async fn messages_until_quiet(socket: &mut Socket, quiet: std::time::Duration) -> Vec<(String, serde_json::Value)> {
    let mut messages = Vec::new();
    while let Ok(Some(Ok(message))) = tokio::time::timeout(quiet, socket.next()).await {
        if let Message::Text(text) = message {
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            if let Some((kind, content)) = value.as_object().and_then(|object| object.iter().next()) {
                messages.push((kind.clone(), content.clone()));
            }
        }
    }
    messages
}

#[tokio::test]
async fn a_call_and_its_finish_each_reach_a_screen_as_one_message() {
    let app = spawn_app().await;
    app.waiting_tickets(2).await;
    let (staff, loket1) = (app.admin_session().await, app.counter_id("kantah-denpasar", "Loket 1").await);
    act(&app, &staff, loket1, "open").await;
    let mut socket = connect(&app).await;
    next_of(&mut socket, "Snapshot").await;
    let quiet = std::time::Duration::from_millis(4 * app::live::COUNTS_EVERY.as_millis() as u64);
    messages_until_quiet(&mut socket, quiet).await;

    // Every screen's socket is written once per message: the counter showing
    // the number it called is the call's news, not a second message's.
    act(&app, &staff, loket1, "call_next").await;
    let after_call = messages_until_quiet(&mut socket, quiet).await;
    let kinds: Vec<&str> = after_call.iter().map(|(kind, _)| kind.as_str()).collect();
    assert_eq!(kinds, ["Called"], "{after_call:?}");

    // The finished number leaves its service and its counter in one message.
    act(&app, &staff, loket1, "serve").await;
    act(&app, &staff, loket1, "finish").await;
    let after_finish = messages_until_quiet(&mut socket, quiet).await;
    let [(kind, change)] = &after_finish[..] else { panic!("one message after the finish: {after_finish:?}") };
    assert_eq!(kind, "Changed");
    let service_a = change["services"].as_array().unwrap().iter().find(|s| s["prefix"] == "A").unwrap();
    assert_eq!(service_a["now_calling"], serde_json::Value::Null);
    let counters = change["counters"].as_array().expect("the counters changed");
    let loket_1 = counters.iter().find(|c| c["counter"] == "Loket 1").unwrap();
    assert_eq!(loket_1["now_calling"], serde_json::Value::Null);
}

/// Service A's waiting count and number called in a snapshot.
fn service_a(snapshot: &serde_json::Value) -> (serde_json::Value, serde_json::Value) {
    let a = snapshot["services"].as_array().unwrap().iter().find(|s| s["prefix"] == "A").unwrap();
    (a["waiting"].clone(), a["now_calling"].clone())
}

#[tokio::test]
async fn screens_connecting_at_once_share_a_snapshot_and_a_change_makes_a_fresh_one() {
    let app = spawn_app().await;
    app.waiting_tickets(3).await;
    let mut screens = futures::future::join_all((0..40).map(|_| connect(&app))).await;
    for screen in &mut screens {
        let snapshot = next_of(screen, "Snapshot").await;
        assert_eq!(service_a(&snapshot), (serde_json::json!(3), serde_json::Value::Null));
    }
    // A call: a screen connecting after it has it in its snapshot.
    let (staff, loket1) = (app.admin_session().await, app.counter_id("kantah-denpasar", "Loket 1").await);
    act(&app, &staff, loket1, "open").await;
    act(&app, &staff, loket1, "call_next").await;
    let mut late = connect(&app).await;
    assert_eq!(service_a(&next_of(&mut late, "Snapshot").await), (serde_json::json!(2), serde_json::json!("A-001")));
    // A ticket issued (counts only) likewise.
    let staff_book = [
        ("office", "kantah-denpasar"),
        ("service", "A"),
        ("when", "today"),
        ("nik", "5171011201909998"),
        ("name", "Warga Baru"),
    ];
    assert!(app.call("staff_book", Some(&staff), &staff_book).await.status().is_success());
    let mut later = connect(&app).await;
    assert_eq!(service_a(&next_of(&mut later, "Snapshot").await).0, serde_json::json!(3));
}

#[tokio::test]
async fn two_counters_calling_at_the_same_moment_never_get_the_same_ticket() {
    let app = spawn_app().await;
    app.waiting_tickets(20).await;
    let staff = app.admin_session().await;
    let (loket1, loket2) =
        (app.counter_id("kantah-denpasar", "Loket 1").await, app.counter_id("kantah-denpasar", "Loket 2").await);
    act(&app, &staff, loket1, "open").await;
    act(&app, &staff, loket2, "open").await;
    let mut seen = std::collections::HashSet::new();
    for _ in 0..10 {
        let (a, b) = tokio::join!(act(&app, &staff, loket1, "call_next"), act(&app, &staff, loket2, "call_next"));
        let (a, b) = (a["current"]["display_number"].clone(), b["current"]["display_number"].clone());
        assert_ne!(a, b);
        assert!(seen.insert(a.to_string()) && seen.insert(b.to_string()), "a ticket was called twice");
        for counter in [loket1, loket2] {
            act(&app, &staff, counter, "serve").await;
            act(&app, &staff, counter, "finish").await;
        }
    }
    assert_eq!(seen.len(), 20);
}

#[tokio::test]
async fn a_no_show_needs_three_calls_and_can_be_put_back_behind_five_tickets() {
    let app = spawn_app().await;
    app.waiting_tickets(8).await;
    let (staff, loket1) = (app.admin_session().await, app.counter_id("kantah-denpasar", "Loket 1").await);
    act(&app, &staff, loket1, "open").await;
    act(&app, &staff, loket1, "call_next").await;
    let early = act(&app, &staff, loket1, "no_show").await;
    assert_eq!(early, serde_json::json!({"Counter": {"TooFewCalls": {"calls": 1, "needed": 3}}}));
    act(&app, &staff, loket1, "recall").await;
    act(&app, &staff, loket1, "recall").await;
    assert_eq!(act(&app, &staff, loket1, "recall").await, serde_json::json!({"Counter": "CallsUsedUp"}));
    let console = act(&app, &staff, loket1, "no_show").await;
    let no_show = console["no_shows"][0]["code"].as_str().unwrap().to_string();

    let counter = loket1.to_string();
    let back = app
        .call("counter_action", Some(&staff), &[("counter", &counter), ("action", "requeue"), ("ticket", &no_show)])
        .await;
    let console: serde_json::Value = back.json().await.unwrap();
    let order: Vec<&str> =
        console["waiting"].as_array().unwrap().iter().map(|t| t["display_number"].as_str().unwrap()).collect();
    assert_eq!(order, ["A-002", "A-003", "A-004", "A-005", "A-006", "A-001", "A-007", "A-008"]);
}

#[tokio::test]
async fn a_transferred_ticket_keeps_its_place_by_issue_time() {
    let app = spawn_app().await;
    app.waiting_tickets(2).await;
    // Someone books for service B later than both A tickets.
    let citizen = app.sign_in_citizen("081298765432").await;
    let later_b = [
        ("office", "kantah-denpasar"),
        ("service", "B"),
        ("when", "today"),
        ("nik", "5171011201909999"),
        ("name", "Warga B"),
        ("email", "b@contoh.id"),
    ];
    app.call("book", Some(&citizen), &later_b).await;
    let (staff, loket1) = (app.admin_session().await, app.counter_id("kantah-denpasar", "Loket 1").await);
    let loket2 = app.counter_id("kantah-denpasar", "Loket 2").await;
    act(&app, &staff, loket1, "open").await;
    act(&app, &staff, loket1, "call_next").await;
    let counter = loket1.to_string();
    let moved: serde_json::Value = app
        .call("counter_action", Some(&staff), &[("counter", &counter), ("action", "transfer"), ("to", "B")])
        .await
        .json()
        .await
        .unwrap();
    assert!(moved["current"].is_null(), "{moved}");
    // Loket 2 serves A and B: the transferred A-001 comes before A-002 and the later B-001.
    act(&app, &staff, loket2, "open").await;
    let console = act(&app, &staff, loket2, "call_next").await;
    assert_eq!(console["current"]["display_number"], "A-001");
}

#[tokio::test]
async fn a_called_ticket_cancelled_at_the_counter_frees_the_counter_for_the_next() {
    let app = spawn_app().await;
    app.waiting_tickets(2).await;
    let (staff, loket1) = (app.admin_session().await, app.counter_id("kantah-denpasar", "Loket 1").await);
    act(&app, &staff, loket1, "open").await;
    let console = act(&app, &staff, loket1, "call_next").await;
    let code = console["current"]["code"].as_str().unwrap().to_string();
    // The card shown does not match the booking: staff cancel the called ticket.
    let cancel = app.call("staff_cancel", Some(&staff), &[("code", &code), ("reason", "identity_mismatch")]).await;
    assert!(cancel.status().is_success(), "{}", cancel.status());
    let console = act(&app, &staff, loket1, "call_next").await;
    assert_eq!(console["current"]["display_number"], "A-002", "{console}");
    let unknown =
        app.call("counter_action", Some(&staff), &[("counter", &loket1.to_string()), ("action", "delete")]).await;
    assert_eq!(unknown.status(), 422, "an action no console sends");
}

#[tokio::test]
async fn a_citizen_sees_the_calls_they_received() {
    let app = spawn_app().await;
    let citizen = app.waiting_tickets(1).await;
    let (staff, loket1) = (app.admin_session().await, app.counter_id("kantah-denpasar", "Loket 1").await);
    act(&app, &staff, loket1, "open").await;
    act(&app, &staff, loket1, "call_next").await;
    act(&app, &staff, loket1, "recall").await;
    let calls: serde_json::Value = app.call("my_calls", Some(&citizen), &[]).await.json().await.unwrap();
    assert_eq!(calls.as_array().unwrap().len(), 2);
    assert_eq!(calls[0]["counter"], "Loket 1");
    assert_eq!(calls[0]["recall"], true);
    assert_eq!(calls[1]["local_time"], "23/11 10:00 WITA");
}

#[tokio::test]
async fn a_ticket_page_says_where_to_go_once_called() {
    let app = spawn_app().await;
    app.waiting_tickets(1).await;
    let code: String =
        sqlx::query_scalar("SELECT public_code FROM tickets").fetch_one(&app.inspect().await).await.unwrap();
    let (staff, loket1) = (app.admin_session().await, app.counter_id("kantah-denpasar", "Loket 1").await);
    act(&app, &staff, loket1, "open").await;
    act(&app, &staff, loket1, "call_next").await;
    let page = app.client.get(format!("{}/tiket/{code}", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Giliran Anda — menuju Loket 1"), "{page}");
}

#[tokio::test]
async fn a_counter_that_is_not_open_cannot_call() {
    let app = spawn_app().await;
    app.waiting_tickets(1).await;
    let (staff, loket1) = (app.admin_session().await, app.counter_id("kantah-denpasar", "Loket 1").await);
    assert_eq!(act(&app, &staff, loket1, "call_next").await, serde_json::json!({"Counter": "NotOpen"}));
    let mut socket = connect(&app).await;
    next_of(&mut socket, "Snapshot").await;
    socket.send(Message::Close(None)).await.ok();
}

/// The next frame that is not a count update, within 5 s.
async fn next_control(socket: &mut Socket) -> Message {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next()).await.expect("frame in time");
        match message.expect("connection open").expect("valid frame") {
            Message::Text(_) => continue,
            other => return other,
        }
    }
}

#[tokio::test]
async fn a_screen_gets_its_ping_answered_and_its_goodbye_returned() {
    let app = spawn_app().await;
    let mut socket = connect(&app).await;
    next_of(&mut socket, "Snapshot").await;
    socket.send(Message::Ping(b"masih di sana?".to_vec().into())).await.unwrap();
    assert_eq!(next_control(&mut socket).await, Message::Pong(b"masih di sana?".to_vec().into()));
    socket.send(Message::Close(None)).await.unwrap();
    let Message::Close(Some(frame)) = next_control(&mut socket).await else { panic!("close expected") };
    assert_eq!(u16::from(frame.code), 1000);
}

#[tokio::test]
async fn a_screen_that_sends_an_oversized_message_is_disconnected_and_the_others_stay() {
    let app = spawn_app().await;
    let (mut rude, mut polite) = (connect(&app).await, connect(&app).await);
    next_of(&mut rude, "Snapshot").await;
    next_of(&mut polite, "Snapshot").await;
    rude.send(Message::Text("x".repeat(20_000).into())).await.unwrap();
    let Message::Close(Some(frame)) = next_control(&mut rude).await else { panic!("close expected") };
    assert_eq!(u16::from(frame.code), 1009);
    polite.send(Message::Ping(b"1".to_vec().into())).await.unwrap();
    assert_eq!(next_control(&mut polite).await, Message::Pong(b"1".to_vec().into()));
}

#[tokio::test]
async fn the_live_address_only_speaks_websocket_and_knows_its_offices() {
    let app = spawn_app().await;
    let plain = reqwest::get(format!("{}/ws/kantor/kantah-denpasar", app.base)).await.unwrap();
    assert_eq!(plain.status(), reqwest::StatusCode::UPGRADE_REQUIRED);
    let url = format!("{}/ws/kantor/tidak-ada", app.base.replace("http://", "ws://"));
    let refused = tokio_tungstenite::connect_async(url).await.expect_err("unknown office");
    let tokio_tungstenite::tungstenite::Error::Http(response) = refused else { panic!("HTTP refusal expected") };
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn a_citizen_cancelling_their_own_number_updates_the_screens() {
    let app = spawn_app().await;
    let citizen = app.sign_in_citizen("081234567890").await;
    let form = [
        ("office", "kantah-denpasar"),
        ("service", "A"),
        ("when", "today"),
        ("nik", "5171011201900001"),
        ("name", "Warga Uji"),
        ("email", "warga@contoh.id"),
    ];
    let booked: serde_json::Value = app.call("book", Some(&citizen), &form).await.json().await.unwrap();
    let mut socket = connect(&app).await;
    let waiting_a = |services: &serde_json::Value| {
        services.as_array().unwrap().iter().find(|s| s["prefix"] == "A").unwrap()["waiting"].clone()
    };
    assert_eq!(waiting_a(&next_of(&mut socket, "Snapshot").await["services"]), 1);
    // Past the batch the booking itself set off: only the cancellation can move the counts now.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let code = booked["code"].as_str().unwrap();
    assert!(app.call("cancel_my_ticket", Some(&citizen), &[("code", code)]).await.status().is_success());
    // The counts that arrive end at none waiting (a batch still carrying the
    // booking may come first); without the cancellation's update they never do.
    while waiting_a(&next_counts(&mut socket).await) != 0 {}
}
