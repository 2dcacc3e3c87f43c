//! Admin pages: the accounts of staff, admins and kiosk devices.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

use super::booking::SubmitButton;
use super::components::{loading, ErrorNotice, FieldError, FormAlert, TextField};
use super::use_lang;
use crate::api::{load_accounts, CreateAccount, ResetAccountPassword, SetAccountActive};
use crate::domain::access::Role;
use crate::error::Field;
use crate::i18n::{role_name, t, Key};
use crate::model::{AccountRow, AccountsView, InitialPassword};

#[component]
pub fn AccountsPage() -> impl IntoView {
    let lang = use_lang();
    let accounts = Resource::new(|| (), |_| load_accounts());
    view! {
        <Title text=move || t(lang.get(), Key::AccountsTitle).to_string() />
        <h1>{move || t(lang.get(), Key::AccountsTitle)}</h1>
        <p class="hint">{move || t(lang.get(), Key::AccountsIntro)}</p>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match accounts.await {
                    Ok(accounts) => view! { <AccountsManager accounts /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[island]
fn AccountsManager(accounts: AccountsView) -> impl IntoView {
    let lang = use_lang();
    let create = ServerAction::<CreateAccount>::new();
    let reset = ServerAction::<ResetAccountPassword>::new();
    let toggle = ServerAction::<SetAccountActive>::new();
    let rows = RwSignal::new(accounts.accounts);
    // The account just created or reset, with the password to hand over.
    let shown = RwSignal::new(None::<(Key, InitialPassword)>);
    let create_error = Signal::derive(move || create.value().get().and_then(Result::err));
    let row_error = Signal::derive(move || {
        reset.value().get().and_then(Result::err).or_else(|| toggle.value().get().and_then(Result::err))
    });
    for (done, action_value) in [(Key::AccountCreated, create.value()), (Key::PasswordWasReset, reset.value())] {
        Effect::new(move |_| {
            if let Some(Ok(account)) = action_value.get() {
                shown.set(Some((done, account)));
            }
        });
    }
    // Every change reads the list again, so it shows what the database holds.
    Effect::new(move |_| {
        let changes = create.version().get() + reset.version().get() + toggle.version().get();
        if changes > 0 {
            spawn_local(async move {
                if let Ok(fresh) = load_accounts().await {
                    rows.set(fresh.accounts);
                }
            });
        }
    });
    let me = accounts.me;
    let offices = accounts.offices;
    let all_offices = accounts.all_offices;
    view! {
        {move || shown.get().map(|(done, shown)| view! {
            <div class="notice notice-success" role="status" data-testid="initial-password">
                <p>
                    {move || t(lang.get(), done)} " " <strong>{shown.username.clone()}</strong>
                </p>
                {shown.password.clone().map(|password| view! {
                    <p>
                        {move || t(lang.get(), Key::InitialPasswordFor)} " " {shown.username.clone()} ": "
                        <code class="password" data-testid="password-value">{password}</code>
                    </p>
                    <p class="hint">{move || t(lang.get(), Key::InitialPasswordOnce)}</p>
                })}
            </div>
        })}
        <section class="card staff-section">
            <FormAlert error=row_error />
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
                    <For each=move || rows.get() key=|row| (row.id, row.active, row.locked) let:row>
                        <AccountLine row me reset toggle />
                    </For>
                </tbody>
            </table>
        </section>
        <section class="card staff-section">
            <h2>{move || t(lang.get(), Key::NewAccount)}</h2>
            <ActionForm action=create attr:class="booking-form" attr:novalidate=true>
                <FormAlert error=create_error />
                <TextField field=Field::Username label=Key::FieldUsername hint=None error=create_error
                    input_type="text" autocomplete="off" inputmode="text" />
                <TextField field=Field::FullName label=Key::FieldStaffName hint=None error=create_error
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
                        {offices.into_iter().map(|(slug, name)| view! { <option value=slug>{name}</option> })
                            .collect_view()}
                        {all_offices.then(|| view! {
                            <option value="">{move || t(lang.get(), Key::AllOffices)}</option>
                        })}
                    </select>
                    <FieldError field=Field::Office error=create_error />
                </div>
                <TextField field=Field::Password label=Key::FieldPassword hint=Some(Key::PasswordGenerated)
                    error=create_error input_type="password" autocomplete="new-password" inputmode="text" />
                <SubmitButton pending=create.pending() label=Key::CreateAccount />
            </ActionForm>
        </section>
    }
}

#[component]
fn AccountLine(
    row: AccountRow,
    me: i64,
    reset: ServerAction<ResetAccountPassword>,
    toggle: ServerAction<SetAccountActive>,
) -> impl IntoView {
    let lang = use_lang();
    let (id, active, locked, role, username) = (row.id, row.active, row.locked, row.role, row.username);
    let shown = username.clone();
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
                <ActionForm action=reset>
                    <input type="hidden" name="account" value=id />
                    <button type="submit" class="button button-quiet">{move || t(lang.get(), Key::ResetPassword)}</button>
                </ActionForm>
                {(id != me).then(|| view! {
                    <ActionForm action=toggle>
                        <input type="hidden" name="account" value=id />
                        <input type="hidden" name="active" value=(!active).to_string() />
                        <button type="submit" class="button button-quiet">
                            {move || t(lang.get(), if active { Key::DisableAccount } else { Key::EnableAccount })}
                        </button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}
