//! An office's API keys for its admins: list them, create one (its text is
//! answered once and never stored), revoke one. The API itself is `api::v1`.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{ApiKeysView, NewApiKey};

#[server(prefix = "/api", endpoint = "api_keys")]
pub async fn load_api_keys(office: String) -> Result<ApiKeysView, AppError> {
    let ctx = super::server::context()?;
    let found = super::settings::administered_office::<LoadApiKeys>(&ctx, &office).await?;
    let keys = crate::store::api_keys::list(&ctx.db, found.id).await?;
    Ok(ApiKeysView { slug: found.slug, office_name: found.name, zone: found.zone, keys })
}

#[server(prefix = "/api", endpoint = "create_api_key")]
pub async fn create_api_key(office: String, label: String) -> Result<NewApiKey, AppError> {
    use crate::domain::api_key::{key_hash, key_text, LABEL_MAX_CHARS, SHOWN_CHARS};
    use crate::domain::settings::SettingsProblem;
    use crate::error::Field;
    use crate::store::api_keys::{create, StoredKey};

    let ctx = super::server::context()?;
    let (found, by) = super::settings::office_changed_by::<CreateApiKey>(&ctx, &office).await?;
    let length = SettingsProblem::TextLength { min: 1, max: LABEL_MAX_CHARS as u8 };
    let label = crate::domain::api_key::label(&label).ok_or(AppError::settings(Field::Label, length))?;
    let key = key_text(&rand::random());
    let stored = StoredKey { label: &label, shown: &key[..SHOWN_CHARS], hash: &key_hash(&key) };
    create(&ctx.db, found.id, &stored, &by).await?.map_err(|problem| AppError::settings(Field::Label, problem))?;
    Ok(NewApiKey { label, key })
}

/// Revokes a key at once (its next request is refused); back to the keys page.
#[server(prefix = "/api", endpoint = "revoke_api_key")]
pub async fn revoke_api_key(office: String, key: String) -> Result<(), AppError> {
    let ctx = super::server::context()?;
    let (found, by) = super::settings::office_changed_by::<RevokeApiKey>(&ctx, &office).await?;
    let id: i64 = key.trim().parse().map_err(|_| AppError::NotFound)?;
    if !crate::store::api_keys::revoke(&ctx.db, found.id, id, &by).await? {
        return Err(AppError::NotFound);
    }
    super::server::redirect(&format!("/admin/kunci-api/{}", found.slug));
    Ok(())
}
