//! Web push subscriptions: a signed-in citizen's browser asks to be told of
//! calls on their tickets.

use leptos::prelude::*;

use crate::error::AppError;

/// The server's VAPID public key, which browsers subscribe with.
#[server(prefix = "/api", endpoint = "push_key")]
pub async fn push_key() -> Result<String, AppError> {
    use super::server::{authorize, context};

    let ctx = context()?;
    authorize::<PushKey>(&ctx, None).await?;
    Ok(ctx.push.public_key().to_string())
}

/// Keeps this browser's subscription (from `PushSubscription.toJSON()`) for the signed-in citizen.
#[server(prefix = "/api", endpoint = "save_push_subscription")]
pub async fn save_push_subscription(endpoint: String, p256dh: String, auth: String) -> Result<(), AppError> {
    use super::server::{authorize, context};
    use crate::domain::access::Caller;

    let ctx = context()?;
    let Caller::Citizen { phone } = authorize::<SavePushSubscription>(&ctx, None).await? else {
        return Err(AppError::Forbidden);
    };
    if crate::push::SubscriptionKeys::decode(&p256dh, &auth).is_err() {
        return Err(AppError::PushServiceRefused);
    }
    let rules = ctx.push.rules();
    let url = rules.check_endpoint(&endpoint).map_err(|_| AppError::PushServiceRefused)?;
    if let Some(url::Host::Domain(name)) = url.host() {
        crate::push::resolve_checked(rules, name).await.map_err(|_| AppError::PushServiceRefused)?;
    }
    Ok(crate::store::push_subscriptions::save(&ctx.db, phone.as_str(), &endpoint, &p256dh, &auth, ctx.clock.now())
        .await?)
}

#[server(prefix = "/api", endpoint = "remove_push_subscription")]
pub async fn remove_push_subscription(endpoint: String) -> Result<(), AppError> {
    use super::server::{authorize, context};
    use crate::domain::access::Caller;

    let ctx = context()?;
    let Caller::Citizen { phone } = authorize::<RemovePushSubscription>(&ctx, None).await? else {
        return Err(AppError::Forbidden);
    };
    Ok(crate::store::push_subscriptions::remove_own(&ctx.db, phone.as_str(), &endpoint).await?)
}
