//! A citizen's own pages: signing in with a phone number, and "Tiket saya".

use leptos::prelude::*;
use leptos_meta::Title;

use super::booking::SubmitButton;
use super::components::{fetch, service_name, ErrorNotice, FormAlert, FormPost, PostForm, ProofOfWork, TextField};
use super::use_lang;
use crate::api::{
    load_cancel_link, load_my_calls, load_my_tickets, CancelByLink, CancelMyTicket, RequestSignInCode, SignOut,
};
use crate::domain::ticket::TicketState;
use crate::error::Field;
use crate::i18n::{cancel_reason_name, long_date, state_name, t, Key};
use crate::model::MyTicket;

#[component]
pub fn SignInPage() -> impl IntoView {
    let lang = use_lang();
    view! {
        <Title text=t(lang.get_untracked(), Key::SignInTitle) />
        <h1>{move || t(lang.get(), Key::SignInTitle)}</h1>
        <p class="lead">{move || t(lang.get(), Key::SignInIntro)}</p>
        <SignInForm />
    }
}

#[cfg_attr(any(feature = "ssr", feature = "bundle-citizen"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "bundle-citizen")), component)]
fn SignInForm() -> impl IntoView {
    let post = FormPost::<RequestSignInCode>::new();
    let error = post.refusal();
    view! {
        <PostForm post class="booking-form" novalidate=true>
            <FormAlert error />
            <TextField field=Field::Phone label=Key::FieldPhone hint=Some(Key::FieldPhoneHint) error
                input_type="tel" autocomplete="tel" inputmode="tel" />
            <ProofOfWork error />
            <SubmitButton pending=post.pending() label=Key::SendCode />
        </PostForm>
    }
}

#[component]
pub fn MyTicketsPage() -> impl IntoView {
    let lang = use_lang();
    let tickets = fetch(load_my_tickets());
    let sign_out = FormPost::<SignOut>::new();
    view! {
        <Title text=t(lang.get_untracked(), Key::MyTickets) />
        <h1>{move || t(lang.get(), Key::MyTickets)}</h1>
        <AccountTabs />
        {Suspend::new(async move {
            match tickets.await {
                Ok(mine) => {
                    let today = mine.today;
                    let (mut upcoming, mut on_day, mut past) = (Vec::new(), Vec::new(), Vec::new());
                    for ticket in mine.tickets {
                        match ticket.service_date.cmp(&today) {
                            std::cmp::Ordering::Greater => upcoming.push(ticket),
                            std::cmp::Ordering::Equal => on_day.push(ticket),
                            std::cmp::Ordering::Less => past.push(ticket),
                        }
                    }
                    upcoming.reverse();
                    view! {
                        <TicketGroup title=Key::TicketsToday tickets=on_day />
                        <TicketGroup title=Key::TicketsUpcoming tickets=upcoming />
                        <TicketGroup title=Key::TicketsPast tickets=past />
                        <PushSettings />
                    }
                        .into_any()
                }
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            }
        })}
        <PostForm post=sign_out class="sign-out">
            <button type="submit" class="button">{move || t(lang.get(), Key::SignOut)}</button>
        </PostForm>
    }
}

/// Web push for this browser. `/push.js` shows it where the browser can push,
/// and turns it on and off; the texts for its states come from here, in the
/// page's language.
#[component]
fn PushSettings() -> impl IntoView {
    let lang = use_lang().get_untracked();
    view! {
        <section class="card push-settings" id="push-settings" hidden>
            <h2>{t(lang, Key::NotificationsTitle)}</h2>
            <p class="hint">{t(lang, Key::NotificationsIntro)}</p>
            <p class="push-status" data-testid="push-status" role="status"
                data-on=t(lang, Key::PushOn) data-off=t(lang, Key::PushOff)
                data-blocked=t(lang, Key::PushBlocked) data-failed=t(lang, Key::PushFailed)></p>
            <button type="button" class="button" id="push-on">{t(lang, Key::EnableNotifications)}</button>
            <button type="button" class="button" id="push-off" hidden>{t(lang, Key::DisableNotifications)}</button>
        </section>
        <script type="module" src="/push.js"></script>
    }
}

#[component]
fn TicketGroup(title: Key, tickets: Vec<MyTicket>) -> impl IntoView {
    let lang = use_lang();
    let empty = tickets.is_empty();
    view! {
        <section class="ticket-group">
            <h2>{move || t(lang.get(), title)}</h2>
            {empty.then(|| view! { <p class="muted">{move || t(lang.get(), Key::NoTickets)}</p> })}
            <ul class="my-tickets">
                {tickets.into_iter().map(|ticket| view! { <MyTicketRow ticket /> }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn MyTicketRow(ticket: MyTicket) -> impl IntoView {
    let lang = use_lang();
    let MyTicket {
        code,
        display_number,
        office_name,
        service_name_id,
        service_name_en,
        service_date,
        state,
        cancel_reason,
        cancellable,
    } = ticket;
    let cancel_form = cancellable.then(|| view! { <CancelTicketButton code=code.clone() /> });
    view! {
        <li class="card my-ticket" data-code=code.clone()>
            <a class="my-ticket-number" href=format!("/tiket/{code}")>{display_number}</a>
            <div>
                <p>{move || service_name(lang.get(), &service_name_id, &service_name_en)} " · " {office_name}</p>
                <p class="muted">{move || long_date(lang.get(), service_date)} " · " {move || state_name(lang.get(), state)}</p>
                {cancel_reason.map(|reason| view! {
                    <p class="cancel-reason" data-testid="cancel-reason">{move || cancel_reason_name(lang.get(), reason)}</p>
                })}
            </div>
            {cancel_form}
        </li>
    }
}

/// Cancels one upcoming ticket; the server sends the browser back to the list.
#[cfg_attr(any(feature = "ssr", feature = "bundle-citizen"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "bundle-citizen")), component)]
fn CancelTicketButton(code: String) -> impl IntoView {
    let lang = use_lang();
    let post = FormPost::<CancelMyTicket>::new();
    let error = post.refusal();
    view! {
        <PostForm post>
            <FormAlert error />
            <input type="hidden" name="code" value=code />
            <button type="submit" class="button button-danger">{move || t(lang.get(), Key::CancelTicket)}</button>
        </PostForm>
    }
}

/// The page a reminder's cancel link opens: what will be cancelled, and a
/// button that asks to confirm. Nothing is cancelled by opening the link (a
/// link preview or a mail scanner may open it).
#[component]
pub fn CancelLinkPage() -> impl IntoView {
    let lang = use_lang();
    let params = leptos_router::hooks::use_params_map();
    let token = params.read_untracked().get("token").unwrap_or_default();
    let ticket = fetch(load_cancel_link(token.clone()));
    view! {
        <Title text=t(lang.get_untracked(), Key::CancelLinkTitle) />
        <h1>{move || t(lang.get(), Key::CancelLinkTitle)}</h1>
        {Suspend::new(async move {
            match ticket.await {
                Ok(ticket) => {
                    let waiting = ticket.state == TicketState::Waiting;
                    let (date, state) = (ticket.service_date, ticket.state);
                    let (name_id, name_en) = (ticket.service_name_id.clone(), ticket.service_name_en.clone());
                    view! {
                        <article class="card ticket" data-testid="cancel-link-ticket">
                            <p class="ticket-number" data-testid="ticket-number">{ticket.display_number.clone()}</p>
                            <p class="ticket-state" data-state=state.as_str()>{move || state_name(lang.get(), state)}</p>
                            <dl class="ticket-facts">
                                <div>
                                    <dt>{move || t(lang.get(), Key::TicketService)}</dt>
                                    <dd>{move || service_name(lang.get(), &name_id, &name_en)}</dd>
                                </div>
                                <div>
                                    <dt>{move || t(lang.get(), Key::TicketDate)}</dt>
                                    <dd>{move || long_date(lang.get(), date)}</dd>
                                </div>
                                <div>
                                    <dt>{move || t(lang.get(), Key::FieldOffice)}</dt>
                                    <dd>{ticket.office_name.clone()}</dd>
                                </div>
                            </dl>
                        </article>
                        {if waiting {
                            view! {
                                <p class="lead">{move || t(lang.get(), Key::CancelLinkAsk)}</p>
                                <CancelByLinkButton token=token.clone() />
                            }.into_any()
                        } else {
                            view! { <p class="notice notice-info" role="status">{move || t(lang.get(), Key::CancelLinkTooLate)}</p> }.into_any()
                        }}
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error not_found=Key::TicketNotFound /> }.into_any(),
            }
        })}
    }
}

/// Cancels the linked ticket; the server then shows its ticket page.
#[cfg_attr(any(feature = "ssr", feature = "bundle-citizen"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "bundle-citizen")), component)]
fn CancelByLinkButton(token: String) -> impl IntoView {
    let lang = use_lang();
    let post = FormPost::<CancelByLink>::new();
    let error = post.refusal();
    view! {
        <PostForm post>
            <FormAlert error />
            <input type="hidden" name="token" value=token />
            <button type="submit" class="button button-danger" data-testid="confirm-cancel">
                {move || t(lang.get(), Key::CancelLinkConfirm)}
            </button>
        </PostForm>
    }
}

/// "Tiket saya" and "Panggilan" side by side.
#[component]
fn AccountTabs() -> impl IntoView {
    let lang = use_lang();
    view! {
        <nav class="tabs">
            <a href="/tiket-saya">{move || t(lang.get(), Key::MyTickets)}</a>
            <a href="/panggilan">{move || t(lang.get(), Key::CallsTitle)}</a>
        </nav>
    }
}

/// "Panggilan": every call the citizen's tickets received.
#[component]
pub fn CallsPage() -> impl IntoView {
    let lang = use_lang();
    let calls = fetch(load_my_calls());
    view! {
        <Title text=t(lang.get_untracked(), Key::CallsTitle) />
        <h1>{move || t(lang.get(), Key::CallsTitle)}</h1>
        <AccountTabs />
        {Suspend::new(async move {
            match calls.await {
                Ok(calls) if calls.is_empty() => {
                    view! { <p class="muted">{move || t(lang.get(), Key::NoCalls)}</p> }.into_any()
                }
                Ok(calls) => view! {
                    <ul class="calls">
                        {calls.into_iter().map(|call| {
                            view! {
                                <li class="card call" data-testid="call">
                                    <a href=format!("/tiket/{}", call.ticket_code)><strong>{call.display_number}</strong></a>
                                    " → " {call.counter} " · " {call.office_name}
                                    <span class="muted">" · " {call.local_time}
                                        {call.recall.then(|| view! { " · " {move || t(lang.get(), Key::RecallMark)} })}
                                    </span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
                .into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            }
        })}
    }
}
