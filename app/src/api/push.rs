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
    use super::server::{authorize, context, internal};
    use crate::domain::access::Caller;

    let ctx = context()?;
    let Caller::Citizen { phone } = authorize::<SavePushSubscription>(&ctx, None).await? else {
        return Err(AppError::Forbidden);
    };
    if !acceptable_endpoint(&endpoint) || crate::push::SubscriptionKeys::decode(&p256dh, &auth).is_err() {
        return Err(AppError::NotFound);
    }
    crate::store::push_subscriptions::save(&ctx.db, &phone, &endpoint, &p256dh, &auth, ctx.clock.now())
        .await
        .map_err(internal)
}

#[server(prefix = "/api", endpoint = "remove_push_subscription")]
pub async fn remove_push_subscription(endpoint: String) -> Result<(), AppError> {
    use super::server::{authorize, context, internal};
    use crate::domain::access::Caller;

    let ctx = context()?;
    let Caller::Citizen { phone } = authorize::<RemovePushSubscription>(&ctx, None).await? else {
        return Err(AppError::Forbidden);
    };
    crate::store::push_subscriptions::remove_own(&ctx.db, &phone, &endpoint).await.map_err(internal)
}

/// Push services are reached over HTTPS; plain HTTP only to this machine (a
/// local push service in tests), so the server is never made to post elsewhere.
#[cfg(feature = "ssr")]
fn acceptable_endpoint(endpoint: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(endpoint) else { return false };
    match url.scheme() {
        "https" => url.host().is_some(),
        "http" => matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")),
        _ => false,
    }
}
