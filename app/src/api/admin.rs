//! Admin work on accounts: staff, admins, and the kiosk and display board
//! devices. An admin of one office manages that office's accounts; an admin
//! without an office manages all of them.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{AccountsView, InitialPassword};

/// The office the caller administers (`None` for all), for authorizing calls that
/// concern no particular office.
#[cfg(feature = "ssr")]
pub(super) async fn own_office(ctx: &super::server::ServerContext) -> Result<Option<i64>, AppError> {
    use crate::domain::access::Caller;
    Ok(match super::server::caller(ctx).await? {
        Caller::Staff { office_id, .. } => office_id,
        _ => None,
    })
}

/// Checks that the caller administers the office of account `id`; returns
/// the account and the caller as the audit log names them.
#[cfg(feature = "ssr")]
async fn managed_account<F: leptos::server_fn::ServerFn>(
    ctx: &super::server::ServerContext,
    id: i64,
) -> Result<(crate::store::staff::AccountListing, crate::domain::audit::Actor), AppError> {
    use super::server::{actor, authorize};

    let listing = crate::store::staff::listing_of(&ctx.db, id, ctx.clock.now()).await?;
    // Unknown accounts answer like foreign ones, so ids cannot be probed.
    let office = listing.as_ref().map_or(Some(-1), |l| l.account.office_id);
    let caller = authorize::<F>(ctx, office).await?;
    Ok((listing.ok_or(AppError::Forbidden)?, actor(ctx, &caller).await?))
}

#[server(prefix = "/api", endpoint = "accounts")]
pub async fn load_accounts() -> Result<AccountsView, AppError> {
    use super::server::{authorize, context};
    use crate::domain::access::Caller;
    use crate::model::AccountRow;

    let ctx = context()?;
    let office = own_office(&ctx).await?;
    let Caller::Staff { id: me, .. } = authorize::<LoadAccounts>(&ctx, office).await? else {
        return Err(AppError::Forbidden);
    };
    let offices: Vec<_> = crate::store::offices::names(&ctx.db)
        .await?
        .into_iter()
        .filter(|summary| office.is_none_or(|own| own == summary.id))
        .collect();
    let name_of = |id: Option<i64>| id.and_then(|id| offices.iter().find(|o| o.id == id)).map(|o| o.name.clone());
    let accounts = crate::store::staff::list(&ctx.db, office, ctx.clock.now())
        .await?
        .into_iter()
        .map(|listing| AccountRow {
            id: listing.account.id,
            username: listing.account.username,
            full_name: listing.account.full_name,
            role: listing.account.role,
            office_name: name_of(listing.account.office_id),
            active: listing.active,
            locked: listing.locked,
        })
        .collect();
    let offices = offices.into_iter().map(|o| (o.slug, o.name)).collect();
    Ok(AccountsView { accounts, offices, all_offices: office.is_none(), me })
}

/// Creates an account; without a password, an initial one is made and shown once.
#[server(prefix = "/api", endpoint = "create_account")]
pub async fn create_account(
    username: String,
    full_name: String,
    role: String,
    #[server(default)] office: String,
    #[server(default)] password: String,
) -> Result<InitialPassword, AppError> {
    use super::server::{authorize, context, find_office};
    use crate::domain::access::{check_password, office_for_role, Role, Username};
    use crate::error::{Field, FieldError, FieldProblem};

    let ctx = context()?;
    let office_id = match office.trim() {
        "" => None,
        slug => Some(find_office(&ctx, slug).await?.id),
    };
    let caller = authorize::<CreateAccount>(&ctx, office_id).await?;
    let by = super::server::actor(&ctx, &caller).await?;

    let mut problems = Vec::new();
    let mut problem = |field, problem| problems.push(FieldError { field, problem });
    let username = Username::parse(&username)
        .map(|u| u.as_str().to_string())
        .map_err(|p| problem(Field::Username, FieldProblem::Account(p)))
        .ok();
    if full_name.trim().is_empty() {
        problem(Field::FullName, FieldProblem::Missing);
    }
    let role = Role::parse(&role);
    let office_id = match role {
        Some(role) => {
            office_for_role(role, office_id).map_err(|p| problem(Field::Office, FieldProblem::Account(p))).ok()
        }
        None => {
            problem(Field::Office, FieldProblem::Missing);
            None
        }
    };
    let chosen = !password.is_empty();
    if chosen {
        let _ = check_password(&password).map_err(|p| problem(Field::Password, FieldProblem::Account(p)));
    }
    let (Some(username), Some(role), Some(office_id), true) = (username, role, office_id, problems.is_empty()) else {
        return Err(AppError::Invalid(problems));
    };
    let password = if chosen { password } else { crate::store::staff::made_password() };
    crate::store::staff::create_by(
        &ctx.db,
        &crate::store::staff::NewAccount {
            username: &username,
            full_name: &full_name,
            password: &password,
            role,
            office_id,
        },
        &by,
        !chosen && crate::domain::access::must_change_given_password(role),
    )
    .await?
    .map_err(|p| AppError::field(Field::Username, FieldProblem::Account(p)))?;
    Ok(InitialPassword { username, password: (!chosen).then_some(password) })
}

/// Gives an account a new initial password (shown once) and signs it out
/// everywhere. (A lockout holds for the address that caused it, and lifts by itself.)
#[server(prefix = "/api", endpoint = "reset_account_password")]
pub async fn reset_account_password(account: i64) -> Result<InitialPassword, AppError> {
    use super::server::context;

    let ctx = context()?;
    let (listing, by) = managed_account::<ResetAccountPassword>(&ctx, account).await?;
    let password = crate::store::staff::made_password();
    let must_change = crate::domain::access::must_change_given_password(listing.account.role);
    crate::store::staff::set_password(&ctx.db, account, &password, must_change, &by).await?;
    crate::store::sessions::revoke_staff(&ctx.db, account, ctx.clock.now()).await?;
    Ok(InitialPassword { username: listing.account.username, password: Some(password) })
}

/// Disables an account (it is signed out everywhere and cannot sign in) or enables it again.
#[server(prefix = "/api", endpoint = "set_account_active")]
pub async fn set_account_active(account: i64, active: bool) -> Result<(), AppError> {
    use super::server::context;

    let ctx = context()?;
    let (_, by) = managed_account::<SetAccountActive>(&ctx, account).await?;
    crate::domain::access::may_set_active(by.account_id, account, active).map_err(AppError::Account)?;
    let now = by.at;
    crate::store::staff::set_active(&ctx.db, account, active, &by).await?;
    if !active {
        crate::store::sessions::revoke_staff(&ctx.db, account, now).await?;
    }
    // The accounts page posts this as a plain form and shows the list again.
    super::server::redirect("/admin/akun");
    Ok(())
}
