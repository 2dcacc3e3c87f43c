//! Staff pages: signing in, booking for a citizen who needs help, and cancelling
//! a ticket whose holder's identity does not match.

use leptos::prelude::*;
use leptos_meta::Title;

use super::booking::{BookingFields, SubmitButton};
use super::components::{fetch, ErrorNotice, FieldError, FormAlert, FormPost, PostForm, ProofOfWork, TextField};
use super::use_lang;
use crate::api::{load_staff_desk, ChangePassword, StaffBook, StaffCancel, StaffSignIn};
use crate::domain::access::Role;
use crate::domain::ticket::CancelReason;
use crate::error::Field;
use crate::i18n::{admin_text, cancel_reason_name, t, AdminText, Key};
use crate::model::OfficeView;

#[component]
pub fn StaffSignInPage() -> impl IntoView {
    let lang = use_lang();
    view! {
        <Title text=t(lang.get_untracked(), Key::StaffSignInTitle) />
        <h1>{move || t(lang.get(), Key::StaffSignInTitle)}</h1>
        <StaffSignInForm />
    }
}

#[cfg_attr(any(feature = "ssr", feature = "bundle-staff"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "bundle-staff")), component)]
fn StaffSignInForm() -> impl IntoView {
    let lang = use_lang();
    let action = FormPost::<StaffSignIn>::new();
    let error = action.refusal();
    view! {
        <PostForm post=action class="booking-form" novalidate=true>
            <FormAlert error />
            <TextField field=Field::Username label=Key::FieldUsername hint=None error
                input_type="text" autocomplete="username" inputmode="text" />
            <div class="field">
                <label for="password">{move || t(lang.get(), Key::FieldPassword)}</label>
                <input id="password" name="password" type="password" autocomplete="current-password" />
            </div>
            <ProofOfWork error />
            <SubmitButton pending=action.pending() label=Key::SignIn />
        </PostForm>
    }
}

#[component]
pub fn StaffDeskPage() -> impl IntoView {
    let lang = use_lang();
    let desk = fetch(load_staff_desk());
    view! {
        <Title text=t(lang.get_untracked(), Key::StaffDeskTitle) />
        <h1>{move || t(lang.get(), Key::StaffDeskTitle)}</h1>
        {Suspend::new(async move {
            match desk.await {
                Ok(desk) => {
                    let works_counters = desk.role != Role::Kiosk;
                    let screens = desk.counters.iter().map(|(slug, office, _)| (slug.clone(), office.clone())).collect::<Vec<_>>();
                    if desk.must_change_password {
                        return view! {
                            <p class="notice notice-error" role="alert" data-testid="password-change-first">
                                {move || t(lang.get(), Key::PasswordChangeFirst)}
                            </p>
                            <ChangePasswordForm />
                        }
                        .into_any();
                    }
                    let failed_sign_ins = desk.failed_sign_ins.clone();
                    view! {
                    <p class="muted">{move || t(lang.get(), Key::SignedInAs)} " " {desk.name.clone()}</p>
                    {(!failed_sign_ins.is_empty()).then(|| view! {
                        <section class="card staff-section" data-testid="failed-sign-ins">
                            <h2>{move || t(lang.get(), Key::FailedSignInsTitle)}</h2>
                            <p class="hint">{move || t(lang.get(), Key::FailedSignInsHint)}</p>
                            <ul>
                                {failed_sign_ins.into_iter().map(|(at, client)| view! {
                                    <li><time datetime=at.to_rfc3339()>{at.format("%Y-%m-%d %H:%M").to_string()}</time> " — " {client}</li>
                                }).collect_view()}
                            </ul>
                        </section>
                    })}
                    {(desk.role == Role::Admin).then(|| view! {
                        <p class="row-actions">
                            <a class="button" href="/admin/akun">{move || t(lang.get(), Key::ManageAccounts)}</a>
                            <a class="button" href="/admin/kantor">{admin_text(lang.get_untracked(), AdminText::OfficesTitle)}</a>
                            <a class="button" href="/admin/jejak-audit">{admin_text(lang.get_untracked(), AdminText::AuditLink)}</a>
                        </p>
                    })}
                    {works_counters.then(|| view! {
                    <section class="card staff-section">
                        <h2>{move || t(lang.get(), Key::CountersTitle)}</h2>
                        {desk.counters.into_iter().map(|(slug, office, counters)| view! {
                            <h3>{office}</h3>
                            <ul class="counter-links" data-office=slug>
                                {counters.into_iter().map(|counter| view! {
                                    <li>
                                        <a class="button" href=format!("/petugas/loket/{}", counter.id)>
                                            {counter.name} " (" {counter.services.join(", ")} ")"
                                        </a>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }).collect_view()}
                    </section>
                    })}
                    <section class="card staff-section">
                        <h2>{move || t(lang.get(), Key::KioskScreens)}</h2>
                        {screens.into_iter().map(|(slug, office)| view! {
                            <h3>{office}</h3>
                            <ul class="counter-links kiosk-links" data-office=slug.clone()>
                                <li><a class="button" href=format!("/papan/{slug}")>{move || t(lang.get(), Key::DisplayBoardLink)}</a></li>
                                <li><a class="button" href=format!("/kiosk/{slug}")>{move || t(lang.get(), Key::SelfServiceLink)}</a></li>
                            </ul>
                        }).collect_view()}
                    </section>
                    {works_counters.then(|| view! {
                        {desk.offices.into_iter().map(|office| view! { <OfficeDesk office /> }).collect_view()}
                        <StaffCancelForm />
                    })}
                    <ChangePasswordForm />
                }
                }
                .into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            }
        })}
    }
}

#[component]
fn OfficeDesk(office: OfficeView) -> impl IntoView {
    let lang = use_lang();
    let (name, slug) = (office.name.clone(), office.slug.clone());
    view! {
        <section class="card staff-section" data-office=slug>
            <h2>{move || t(lang.get(), Key::StaffBookTitle)} " — " {name}</h2>
            <p class="hint">{move || t(lang.get(), Key::StaffBookIntro)}</p>
            <StaffBookForm office />
        </section>
    }
}

#[cfg_attr(any(feature = "ssr", feature = "bundle-staff"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "bundle-staff")), component)]
fn StaffBookForm(office: OfficeView) -> impl IntoView {
    let action = FormPost::<StaffBook>::new();
    let error = action.refusal();
    view! {
            <PostForm post=action class="booking-form" novalidate=true>
                <FormAlert error />
                <BookingFields office chosen=String::new() error at_desk=true />
                <TextField field=Field::Phone label=Key::FieldPhone hint=Some(Key::Optional) error
                    input_type="tel" autocomplete="off" inputmode="tel" />
                <SubmitButton pending=action.pending() label=Key::Submit />
            </PostForm>
    }
}

#[cfg_attr(any(feature = "ssr", feature = "bundle-staff"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "bundle-staff")), component)]
fn StaffCancelForm() -> impl IntoView {
    let lang = use_lang();
    let action = FormPost::<StaffCancel>::new();
    let error = action.refusal();
    view! {
        <section class="card staff-section">
            <h2>{move || t(lang.get(), Key::StaffCancelTitle)}</h2>
            <PostForm post=action class="booking-form" novalidate=true>
                <FormAlert error />
                <div class="field">
                    <label for="code">{move || t(lang.get(), Key::FieldTicketCode)}</label>
                    <input id="code" name="code" type="text" autocomplete="off" />
                </div>
                <div class="field">
                    <label for="reason">{move || t(lang.get(), Key::FieldReason)}</label>
                    <select id="reason" name="reason">
                        {CancelReason::ALL
                            .into_iter()
                            .map(|reason| view! {
                                <option value=reason.as_str()>{move || cancel_reason_name(lang.get(), reason)}</option>
                            })
                            .collect_view()}
                    </select>
                    <FieldError field=Field::Reason error />
                </div>
                <SubmitButton pending=action.pending() label=Key::CancelTicket />
            </PostForm>
        </section>
    }
}

#[cfg_attr(any(feature = "ssr", feature = "bundle-staff"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "bundle-staff")), component)]
fn ChangePasswordForm() -> impl IntoView {
    let lang = use_lang();
    let action = FormPost::<ChangePassword>::new();
    let error = action.refusal();
    let changed = move || action.answer().get().is_some();
    view! {
        <section class="card staff-section">
            <h2>{move || t(lang.get(), Key::ChangePasswordTitle)}</h2>
            <PostForm post=action class="booking-form" novalidate=true>
                <FormAlert error />
                {move || changed().then(|| view! {
                    <div class="notice notice-success" role="status">{move || t(lang.get(), Key::PasswordChanged)}</div>
                })}
                <TextField field=Field::CurrentPassword label=Key::FieldCurrentPassword hint=None error
                    input_type="password" autocomplete="current-password" inputmode="text" />
                <TextField field=Field::NewPassword label=Key::FieldNewPassword hint=Some(Key::NewPasswordHint) error
                    input_type="password" autocomplete="new-password" inputmode="text" />
                <SubmitButton pending=action.pending() label=Key::ChangePassword />
            </PostForm>
        </section>
    }
}
