//! An office's webhooks for its admins: the list with each one's last result,
//! adding one (its secret made here and shown once), giving one a new secret,
//! and removing one. Plain forms on a page without WASM: each function sends
//! the browser back to the page; a caller that is not a browser's form gets
//! the answer (the secret) or the refusal's status instead.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{WebhookSecret, WebhooksView};

/// The webhook page of the office `slug` as typed.
#[cfg(feature = "ssr")]
fn webhooks_page(slug: &str) -> String {
    format!("/admin/kantor/{}/webhook", form_urlencoded::byte_serialize(slug.as_bytes()).collect::<String>())
}

/// Whether the request is a browser's plain form (it asks for HTML): then the
/// secret is shown on the page it is sent to, and not put in the answer.
#[cfg(feature = "ssr")]
fn from_browser_form() -> bool {
    use_context::<http::request::Parts>().is_some_and(|parts| {
        parts.headers.get(http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
    })
}

/// Whether the browser says the request comes from another site's link
/// (`Sec-Fetch-Site`): such a link must not use up a secret's one showing.
#[cfg(feature = "ssr")]
fn from_another_site() -> bool {
    use_context::<http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == "cross-site" || v == "same-site")
    })
}

/// A new secret: 32 random bytes as 64 hex digits.
#[cfg(feature = "ssr")]
fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; crate::domain::webhook::SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The webhook id a form names; an unknown one is as good as missing.
#[cfg(feature = "ssr")]
fn webhook_id(value: &str) -> Result<i64, AppError> {
    value.trim().parse().map_err(|_| AppError::NotFound)
}

/// The secret's answer: sent to the page that shows it once (a browser), or
/// in the answer itself.
#[cfg(feature = "ssr")]
fn secret_answer(slug: &str, webhook: i64, secret: String, browser: bool) -> WebhookSecret {
    super::server::redirect(&format!("{}?rahasia={webhook}#webhook-{webhook}", webhooks_page(slug)));
    WebhookSecret { webhook, secret: (!browser).then_some(secret) }
}

#[server(prefix = "/api", endpoint = "webhooks")]
pub async fn load_webhooks(office: String, #[server(default)] rahasia: String) -> Result<WebhooksView, AppError> {
    use super::server::context;
    use crate::model::{RevealedSecret, WebhookView};

    let ctx = context()?;
    let found = super::settings::administered_office::<LoadWebhooks>(&ctx, &office).await?;
    let revealed = match rahasia.trim().parse::<i64>() {
        Ok(id) if !from_another_site() => crate::store::webhooks::reveal_once(&ctx.db, found.id, id, ctx.clock.now())
            .await?
            .map(|secret| RevealedSecret { webhook: id, secret }),
        _ => None,
    };
    if revealed.is_some() {
        // A page with a secret on it is kept by no cache, the browser's own included.
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.insert_header(http::header::CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
        }
    }
    let webhooks: Vec<WebhookView> = crate::store::webhooks::of_office(&ctx.db, found.id)
        .await?
        .into_iter()
        .map(|w| WebhookView {
            id: w.id,
            url: w.url,
            events: w.events.events().to_vec(),
            last_attempt_at: w.last_attempt_at,
            last_result: w.last_result,
            last_ok: w.last_ok,
            pending: w.pending,
        })
        .collect();
    Ok(WebhooksView {
        slug: found.slug.clone(),
        office_name: found.name.clone(),
        zone: found.zone,
        may_add: crate::domain::webhook::may_add(webhooks.len()).is_ok(),
        webhooks,
        revealed,
    })
}

/// Adds a webhook: a public https URL and the events it is told of.
#[server(prefix = "/api", endpoint = "add_webhook")]
pub async fn add_webhook(
    office: String,
    url: String,
    #[server(default)] events: Vec<String>,
) -> Result<WebhookSecret, AppError> {
    use super::server::{context, return_to_form};
    use crate::domain::webhook::{EventSet, WebhookProblem};
    use crate::error::{Field, FieldError, FieldProblem};

    let ctx = context()?;
    let browser = from_browser_form();
    let outcome = async {
        let (found, by) = super::settings::office_changed_by::<AddWebhook>(&ctx, &office).await?;
        let mut problems = Vec::new();
        // The same outbound rules as web push: checked here, and again on
        // every address the name resolves to when a delivery is sent.
        let checked = ctx.push.rules().check_endpoint(url.trim()).map_err(|_| {
            problems.push(FieldError {
                field: Field::WebhookUrl,
                problem: FieldProblem::Webhook(WebhookProblem::NotPublicHttps),
            })
        });
        let chosen = EventSet::parse(events.iter().map(String::as_str)).map_err(|problem| {
            problems.push(FieldError { field: Field::WebhookEvents, problem: FieldProblem::Webhook(problem) })
        });
        let (Ok(checked), Ok(chosen), true) = (checked, chosen, problems.is_empty()) else {
            return Err(AppError::Invalid(problems));
        };
        let secret = new_secret();
        let id = crate::store::webhooks::add(&ctx.db, found.id, checked.as_str(), &chosen, &secret, browser, &by)
            .await?
            .map_err(|problem| AppError::field(Field::WebhookUrl, FieldProblem::Webhook(problem)))?;
        Ok((found.slug, id, secret))
    }
    .await;
    match outcome {
        Ok((slug, id, secret)) => Ok(secret_answer(&slug, id, secret, browser)),
        Err(error) => {
            let ticked: Vec<(String, String)> =
                events.iter().enumerate().map(|(i, name)| (format!("events[{i}]"), name.clone())).collect();
            let mut typed = vec![("url", url.as_str())];
            typed.extend(ticked.iter().map(|(key, name)| (key.as_str(), name.as_str())));
            let refused = return_to_form::<AddWebhook>(&webhooks_page(&office), "webhook-baru", &typed, Err(error));
            Err(refused.err().unwrap_or(AppError::Internal))
        }
    }
}

/// Gives a webhook a new secret, shown once like the first.
#[server(prefix = "/api", endpoint = "rotate_webhook_secret")]
pub async fn rotate_webhook_secret(office: String, webhook: String) -> Result<WebhookSecret, AppError> {
    use super::server::{context, return_to_form};

    let ctx = context()?;
    let browser = from_browser_form();
    let outcome = async {
        let (found, by) = super::settings::office_changed_by::<RotateWebhookSecret>(&ctx, &office).await?;
        let id = webhook_id(&webhook)?;
        let secret = new_secret();
        if !crate::store::webhooks::rotate(&ctx.db, found.id, id, &secret, browser, &by).await? {
            return Err(AppError::NotFound);
        }
        Ok((found.slug, id, secret))
    }
    .await;
    match outcome {
        Ok((slug, id, secret)) => Ok(secret_answer(&slug, id, secret, browser)),
        Err(error) => {
            let form = format!("webhook-{}", webhook.trim());
            let refused = return_to_form::<RotateWebhookSecret>(&webhooks_page(&office), &form, &[], Err(error));
            Err(refused.err().unwrap_or(AppError::Internal))
        }
    }
}

/// Removes a webhook; what it was not sent yet is dropped.
#[server(prefix = "/api", endpoint = "remove_webhook")]
pub async fn remove_webhook(office: String, webhook: String) -> Result<(), AppError> {
    use super::server::{context, return_to_form};

    let ctx = context()?;
    let outcome = async {
        let (found, by) = super::settings::office_changed_by::<RemoveWebhook>(&ctx, &office).await?;
        if !crate::store::webhooks::remove(&ctx.db, found.id, webhook_id(&webhook)?, &by).await? {
            return Err(AppError::NotFound);
        }
        Ok(())
    }
    .await;
    return_to_form::<RemoveWebhook>(&webhooks_page(&office), "webhook-dihapus", &[], outcome)
}
