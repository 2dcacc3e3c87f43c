//! Server functions: the only way the browser talks to the server. Each one
//! checks the caller against `PERMISSIONS` before any work, parses its input into
//! domain types, calls the store, and maps failures to `AppError`.

mod account;
mod admin;
mod api_keys;
mod audit;
mod booking;
mod console;
mod kiosk;
mod outbox;
mod push;
mod queue;
#[cfg(feature = "ssr")]
pub mod server;
mod settings;
mod staff;
#[cfg(feature = "ssr")]
pub mod v1;
mod webhooks;

pub use account::*;
pub use admin::*;
pub use api_keys::*;
pub use audit::*;
pub use booking::*;
pub use console::*;
pub use kiosk::*;
pub use outbox::*;
pub use push::*;
pub use queue::*;
pub use settings::*;
pub use staff::*;
pub use webhooks::*;

use leptos::server_fn::ServerFn;

use crate::domain::access::Permission;

/// Who may call each server function and each plain axum route. A server
/// function missing here is refused to everyone, and the authorization test
/// fails until it is added. Pages are public: the data on them comes from the
/// server functions below, each checked.
pub const PERMISSIONS: &[(&str, Permission)] = &[
    // Plain axum routes: the live queue is public, like the office page.
    ("/ws/kantor/{slug}", Permission::Anyone),
    ("/bahasa/{code}", Permission::Anyone),
    // For load balancers; they tell whether the instance serves, nothing more.
    ("/healthz", Permission::Anyone),
    ("/readyz", Permission::Anyone),
    // Mounted only with ANTREAN_METRICS_TOKEN, and answers only that bearer token.
    ("/metrics", Permission::Anyone),
    // The read-only API answers an office's API key only (see `api::v1`); its
    // description is public.
    ("/api/v1/openapi.json", Permission::Anyone),
    ("/api/v1/offices/{office}", Permission::Anyone),
    ("/api/v1/offices/{office}/services", Permission::Anyone),
    ("/api/v1/offices/{office}/queue", Permission::Anyone),
    ("/api/v1/offices/{office}/report", Permission::Anyone),
    // Mounted only in development mode (ANTREAN_DEV_MODE=true).
    ("/dev/outbox", Permission::Anyone),
    (<ListOffices as ServerFn>::PATH, Permission::Anyone),
    (<LoadOffice as ServerFn>::PATH, Permission::Anyone),
    (<LoadTicket as ServerFn>::PATH, Permission::Anyone),
    (<RequestBookingCode as ServerFn>::PATH, Permission::Anyone),
    (<LoadCodeRequest as ServerFn>::PATH, Permission::Anyone),
    (<ConfirmCode as ServerFn>::PATH, Permission::Anyone),
    (<ResendCode as ServerFn>::PATH, Permission::Anyone),
    (<BookTicket as ServerFn>::PATH, Permission::Citizen),
    (<RequestSignInCode as ServerFn>::PATH, Permission::Anyone),
    (<WhoAmI as ServerFn>::PATH, Permission::Anyone),
    (<LoadMyTickets as ServerFn>::PATH, Permission::Citizen),
    (<CancelMyTicket as ServerFn>::PATH, Permission::Citizen),
    // A reminder's cancel link is its own proof (signed, for one ticket, until its date ends).
    (<LoadCancelLink as ServerFn>::PATH, Permission::Anyone),
    (<CancelByLink as ServerFn>::PATH, Permission::Anyone),
    (<SignOut as ServerFn>::PATH, Permission::Anyone),
    (<StaffSignIn as ServerFn>::PATH, Permission::Anyone),
    (<LoadStaffDesk as ServerFn>::PATH, Permission::AnyStaff),
    (<ChangePassword as ServerFn>::PATH, Permission::AnyStaff),
    (<StaffBook as ServerFn>::PATH, Permission::OfficeStaff),
    (<StaffCancel as ServerFn>::PATH, Permission::OfficeStaff),
    (<LoadConsole as ServerFn>::PATH, Permission::OfficeStaff),
    (<CounterAction as ServerFn>::PATH, Permission::OfficeStaff),
    (<LoadMyCalls as ServerFn>::PATH, Permission::Citizen),
    (<LoadBoard as ServerFn>::PATH, Permission::OfficeDevice),
    (<IssueWalkIn as ServerFn>::PATH, Permission::OfficeDevice),
    (<LoadReceipt as ServerFn>::PATH, Permission::Anyone),
    // The ticket's code is the holder's proof, as for the ticket page.
    (<GiveFeedback as ServerFn>::PATH, Permission::Anyone),
    (<PushKey as ServerFn>::PATH, Permission::Anyone),
    (<SavePushSubscription as ServerFn>::PATH, Permission::Citizen),
    (<RemovePushSubscription as ServerFn>::PATH, Permission::Citizen),
    (<LoadAccounts as ServerFn>::PATH, Permission::Admin),
    (<CreateAccount as ServerFn>::PATH, Permission::Admin),
    (<ResetAccountPassword as ServerFn>::PATH, Permission::Admin),
    (<SetAccountActive as ServerFn>::PATH, Permission::Admin),
    (<LoadAdminOffices as ServerFn>::PATH, Permission::Admin),
    (<LoadOfficeSettings as ServerFn>::PATH, Permission::Admin),
    (<LoadOutbox as ServerFn>::PATH, Permission::Admin),
    (<RetryNotice as ServerFn>::PATH, Permission::Admin),
    (<LoadWebhooks as ServerFn>::PATH, Permission::Admin),
    (<AddWebhook as ServerFn>::PATH, Permission::Admin),
    (<RotateWebhookSecret as ServerFn>::PATH, Permission::Admin),
    (<RemoveWebhook as ServerFn>::PATH, Permission::Admin),
    (<CreateOffice as ServerFn>::PATH, Permission::Admin),
    (<SaveOfficeDetails as ServerFn>::PATH, Permission::Admin),
    (<SavePriority as ServerFn>::PATH, Permission::Admin),
    (<SaveOpeningHours as ServerFn>::PATH, Permission::Admin),
    (<AddHoliday as ServerFn>::PATH, Permission::Admin),
    (<RemoveHoliday as ServerFn>::PATH, Permission::Admin),
    (<SaveService as ServerFn>::PATH, Permission::Admin),
    (<SaveCounter as ServerFn>::PATH, Permission::Admin),
    (<RemoveCounter as ServerFn>::PATH, Permission::Admin),
    (<LoadReport as ServerFn>::PATH, Permission::Admin),
    (<ReportCsv as ServerFn>::PATH, Permission::Admin),
    (<LoadAudit as ServerFn>::PATH, Permission::Admin),
    (<AuditCsv as ServerFn>::PATH, Permission::Admin),
    // Asked without an office, so only an admin of every office holds it.
    (<SaveAuditRetention as ServerFn>::PATH, Permission::Admin),
    (<LoadApiKeys as ServerFn>::PATH, Permission::Admin),
    (<CreateApiKey as ServerFn>::PATH, Permission::Admin),
    (<RevokeApiKey as ServerFn>::PATH, Permission::Admin),
];

pub fn permission_for(path: &str) -> Option<Permission> {
    PERMISSIONS.iter().find(|(p, _)| *p == path).map(|(_, permission)| *permission)
}
