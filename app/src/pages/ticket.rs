//! The ticket page: the citizen's number, its service and date, how many people
//! are ahead and which number is being called now.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::components::{fetch, service_name, ErrorNotice};
use super::live_client::follow_office;
use super::use_lang;
use crate::api::{load_ticket, GiveFeedback};
use crate::domain::feedback::{FeedbackComment, FeedbackState};
use crate::domain::ticket::TicketState;
use crate::i18n::{
    call_estimate, cancel_reason_name, channel_name, long_date, priority_name, rollover, state_name, t, your_turn_text,
    Key, Lang,
};
use crate::model::{LiveMessage, TicketView};

#[component]
pub fn TicketPage() -> impl IntoView {
    let params = use_params_map();
    let code = move || params.read().get("code").unwrap_or_default();
    let ticket = fetch(load_ticket(code()));
    view! {
        {Suspend::new(async move {
            match ticket.await {
                Ok(ticket) => view! { <LiveTicket ticket /> }.into_any(),
                Err(error) => view! { <ErrorNotice error not_found=Key::TicketNotFound /> }.into_any(),
            }
        })}
    }
}

/// The ticket, refreshed whenever its office's queue moves.
#[cfg_attr(any(feature = "ssr", feature = "bundle-live"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "bundle-live")), component)]
fn LiveTicket(ticket: TicketView) -> impl IntoView {
    let (code, office) = (ticket.code.clone(), ticket.office_slug.clone());
    let current = RwSignal::new(ticket);
    let refresh = move || {
        let code = code.clone();
        leptos::task::spawn_local(async move {
            if let Ok(fresh) = load_ticket(code).await {
                current.set(fresh);
            }
        });
    };
    let connected = follow_office(office, move |message| {
        let prefix = current.with_untracked(|t| t.service_prefix.clone());
        let concerns_me = match &message {
            LiveMessage::Snapshot { .. } => true,
            LiveMessage::Changed { services, .. } => services.iter().any(|s| s.prefix == prefix),
            LiveMessage::Called { call, services } => {
                call.service_prefix == prefix || services.iter().any(|s| s.prefix == prefix)
            }
        };
        if concerns_me {
            refresh();
        }
    });
    view! {
        <div data-live=move || if connected.get() { "online" } else { "offline" }>
            {move || view! { <TicketCard ticket=current.get() /> }}
        </div>
    }
}

#[component]
fn TicketCard(ticket: TicketView) -> impl IntoView {
    let lang = use_lang();
    let TicketView {
        code,
        feedback,
        display_number,
        office_slug,
        office_name,
        service_name_id,
        service_name_en,
        service_date,
        requested_date,
        rollover: rolled,
        state,
        channel,
        holder_name,
        people_ahead,
        now_calling,
        cancel_reason,
        counter,
        estimate,
        priority,
        ..
    } = ticket;
    let your_turn = (state == TicketState::Called).then(|| {
        let counter = counter.unwrap_or_default();
        view! {
            <div class="notice your-turn" role="alert" data-testid="your-turn">
                {move || your_turn_text(lang.get(), &counter)}
            </div>
        }
    });
    let number = display_number.clone();
    view! {
        <Title text=number />
        <p class="crumbs"><a href=format!("/kantor/{office_slug}")>{office_name.clone()}</a></p>
        <article class="card ticket" aria-labelledby="ticket-number">
            <p class="ticket-label">{move || t(lang.get(), Key::YourTicket)}</p>
            <p id="ticket-number" class="ticket-number" data-testid="ticket-number">{display_number}</p>
            <p class="ticket-state" data-state=state.as_str()>{move || state_name(lang.get(), state)}</p>
            {priority.map(|category| view! {
                <p><span class="badge badge-priority" data-testid="ticket-priority">
                    {move || t(lang.get(), Key::PriorityMark)} " · " {move || priority_name(lang.get(), category)}
                </span></p>
            })}
            {your_turn}
            {rolled.map(|reason| {
                view! {
                    <div class="notice notice-info" role="status" data-testid="rollover">
                        {move || rollover(lang.get(), &reason, requested_date, service_date)}
                    </div>
                }
            })}
            <dl class="ticket-facts">
                <div>
                    <dt>{move || t(lang.get(), Key::TicketService)}</dt>
                    <dd>{move || service_name(lang.get(), &service_name_id, &service_name_en)}</dd>
                </div>
                <div>
                    <dt>{move || t(lang.get(), Key::TicketDate)}</dt>
                    <dd data-testid="service-date" data-date=service_date.to_string()>{move || long_date(lang.get(), service_date)}</dd>
                </div>
                {(state == TicketState::Waiting).then(|| view! {
                    <div>
                        <dt>{move || t(lang.get(), Key::PeopleAhead)}</dt>
                        <dd class="figure" data-testid="people-ahead">{people_ahead}</dd>
                    </div>
                })}
                <div>
                    <dt>{move || t(lang.get(), Key::NowCalling)}</dt>
                    <dd class="figure" data-testid="now-calling">
                        {match now_calling {
                            Some(number) => number.into_any(),
                            None => view! { <span class="figure-none">{move || t(lang.get(), Key::NoneYet)}</span> }.into_any(),
                        }}
                    </dd>
                </div>
                {holder_name.map(|name| view! {
                    <div>
                        <dt>{move || t(lang.get(), Key::TicketHolder)}</dt>
                        <dd>{name}</dd>
                    </div>
                })}
                <div>
                    <dt>{move || t(lang.get(), Key::TicketChannel)}</dt>
                    <dd>{move || channel_name(lang.get(), channel)}</dd>
                </div>
                {cancel_reason.map(|reason| view! {
                    <div>
                        <dt>{move || t(lang.get(), Key::CancelReason)}</dt>
                        <dd data-testid="cancel-reason">{move || cancel_reason_name(lang.get(), reason)}</dd>
                    </div>
                })}
            </dl>
            {estimate.map(|estimate| view! {
                <p class="ticket-estimate" data-testid="call-estimate">{move || call_estimate(lang.get(), &estimate)}</p>
            })}
            <p class="hint">{move || t(lang.get(), Key::KeepThisPage)}</p>
        </article>
        {feedback_section(lang, code, feedback)}
    }
}

/// After service: the rating form (a plain form, so it works before the WASM
/// arrives), or the thanks for the rating given.
fn feedback_section(lang: RwSignal<Lang>, code: String, feedback: FeedbackState) -> impl IntoView {
    match feedback {
        FeedbackState::Closed => None,
        FeedbackState::Given(rating) => Some(
            view! {
                <p class="notice notice-success" data-testid="feedback-given">
                    {move || t(lang.get(), Key::FeedbackThanks)} " " {format!("{}/5", rating.value())}
                </p>
            }
            .into_any(),
        ),
        FeedbackState::Open => Some(
            view! {
                <section class="card feedback" data-testid="feedback" aria-labelledby="feedback-title">
                    <h2 id="feedback-title">{move || t(lang.get(), Key::FeedbackTitle)}</h2>
                    <form method="post" action={<GiveFeedback as ServerFn>::PATH}>
                        <input type="hidden" name="code" value=code />
                        <fieldset class="field rating">
                            <legend>{move || t(lang.get(), Key::FeedbackRating)}</legend>
                            {(1..=5).map(|value| view! {
                                <label class="choice">
                                    <input type="radio" name="rating" value=value required=true /> " " {value}
                                </label>
                            }).collect_view()}
                        </fieldset>
                        <div class="field">
                            <label for="feedback-comment">{move || t(lang.get(), Key::FeedbackComment)}</label>
                            <textarea id="feedback-comment" name="comment" maxlength=FeedbackComment::MAX rows="3"></textarea>
                        </div>
                        <button type="submit" class="button button-primary">{move || t(lang.get(), Key::FeedbackSend)}</button>
                    </form>
                </section>
            }
            .into_any(),
        ),
    }
}
