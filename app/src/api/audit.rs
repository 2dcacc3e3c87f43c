//! The audit log for admins: read one office's entries (a global admin: any
//! office's, or all), download them as CSV, and (a global admin only) set how
//! long entries are kept. Nothing here changes or removes an entry.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::AuditView;

/// What the list and the download read, as the page's GET form sends it
/// (each field may be missing: an empty filter reads everything).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    pub office: String,
    pub account: String,
    pub action: String,
    pub object: String,
    pub from: String,
    pub until: String,
}

#[cfg(feature = "ssr")]
impl AuditFilter {
    /// The filled-in fields as a query string, in the form's order: what the
    /// page's links to other pages and to the CSV carry.
    fn query(&self) -> String {
        let fields = [
            ("office", &self.office),
            ("account", &self.account),
            ("action", &self.action),
            ("object", &self.object),
            ("from", &self.from),
            ("until", &self.until),
        ];
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields.into_iter().filter(|(_, value)| !value.trim().is_empty()))
            .finish()
    }
}

/// Checks the caller may read the office asked for (all offices: a global
/// admin only) and turns the form into the store's selection.
#[cfg(feature = "ssr")]
async fn selection<F: leptos::server_fn::ServerFn>(
    ctx: &super::server::ServerContext,
    filter: &AuditFilter,
) -> Result<(crate::store::audit::Selection, Option<crate::domain::office::Office>, bool), AppError> {
    use crate::domain::access::Caller;
    use crate::domain::audit::{object_words, AuditAction};
    use crate::domain::calendar::OfficeZone;
    use crate::error::{Field, FieldProblem};

    let office = match filter.office.trim() {
        "" => None,
        slug => Some(super::settings::administered_office::<F>(ctx, slug).await?),
    };
    let caller = super::server::authorize::<F>(ctx, office.as_ref().map(|o| o.id)).await?;
    let global = matches!(caller, Caller::Staff { office_id: None, .. });
    let zone = office.as_ref().map_or(OfficeZone::Wib, |o| o.zone);
    let day = |value: &str| -> Result<Option<chrono::NaiveDate>, AppError> {
        match value.trim() {
            "" => Ok(None),
            value => value.parse().map(Some).map_err(|_| AppError::field(Field::Date, FieldProblem::BadDate)),
        }
    };
    let midnight = |date: chrono::NaiveDate| zone.instant(date.and_time(chrono::NaiveTime::MIN));
    let action = match filter.action.trim() {
        "" => None,
        name => Some(AuditAction::parse(name).ok_or(AppError::NotFound)?),
    };
    let account = filter.account.trim().to_lowercase();
    let selection = crate::store::audit::Selection {
        office_id: office.as_ref().map(|o| o.id),
        account: (!account.is_empty()).then(|| account.chars().take(64).collect()),
        action,
        object: object_words(&filter.object),
        since: day(&filter.from)?.map(midnight),
        before: day(&filter.until)?.and_then(|d| d.succ_opt()).map(midnight),
    };
    Ok((selection, office, global))
}

/// One page of the audit log, newest first (`page` counts from 0).
#[server(prefix = "/api", endpoint = "audit_log")]
pub async fn load_audit(
    #[server(flatten)] filter: AuditFilter,
    #[server(default)] page: u32,
) -> Result<AuditView, AppError> {
    use crate::domain::audit::PAGE_SIZE;
    use crate::domain::calendar::OfficeZone;

    let ctx = super::server::context()?;
    let (selection, found, global) = selection::<LoadAudit>(&ctx, &filter).await?;
    let page = page.min(10_000);
    // One more than a page tells whether there is a next one.
    let mut entries = crate::store::audit::entries(&ctx.db, &selection, page * PAGE_SIZE, PAGE_SIZE + 1).await?;
    let more = entries.len() > PAGE_SIZE as usize;
    entries.truncate(PAGE_SIZE as usize);
    let offices = crate::store::offices::names(&ctx.db)
        .await?
        .into_iter()
        .filter(|o| global || found.as_ref().is_some_and(|f| f.id == o.id))
        .map(|o| (o.slug, o.name))
        .collect();
    Ok(AuditView {
        filter_query: filter.query(),
        office: found.as_ref().map(|o| o.slug.clone()).unwrap_or_default(),
        offices,
        zone: found.as_ref().map_or(OfficeZone::Wib, |o| o.zone),
        entries,
        page,
        more,
        retention_days: crate::store::audit::retention(&ctx.db).await?.days(),
        may_set_retention: global,
    })
}

/// The entries the filter selects, as a CSV file (at most `CSV_MAX_ROWS`).
#[server(
    prefix = "/api",
    endpoint = "audit_log.csv",
    input = leptos::server_fn::codec::GetUrl,
    output = leptos::server_fn::codec::StreamingText
)]
pub async fn audit_csv(
    #[server(flatten)] filter: AuditFilter,
) -> Result<leptos::server_fn::codec::TextStream<AppError>, AppError> {
    use crate::domain::audit::CSV_MAX_ROWS;
    use crate::domain::calendar::OfficeZone;

    let ctx = super::server::context()?;
    let (selection, found, _) = selection::<AuditCsv>(&ctx, &filter).await?;
    let entries = crate::store::audit::entries(&ctx.db, &selection, 0, CSV_MAX_ROWS).await?;
    let zone = found.as_ref().map_or(OfficeZone::Wib, |o| o.zone);
    let csv = crate::model::audit_csv(super::server::request_lang(), zone, &entries);
    let name = found.as_ref().map_or("semua", |o| o.slug.as_str());
    Ok(super::server::csv_file(&format!("jejak-audit-{name}.csv"), csv))
}

/// Sets how many days entries are kept (a global admin only); back to the log.
#[server(prefix = "/api", endpoint = "audit_retention")]
pub async fn save_audit_retention(days: String) -> Result<(), AppError> {
    use crate::domain::audit::Retention;
    use crate::domain::settings::SettingsProblem;
    use crate::error::Field;

    let ctx = super::server::context()?;
    // Without an office: only an admin of every office holds this.
    let caller = super::server::authorize::<SaveAuditRetention>(&ctx, None).await?;
    let by = super::server::actor(&ctx, &caller).await?;
    let retention = days
        .trim()
        .parse()
        .ok()
        .and_then(Retention::new)
        .ok_or_else(|| AppError::settings(Field::RetentionDays, SettingsProblem::RetentionRange))?;
    crate::store::audit::set_retention(&ctx.db, retention, &by).await?;
    super::server::redirect("/admin/jejak-audit");
    Ok(())
}
