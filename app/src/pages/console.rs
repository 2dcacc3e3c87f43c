//! The counter console (`/petugas/loket/{counter}`): what a staff member at a
//! desk uses all day. The big actions have keyboard shortcuts; the lists follow
//! the office's live connection.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::components::{fetch, ErrorNotice};
use super::live_client::follow_office;
use super::use_lang;
use crate::api::{load_console, CounterAction};
use crate::domain::counter::{CounterAction as Action, CounterStatus};
use crate::domain::priority::PriorityCategory;
use crate::i18n::{app_error, channel_name, priority_name, state_name, t, Key};
use crate::model::{ConsoleTicket, ConsoleView};

#[component]
pub fn ConsolePage() -> impl IntoView {
    let lang = use_lang();
    let params = use_params_map();
    let counter = move || params.read().get("counter").and_then(|c| c.parse::<i64>().ok()).unwrap_or_default();
    let console = fetch(load_console(counter()));
    view! {
        <Title text=t(lang.get_untracked(), Key::ConsoleTitle) />
        {Suspend::new(async move {
            match console.await {
                Ok(view) => view! { <CounterConsole view /> }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            }
        })}
    }
}

fn status_key(status: CounterStatus) -> Key {
    match status {
        CounterStatus::Open => Key::StatusOpen,
        CounterStatus::Paused => Key::StatusPaused,
        CounterStatus::Closed => Key::StatusClosed,
    }
}

#[cfg_attr(any(feature = "ssr", feature = "bundle-staff"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "bundle-staff")), component)]
fn CounterConsole(view: ConsoleView) -> impl IntoView {
    let lang = use_lang();
    let counter = view.counter_id;
    let office = view.office_slug.clone();
    let console = RwSignal::new(view);
    let action = ServerAction::<CounterAction>::new();
    let act = move |name: Action, ticket: String, to: String| {
        action.dispatch(CounterAction { counter, action: name.as_str().to_string(), ticket, to });
    };
    Effect::new(move |_| {
        if let Some(Ok(fresh)) = action.value().get() {
            console.set(fresh);
        }
    });
    let error = move || action.value().get().and_then(Result::err).map(|e| app_error(lang.get(), &e));
    let refresh = move || {
        leptos::task::spawn_local(async move {
            if let Ok(fresh) = load_console(counter).await {
                console.set(fresh);
            }
        });
    };
    let connected = follow_office(office, move |_| refresh());
    let _shortcuts = window_event_listener(leptos::ev::keydown, move |event| {
        let typing = event
            .target()
            .and_then(|t| leptos::wasm_bindgen::JsCast::dyn_into::<leptos::web_sys::Element>(t).ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
        if typing || event.ctrl_key() || event.meta_key() || event.alt_key() {
            return;
        }
        let name = match event.key().to_lowercase().as_str() {
            "n" => Action::CallNext,
            "u" => Action::Recall,
            "l" => Action::StartServing,
            "s" => Action::Finish,
            "t" => Action::MarkNoShow,
            _ => return,
        };
        event.prevent_default();
        act(name, String::new(), String::new());
    });
    let transfer_to = RwSignal::new(String::new());
    let button = move |name: Action, key: Key, shortcut: &'static str, class: &'static str| {
        view! {
            <button type="button" class=class on:click=move |_| act(name, String::new(), String::new())
                disabled=move || action.pending().get() data-action=name.as_str()>
                {move || t(lang.get(), key)}
                {(!shortcut.is_empty()).then(|| view! { " " <kbd>{shortcut}</kbd> })}
            </button>
        }
    };
    view! {
        <div class="console" data-live=move || if connected.get() { "online" } else { "offline" }>
            <header class="console-head">
                <h1>{move || console.with(|c| c.counter.clone())}</h1>
                <p class="muted">{move || console.with(|c| format!("{} · {}", c.office_name, c.services.join(", ")))}</p>
                <p>
                    <span class="badge" data-testid="counter-status">
                        {move || t(lang.get(), status_key(console.with(|c| c.status)))}
                    </span>
                    " "
                    <span class="muted">{move || t(lang.get(), if connected.get() { Key::Online } else { Key::Offline })}</span>
                </p>
                <div class="console-status-actions">
                    {button(Action::Open, Key::OpenCounter, "", "button")}
                    {button(Action::Pause, Key::PauseCounter, "", "button")}
                    {button(Action::Close, Key::CloseCounter, "", "button")}
                </div>
            </header>
            {move || error().map(|message| view! { <div class="notice notice-error" role="alert" data-testid="console-error">{message}</div> })}
            <section class="card console-current">
                <h2>{move || t(lang.get(), Key::CurrentTicket)}</h2>
                {move || match console.with(|c| c.current.clone()) {
                    Some(ticket) => {
                        let max = console.with(|c| c.max_calls);
                        view! {
                            <p class="ticket-number" data-testid="current-number">{ticket.display_number.clone()}</p>
                            <p class="ticket-state">{move || state_name(lang.get(), ticket.state)}
                                " · " {move || t(lang.get(), Key::CallsMade)} " " {format!("{}/{max}", ticket.call_count)}</p>
                            <p>{ticket.holder_name.clone().unwrap_or_default()}</p>
                            {ticket.priority.map(|category| view! {
                                <p><span class="badge badge-priority" data-testid="current-priority">
                                    {move || t(lang.get(), Key::PriorityMark)} " · " {move || priority_name(lang.get(), category)}
                                </span></p>
                            })}
                        }
                        .into_any()
                    }
                    None => view! { <p class="figure-none">{move || t(lang.get(), Key::NoneYet)}</p> }.into_any(),
                }}
                <div class="console-actions">
                    {button(Action::CallNext, Key::CallNext, "N", "button button-primary")}
                    {button(Action::Recall, Key::Recall, "U", "button")}
                    {button(Action::StartServing, Key::StartServing, "L", "button")}
                    {button(Action::Finish, Key::Finish, "S", "button")}
                    {button(Action::MarkNoShow, Key::MarkNoShow, "T", "button button-danger")}
                </div>
                <div class="console-transfer">
                    <label for="transfer-to">{move || t(lang.get(), Key::TransferTo)}</label>
                    <select id="transfer-to" on:change=move |ev| transfer_to.set(event_target_value(&ev))>
                        <option value="">"—"</option>
                        {move || console.with(|c| c.transfer_to.clone()).into_iter().map(|(prefix, name)| {
                            view! { <option value=prefix.clone()>{format!("{prefix} — {name}")}</option> }
                        }).collect_view()}
                    </select>
                    <button type="button" class="button" data-action=Action::Transfer.as_str()
                        on:click=move |_| act(Action::Transfer, String::new(), transfer_to.get_untracked())>
                        {move || t(lang.get(), Key::Transfer)}
                    </button>
                </div>
                <p class="hint">{move || t(lang.get(), Key::Shortcuts)}</p>
            </section>
            <section class="card">
                <h2>
                    {move || t(lang.get(), Key::WaitingList)} " "
                    <span class="badge" data-testid="waiting-count">{move || console.with(|c| c.waiting.len())}</span>
                    " · " {move || t(lang.get(), Key::ServedToday)} " "
                    <span data-testid="served-today">{move || console.with(|c| c.served_today)}</span>
                </h2>
                <table class="console-list">
                    <tbody>
                        {move || {
                            let now = console.with(|c| c.now);
                            console.with(|c| c.waiting.clone()).into_iter().map(|ticket| view! { <WaitingRow ticket now /> }).collect_view()
                        }}
                    </tbody>
                </table>
            </section>
            <section class="card">
                <h2>{move || t(lang.get(), Key::NoShows)}</h2>
                <ul class="console-no-shows">
                    {move || console.with(|c| c.no_shows.clone()).into_iter().map(|ticket| {
                        let code = ticket.code.clone();
                        view! {
                            <li>
                                <strong>{ticket.display_number.clone()}</strong> " "
                                {ticket.holder_name.clone().unwrap_or_default()} " "
                                <button type="button" class="button" data-action=Action::Requeue.as_str()
                                    on:click=move |_| act(Action::Requeue, code.clone(), String::new())>
                                    {move || t(lang.get(), Key::Requeue)}
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        </div>
    }
}

#[component]
fn WaitingRow(ticket: ConsoleTicket, now: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    let lang = use_lang();
    let waited = (now - ticket.issued_at).num_minutes().max(0);
    let ConsoleTicket { display_number, holder_name, channel, state, priority, .. } = ticket;
    view! {
        <tr data-state=state.as_str() data-priority=priority.map(PriorityCategory::as_str)>
            <td>
                <strong>{display_number}</strong>
                {priority.map(|category| view! {
                    " " <span class="badge badge-priority" title=move || priority_name(lang.get(), category)>
                        {move || t(lang.get(), Key::PriorityMark)}
                    </span>
                })}
            </td>
            <td>{holder_name.unwrap_or_default()}</td>
            <td>{move || channel_name(lang.get(), channel)}</td>
            <td>{move || format!("{waited} {}", t(lang.get(), Key::Minutes))}</td>
        </tr>
    }
}
