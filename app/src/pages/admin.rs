//! Admin pages: the accounts of staff, admins and kiosk devices. The list is
//! rendered on the server; only the forms that show a password once are islands,
//! and enabling or disabling an account is a plain form that comes back here.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

use super::booking::SubmitButton;
use super::components::{fetch, ErrorNotice, FieldError, FormAlert, FormPost, PostForm, TextField};
use super::use_lang;
use crate::api::{load_accounts, CreateAccount, ResetAccountPassword, SetAccountActive};
use crate::domain::access::Role;
use crate::error::Field;
use crate::i18n::{role_name, t, Key};
use crate::model::{AccountRow, InitialPassword};

#[component]
pub fn AccountsPage() -> impl IntoView {
    let lang = use_lang();
    let accounts = fetch(load_accounts());
    view! {
        <Title text=t(lang.get_untracked(), Key::AccountsTitle) />
        <h1>{move || t(lang.get(), Key::AccountsTitle)}</h1>
        <p class="hint">{move || t(lang.get(), Key::AccountsIntro)}</p>
        {Suspend::new(async move {
            match accounts.await {
                Ok(accounts) => {
                    let me = accounts.me;
                    view! {
                        <section class="card staff-section">
                            <table class="accounts">
                                <thead>
                                    <tr>
                                        <th>{move || t(lang.get(), Key::FieldUsername)}</th>
                                        <th>{move || t(lang.get(), Key::FieldStaffName)}</th>
                                        <th>{move || t(lang.get(), Key::FieldRole)}</th>
                                        <th>{move || t(lang.get(), Key::FieldOffice)}</th>
                                        <th>{move || t(lang.get(), Key::ColumnStatus)}</th>
                                        <th></th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {accounts.accounts.into_iter().map(|row| view! { <AccountLine row me /> }).collect_view()}
                                </tbody>
                            </table>
                        </section>
                        <section class="card staff-section">
                            <h2>{move || t(lang.get(), Key::NewAccount)}</h2>
                            <NewAccountForm offices=accounts.offices all_offices=accounts.all_offices />
                        </section>
                    }
                    .into_any()
                }
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            }
        })}
    }
}

#[component]
fn AccountLine(row: AccountRow, me: i64) -> impl IntoView {
    let lang = use_lang();
    let (id, active, locked, role, username) = (row.id, row.active, row.locked, row.role, row.username);
    let shown = username.clone();
    let set_active_path = <SetAccountActive as ServerFn>::PATH;
    let status = move || match (active, locked) {
        (false, _) => t(lang.get(), Key::AccountDisabled),
        (true, true) => t(lang.get(), Key::AccountLocked),
        (true, false) => t(lang.get(), Key::AccountActive),
    };
    view! {
        <tr data-username=username.clone() class:disabled=!active>
            <td><code>{shown}</code></td>
            <td>{row.full_name}</td>
            <td>{move || role_name(lang.get(), role)}</td>
            <td>{row.office_name.unwrap_or_else(|| t(lang.get_untracked(), Key::AllOffices).to_string())}</td>
            <td data-testid="account-status">{status}</td>
            <td class="row-actions">
                <ResetPasswordButton account=id />
                {(id != me).then(|| view! {
                    <form method="post" action=set_active_path>
                        <input type="hidden" name="account" value=id />
                        <input type="hidden" name="active" value=(!active).to_string() />
                        <button type="submit" class="button button-quiet">
                            {move || t(lang.get(), if active { Key::DisableAccount } else { Key::EnableAccount })}
                        </button>
                    </form>
                })}
            </td>
        </tr>
    }
}

/// The password to hand over, shown once.
#[component]
fn PasswordNotice(done: Key, shown: InitialPassword) -> impl IntoView {
    let lang = use_lang();
    view! {
        <div class="notice notice-success" role="status" data-testid="initial-password">
            <p>{move || t(lang.get(), done)} " " <strong>{shown.username.clone()}</strong></p>
            {shown.password.map(|password| view! {
                <p>
                    {move || t(lang.get(), Key::InitialPasswordFor)} " " {shown.username.clone()} ": "
                    <code class="password" data-testid="password-value">{password}</code>
                </p>
                <p class="hint">{move || t(lang.get(), Key::InitialPasswordOnce)}</p>
            })}
        </div>
    }
}

#[cfg_attr(any(feature = "ssr", feature = "bundle-staff"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "bundle-staff")), component)]
fn ResetPasswordButton(account: i64) -> impl IntoView {
    let lang = use_lang();
    let reset = FormPost::<ResetAccountPassword>::new();
    let error = reset.refusal();
    view! {
        <PostForm post=reset>
            <input type="hidden" name="account" value=account />
            <button type="submit" class="button button-quiet">{move || t(lang.get(), Key::ResetPassword)}</button>
        </PostForm>
        <FormAlert error />
        {move || reset.answer().get().map(|shown| view! {
            <PasswordNotice done=Key::PasswordWasReset shown />
        })}
    }
}

#[cfg_attr(any(feature = "ssr", feature = "bundle-staff"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "bundle-staff")), component)]
fn NewAccountForm(offices: Vec<(String, String)>, all_offices: bool) -> impl IntoView {
    let lang = use_lang();
    let create = FormPost::<CreateAccount>::new();
    let error = create.refusal();
    view! {
        {move || create.answer().get().map(|shown| view! {
            <PasswordNotice done=Key::AccountCreated shown />
            <p><a href="/admin/akun">{move || t(lang.get(), Key::RefreshList)}</a></p>
        })}
        <PostForm post=create class="booking-form" novalidate=true>
            <FormAlert error />
            <TextField field=Field::Username label=Key::FieldUsername hint=None error
                input_type="text" autocomplete="off" inputmode="text" />
            <TextField field=Field::FullName label=Key::FieldStaffName hint=None error
                input_type="text" autocomplete="off" inputmode="text" />
            <div class="field">
                <label for="role">{move || t(lang.get(), Key::FieldRole)}</label>
                <select id="role" name="role">
                    {[Role::Staff, Role::Kiosk, Role::Admin].into_iter().map(|role| view! {
                        <option value=role.as_str()>{move || role_name(lang.get(), role)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="office">{move || t(lang.get(), Key::FieldOffice)}</label>
                <select id="office" name="office">
                    {offices.into_iter().map(|(slug, name)| view! { <option value=slug>{name}</option> }).collect_view()}
                    {all_offices.then(|| view! { <option value="">{move || t(lang.get(), Key::AllOffices)}</option> })}
                </select>
                <FieldError field=Field::Office error />
            </div>
            <TextField field=Field::Password label=Key::FieldPassword hint=Some(Key::PasswordGenerated)
                error input_type="password" autocomplete="new-password" inputmode="text" />
            <SubmitButton pending=create.pending() label=Key::CreateAccount />
        </PostForm>
    }
}
