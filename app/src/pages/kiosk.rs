//! Kiosk screens, each in a full-screen browser signed in with a kiosk account:
//! the display board of the hall (`/papan/{office}`), the self-service page that
//! issues walk-in numbers (`/kiosk/{office}`), and its printed receipt.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::components::{fetch, service_name, ErrorNotice};
use super::live_client::follow_office;
use super::use_lang;
use crate::api::{load_board, load_office, load_receipt, IssueWalkIn};
use crate::domain::calendar::OfficeZone;
use crate::domain::priority::PriorityCategory;
use crate::i18n::{app_error, priority_name, t, Key};
use crate::model::{BoardView, CallView, CounterNow, LiveMessage, OfficeView, ServiceQueue, RECENT_CALLS};

fn office_param() -> impl Fn() -> String + Copy {
    let params = use_params_map();
    move || params.read().get("office").unwrap_or_default()
}

#[component]
pub fn BoardPage() -> impl IntoView {
    let office = office_param();
    let board = fetch(load_board(office()));
    view! {
        {Suspend::new(async move {
            match board.await {
                Ok(board) => view! { <Title text=board.office_name.clone() /> <DisplayBoard board /> }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            }
        })}
    }
}

/// How long the board shows one call before it announces the next: the
/// chime (1.3 s) and the spoken call (about 4 s) fit in it, so calls made
/// together are announced one after another, none cut off.
const ANNOUNCE_FOR: std::time::Duration = std::time::Duration::from_secs(6);

/// The hall's display board, laid out for a TV (see `.board` in the
/// stylesheet): the call being announced largest, the open counters with
/// their numbers, the last calls, the waiting per service, the office's own
/// time and the admin's announcement.
#[cfg_attr(any(feature = "ssr", feature = "bundle-kiosk"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "bundle-kiosk")), component)]
fn DisplayBoard(board: BoardView) -> impl IntoView {
    let lang = use_lang();
    let counters = RwSignal::new(board.counters);
    let services = RwSignal::new(board.services);
    let calls = RwSignal::new(board.recent_calls);
    let announcer = Announcer::new();
    let clock = RwSignal::new(board.zone.clock(now()));
    let connected = follow_office(board.office_slug.clone(), move |message| match message {
        LiveMessage::Snapshot { counters: fresh, recent_calls, services: queues } => {
            counters.set(fresh);
            calls.set(recent_calls);
            services.set(queues);
        }
        LiveMessage::Changed { services: changed, counters: fresh } => {
            merge_services(services, changed);
            if let Some(fresh) = fresh {
                counters.set(fresh);
            }
        }
        LiveMessage::Called { call, services: changed } => {
            merge_services(services, changed);
            counters.update(|all| {
                if let Some(entry) = all.iter_mut().find(|c| c.counter == call.counter) {
                    entry.now_calling = Some(call.display_number.clone());
                }
            });
            calls.update(|recent| {
                recent.insert(0, call.clone());
                recent.truncate(RECENT_CALLS);
            });
            announcer.queue(call);
        }
    });
    start_clock(clock, board.zone);
    keep_session_alive(board.office_slug.clone());
    // The call in the big panel: the one being announced, else the latest.
    let shown = move || announcer.current.get().or_else(|| calls.with(|c| c.first().cloned()));
    let announcing =
        move |number: &str| announcer.current.with(|c| c.as_ref().is_some_and(|c| c.display_number == number));
    let announcement = board.announcement.clone();
    view! {
        <div class="board" data-live=move || if connected.get() { "online" } else { "offline" }
            data-announced=move || announcer.log.get().join(" ")>
            <header class="board-head">
                <h1>{board.office_name.clone()}</h1>
                <p class="board-clock" data-testid="board-clock">{move || clock.get()} " " {board.zone.abbreviation()}</p>
            </header>
            {move || (!connected.get()).then(|| view! {
                <p class="notice notice-error board-offline" role="status">{move || t(lang.get(), Key::Offline)}</p>
            })}
            <section class="board-latest" class:flash=move || announcer.current.with(Option::is_some) aria-live="assertive">
                {move || match shown() {
                    Some(call) => view! {
                        <p class="board-latest-label">
                            {move || t(lang.get(), if call.recall { Key::BoardCalledAgain } else { Key::BoardNowCalling })}
                        </p>
                        <p class="board-latest-number" data-testid="board-latest">{call.display_number.clone()}</p>
                        <p class="board-latest-counter">{call.counter.clone()}</p>
                        {call.priority.map(|category| view! {
                            <p class="board-latest-priority" data-testid="board-latest-priority">
                                {move || t(lang.get(), Key::PriorityMark)} " · " {move || priority_name(lang.get(), category)}
                            </p>
                        })}
                    }.into_any(),
                    None => view! {
                        <p class="board-latest-label">{move || t(lang.get(), Key::NoCalls)}</p>
                    }.into_any(),
                }}
            </section>
            <ul class="board-counters" aria-label=move || t(lang.get(), Key::CountersTitle)>
                {move || counters.get().into_iter().filter(|c| c.open || c.now_calling.is_some()).map(|CounterNow { counter, now_calling, .. }| {
                    let flashing = now_calling.as_deref().is_some_and(announcing);
                    let name = counter.clone();
                    view! {
                        <li class="board-counter" class:flash=flashing data-counter=counter>
                            <span class="board-counter-name">{name}</span>
                            <span class="board-number" data-testid="board-number">{now_calling.unwrap_or_else(|| "—".into())}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <section class="board-recent">
                <h2>{move || t(lang.get(), Key::CallsTitle)}</h2>
                <ol data-testid="board-recent">
                    {move || calls.get().into_iter().map(|call| view! {
                        <li class:recall=call.recall data-priority=call.priority.map(PriorityCategory::as_str)>
                            <strong>{call.display_number}</strong> " → " {call.counter}
                            {call.priority.map(|_| view! { " " <span class="badge-priority">{move || t(lang.get(), Key::PriorityMark)}</span> })}
                        </li>
                    }).collect_view()}
                </ol>
            </section>
            <section class="board-waiting">
                <h2 class="visually-hidden">{move || t(lang.get(), Key::BoardWaitingTitle)}</h2>
                <ul>
                    {move || services.get().into_iter().map(|service| {
                        let (name_id, name_en) = (service.name_id.clone(), service.name_en.clone());
                        view! {
                            <li data-service=service.prefix.clone()>
                                <span class="service-prefix">{service.prefix.clone()}</span>
                                <span class="board-service-name">{move || service_name(lang.get(), &name_id, &name_en)}</span>
                                <span class="board-service-waiting" data-testid="board-waiting">{service.waiting}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
            {(!announcement.is_empty()).then(|| view! {
                <p class="board-announcement" data-testid="board-announcement">{announcement}</p>
            })}
        </div>
    }
}

fn merge_services(services: RwSignal<Vec<ServiceQueue>>, changed: Vec<ServiceQueue>) {
    services.update(|all| {
        for fresh in changed {
            if let Some(service) = all.iter_mut().find(|s| s.prefix == fresh.prefix) {
                *service = fresh;
            }
        }
    });
}

/// Announces calls one after another: each is shown large and flashing, the
/// chime plays and the call is spoken, and the next waits its turn.
#[derive(Clone, Copy)]
struct Announcer {
    waiting: StoredValue<std::collections::VecDeque<CallView>>,
    /// The call being announced now.
    current: RwSignal<Option<CallView>>,
    /// The numbers announced, latest last (the last ten): the browser tests
    /// read the order from it.
    log: RwSignal<Vec<String>>,
}

impl Announcer {
    fn new() -> Self {
        Self {
            waiting: StoredValue::new(Default::default()),
            current: RwSignal::new(None),
            log: RwSignal::new(Vec::new()),
        }
    }

    fn queue(self, call: CallView) {
        self.waiting.update_value(|waiting| waiting.push_back(call));
        if self.current.with_untracked(Option::is_none) {
            self.next();
        }
    }

    fn next(self) {
        let call = self.waiting.try_update_value(|waiting| waiting.pop_front()).flatten();
        if let Some(call) = &call {
            self.log.update(|log| {
                log.push(call.display_number.clone());
                let excess = log.len().saturating_sub(10);
                log.drain(..excess);
            });
            #[cfg(feature = "hydrate")]
            sound::chime_then_speak(crate::i18n::call_announcement(&call.display_number, &call.counter, call.recall));
            set_timeout(move || self.next(), ANNOUNCE_FOR);
        }
        self.current.set(call);
    }
}

#[cfg(feature = "hydrate")]
mod sound {
    use leptos::prelude::*;
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::{HtmlAudioElement, SpeechSynthesisUtterance, SpeechSynthesisVoice};

    /// The chime we ship, then the call spoken by a local Indonesian voice if the
    /// device has one (no online text-to-speech is ever used).
    pub fn chime_then_speak(text: String) {
        if let Ok(audio) = HtmlAudioElement::new_with_src("/chime.wav") {
            let _ = audio.play();
        }
        set_timeout(move || speak(&text), std::time::Duration::from_millis(1300));
    }

    fn speak(text: &str) {
        let Ok(synth) = window().speech_synthesis() else { return };
        let voice = synth
            .get_voices()
            .iter()
            .filter_map(|v| v.dyn_into::<SpeechSynthesisVoice>().ok())
            .find(|v| v.local_service() && v.lang().to_lowercase().starts_with("id"));
        let (Some(voice), Ok(utterance)) = (voice, SpeechSynthesisUtterance::new_with_text(text)) else { return };
        utterance.set_voice(Some(&voice));
        utterance.set_lang("id-ID");
        synth.speak(&utterance);
    }
}

/// A board or kiosk screen runs for weeks without a reload. Asking the server
/// now and then keeps its device session in use, and sessions in use are
/// renewed, so the screen never finds itself signed out one morning. When an
/// admin has revoked the device (its account disabled), the screen goes to the
/// sign-in page instead of showing the hall a stale queue.
fn keep_session_alive(office: String) {
    #[cfg(feature = "hydrate")]
    {
        use crate::error::AppError;
        const EVERY: std::time::Duration = std::time::Duration::from_secs(10 * 60);
        let ask = move || {
            let office = office.clone();
            leptos::task::spawn_local(async move {
                if let Err(AppError::NotSignedIn | AppError::Forbidden) = load_board(office).await {
                    let _ = window().location().set_href("/petugas/masuk");
                }
            });
        };
        let _ = set_interval_with_handle(ask, EVERY);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = office;
}

/// The board's clock: the office's time, whatever the zone the device is set
/// to. The server renders the time it answered at; the browser ticks on.
fn start_clock(clock: RwSignal<String>, zone: OfficeZone) {
    #[cfg(feature = "hydrate")]
    {
        let tick = move || clock.set(zone.clock(now()));
        tick();
        let _ = set_interval_with_handle(tick, std::time::Duration::from_secs(1));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (clock, zone);
}

fn now() -> chrono::DateTime<chrono::Utc> {
    #[cfg(feature = "hydrate")]
    return chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default();
    #[cfg(not(feature = "hydrate"))]
    chrono::Utc::now()
}

#[component]
pub fn KioskPage() -> impl IntoView {
    let office = office_param();
    let checked = fetch(load_board(office()));
    let view_data = fetch(load_office(office()));
    view! {
        {Suspend::new(async move {
            match (checked.await, view_data.await) {
                (Ok(_), Ok(office)) => view! { <Title text=office.name.clone() /> <KioskButtons office /> }.into_any(),
                (Err(error), _) | (_, Err(error)) => view! { <ErrorNotice error /> }.into_any(),
            }
        })}
    }
}

#[cfg_attr(any(feature = "ssr", feature = "bundle-kiosk"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "bundle-kiosk")), component)]
fn KioskButtons(office: OfficeView) -> impl IntoView {
    let lang = use_lang();
    let nik = RwSignal::new(String::new());
    let action = ServerAction::<IssueWalkIn>::new();
    let slug = office.slug.clone();
    keep_session_alive(office.slug.clone());
    Effect::new(move |_| {
        if let Some(Ok(booked)) = action.value().get() {
            let _ = window().location().set_href(&format!("/kiosk/{slug}/struk/{}", booked.code));
        }
    });
    let error = move || action.value().get().and_then(Result::err).map(|e| app_error(lang.get(), &e));
    let office_slug = office.slug.clone();
    // A priority is taken only once the citizen confirmed it.
    let chosen = RwSignal::new(None::<PriorityCategory>);
    let asking = RwSignal::new(None::<PriorityCategory>);
    let categories = office.priority_categories.clone();
    view! {
        <div class="kiosk">
            <h1>{office.name.clone()}</h1>
            <p class="lead">{move || t(lang.get(), Key::KioskIntro)}</p>
            {move || error().map(|message| view! { <div class="notice notice-error" role="alert" data-testid="kiosk-error">{message}</div> })}
            <div class="field">
                <label for="kiosk-nik">{move || t(lang.get(), Key::KioskNik)}</label>
                <input id="kiosk-nik" inputmode="numeric" autocomplete="off"
                    prop:value=move || nik.get() on:input=move |ev| nik.set(event_target_value(&ev)) />
            </div>
            {(!categories.is_empty()).then(|| view! {
                <section class="kiosk-priority" aria-labelledby="kiosk-priority-title">
                    <h2 id="kiosk-priority-title">{move || t(lang.get(), Key::KioskPriorityTitle)}</h2>
                    <p class="hint">{move || t(lang.get(), Key::KioskPriorityHint)}</p>
                    <div class="kiosk-priority-choices">
                        {categories.iter().map(|&category| view! {
                            <button type="button" class="button" data-priority=category.as_str()
                                aria-pressed=move || if chosen.get() == Some(category) { "true" } else { "false" }
                                on:click=move |_| {
                                    if chosen.get_untracked() == Some(category) {
                                        chosen.set(None);
                                    } else {
                                        asking.set(Some(category));
                                    }
                                }>
                                {move || priority_name(lang.get(), category)}
                            </button>
                        }).collect_view()}
                    </div>
                    {move || asking.get().map(|category| view! {
                        <div class="notice notice-info kiosk-confirm" role="alertdialog" aria-labelledby="kiosk-confirm-text"
                            data-testid="priority-confirm">
                            <p id="kiosk-confirm-text">
                                <strong>{move || priority_name(lang.get(), category)}</strong> ". "
                                {move || t(lang.get(), Key::KioskPriorityConfirm)}
                            </p>
                            <button type="button" class="button button-primary"
                                on:click=move |_| { chosen.set(Some(category)); asking.set(None); }>
                                {move || t(lang.get(), Key::KioskPriorityYes)}
                            </button>
                            " "
                            <button type="button" class="button" on:click=move |_| asking.set(None)>
                                {move || t(lang.get(), Key::KioskPriorityNo)}
                            </button>
                        </div>
                    })}
                    {move || chosen.get().map(|category| view! {
                        <p class="notice notice-success" data-testid="priority-chosen">
                            {move || t(lang.get(), Key::KioskPriorityChosen)} " " {move || priority_name(lang.get(), category)}
                        </p>
                    })}
                </section>
            })}
            <div class="kiosk-services">
                {office.services.into_iter().filter(|service| service.channels.walk_in()).map(|service| {
                    let (prefix, office_slug) = (service.prefix.clone(), office_slug.clone());
                    let (name_id, name_en) = (service.name_id.clone(), service.name_en.clone());
                    view! {
                        <button type="button" class="kiosk-button" data-service=prefix.clone()
                            disabled=move || action.pending().get()
                            on:click=move |_| {
                                action.dispatch(IssueWalkIn {
                                    office: office_slug.clone(),
                                    service: prefix.clone(),
                                    nik: nik.get_untracked(),
                                    priority: chosen.get_untracked().map_or("", PriorityCategory::as_str).to_string(),
                                });
                            }>
                            <span class="service-prefix">{service.prefix.clone()}</span>
                            <span>{move || service_name(lang.get(), &name_id, &name_en)}</span>
                        </button>
                    }
                }).collect_view()}
            </div>
        </div>
    }
}

#[component]
pub fn ReceiptPage() -> impl IntoView {
    let lang = use_lang();
    let office = office_param();
    let params = use_params_map();
    let code = move || params.read().get("code").unwrap_or_default();
    let receipt = fetch(load_receipt(code()));
    view! {
        {Suspend::new(async move {
            match receipt.await {
                Ok(receipt) => {
                    let ticket = receipt.ticket;
                    let (name_id, name_en) = (ticket.service_name_id.clone(), ticket.service_name_en.clone());
                    view! {
                        <article class="receipt" data-testid="receipt">
                            <p class="receipt-office">{ticket.office_name.clone()}</p>
                            <p class="receipt-label">{move || t(lang.get(), Key::YourTicket)}</p>
                            <p class="receipt-number" data-testid="receipt-number">{ticket.display_number.clone()}</p>
                            {ticket.priority.map(|category| view! {
                                <p class="receipt-priority" data-testid="receipt-priority">
                                    {move || t(lang.get(), Key::PriorityMark)} ": " {move || priority_name(lang.get(), category)}
                                </p>
                            })}
                            <p>{move || service_name(lang.get(), &name_id, &name_en)}</p>
                            <p>{receipt.printed_at.clone()}</p>
                            <p>{move || t(lang.get(), Key::PeopleAhead)} ": " <strong data-testid="receipt-ahead">{ticket.people_ahead}</strong></p>
                            <div class="receipt-qr" data-testid="receipt-qr" inner_html=receipt.qr_svg.clone()></div>
                            <p class="receipt-hint">{move || t(lang.get(), Key::ReceiptScan)}</p>
                        </article>
                        <PrintReceipt back=format!("/kiosk/{}", office()) />
                    }
                    .into_any()
                }
                Err(error) => view! { <ErrorNotice error not_found=Key::TicketNotFound /> }.into_any(),
            }
        })}
    }
}

/// Opens the print dialog (silent in kiosk mode) and returns to the kiosk after.
#[cfg_attr(any(feature = "ssr", feature = "bundle-kiosk"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "bundle-kiosk")), component)]
fn PrintReceipt(back: String) -> impl IntoView {
    let lang = use_lang();
    #[cfg(feature = "hydrate")]
    {
        let back = back.clone();
        set_timeout(
            move || {
                let _ = window().print();
                let back = back.clone();
                set_timeout(
                    move || {
                        let _ = window().location().set_href(&back);
                    },
                    std::time::Duration::from_secs(8),
                );
            },
            std::time::Duration::from_millis(300),
        );
    }
    view! { <p class="no-print"><a class="button" href=back>{move || t(lang.get(), Key::KioskBack)}</a></p> }
}
