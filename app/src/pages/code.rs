//! The access-code step: the citizen types the 6-character code from the SMS
//! (Android Chrome fills it in by itself) and continues.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::booking::SubmitButton;
use super::components::{fetch, ErrorNotice, FormAlert, FormPost, PostForm, ProofOfWork, TextField};
use super::use_lang;
use crate::api::{load_code_request, ConfirmCode, ResendCode};
use crate::error::Field;
use crate::i18n::{t, Key};

#[component]
pub fn CodePage() -> impl IntoView {
    let lang = use_lang();
    let params = use_params_map();
    let request = move || params.read().get("request").unwrap_or_default();
    let pending = fetch(load_code_request(request()));
    view! {
        <Title text=t(lang.get_untracked(), Key::CodeTitle) />
        <h1>{move || t(lang.get(), Key::CodeTitle)}</h1>
        {Suspend::new(async move {
            match pending.await {
                Ok(pending) => {
                    let purpose = if pending.for_booking { Key::CodeForBooking } else { Key::CodeForSignIn };
                    view! {
                        <p class="lead">
                            {move || t(lang.get(), Key::CodeSentTo)} " "
                            <strong data-testid="masked-phone">{pending.masked_phone.clone()}</strong>". "
                            {move || t(lang.get(), purpose)}
                        </p>
                        <CodeForms request=request() />
                    }
                        .into_any()
                }
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            }
        })}
    }
}

/// The code form and the resend button, with their errors shown inline.
#[cfg_attr(any(feature = "ssr", feature = "bundle-citizen"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "bundle-citizen")), component)]
fn CodeForms(request: String) -> impl IntoView {
    let (confirm, resend) = (FormPost::<ConfirmCode>::new(), FormPost::<ResendCode>::new());
    let resend_error = resend.refusal();
    let error = Signal::derive(move || confirm.refusal().get().or_else(|| resend_error.get()));
    let lang = use_lang();
    let again = request.clone();
    view! {
        <PostForm post=confirm class="booking-form code-form" novalidate=true>
            <FormAlert error />
            <input type="hidden" name="request" value=request />
            <TextField field=Field::Code label=Key::FieldCode hint=Some(Key::FieldCodeHint) error
                input_type="text" autocomplete="one-time-code" inputmode="text" />
            <SubmitButton pending=confirm.pending() label=Key::Continue />
        </PostForm>
        <PostForm post=resend class="resend-form">
            <input type="hidden" name="request" value=again />
            <ProofOfWork error=resend_error />
            <button type="submit" class="button">{move || t(lang.get(), Key::ResendCode)}</button>
        </PostForm>
    }
}
