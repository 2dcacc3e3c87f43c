//! The pages and the application shell.

mod account;
mod admin;
mod api_keys;
mod audit;
mod booking;
mod chart;
mod code;
mod components;
mod console;
mod home;
mod kiosk;
mod live_client;
mod office;
mod outbox;
mod report;
mod settings;
mod staff;
mod ticket;
mod webhooks;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::{path, SsrMode};

use crate::api::who_am_i;
use crate::i18n::{t, Key, Lang};
use crate::model::Viewer;
use components::LanguageSwitch;

/// Installs the service worker (offline pages, later push messages) without
/// waiting for the WASM, so even a page that never hydrates gets it.
const REGISTER_SERVICE_WORKER: &str = "if ('serviceWorker' in navigator) { \
    addEventListener('load', () => navigator.serviceWorker.register('/sw.js').catch(() => {})); }";

/// Who a page is for, and so which browser bundle hydrates it: a citizen's
/// phone never downloads the counter console, the display board or the admin
/// forms, and the pages citizens open most (an office, their ticket) load
/// only their live view. Each island belongs to one audience (`bundle-*`
/// features).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The citizens' forms: booking, access codes, sign-in, their tickets.
    Citizen,
    /// An office's page and a ticket's page: the live queue only.
    Live,
    Staff,
    Kiosk,
}

impl Audience {
    pub const ALL: [Self; 4] = [Self::Citizen, Self::Live, Self::Staff, Self::Kiosk];

    pub fn name(self) -> &'static str {
        match self {
            Self::Citizen => "citizen",
            Self::Live => "live",
            Self::Staff => "staff",
            Self::Kiosk => "kiosk",
        }
    }

    /// The audience of the page at `path` (see the routes in `App`), or none
    /// for the pages that have no island (the home page, the calls list, the
    /// office settings, report, outbox and webhooks): they load no WASM at all.
    pub fn of_path(path: &str) -> Option<Self> {
        let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        if segments.is_empty() || path == "/panggilan" || under("/admin/kantor") || under("/admin/jejak-audit") {
            None
        } else if under("/petugas") || under("/admin") {
            Some(Self::Staff)
        } else if under("/papan") || under("/kiosk") {
            Some(Self::Kiosk)
        } else if matches!(segments.as_slice(), ["kantor", _] | ["tiket", _]) {
            Some(Self::Live)
        } else {
            Some(Self::Citizen)
        }
    }
}

/// The front end's file names, which carry a hash of their content so
/// browsers may keep them for good (`./antrean build` writes them to the
/// site's `assets.txt`; the server provides them to the shell).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetNames {
    /// Each audience's WASM bundle and its JS, without extension, in `Audience::ALL` order.
    pub bundles: [String; 4],
    /// The stylesheet's file name in `/style/`.
    pub stylesheet: String,
    /// Icons by their plain path from the site's root (`icons/icon-192.png`,
    /// `favicon.svg`), and their hashed copy's file name in `/pkg/`.
    pub icons: Vec<(String, String)>,
}

impl Default for AssetNames {
    /// The names of one unsplit, unhashed build.
    fn default() -> Self {
        Self { bundles: Audience::ALL.map(|_| "antrean".to_string()), stylesheet: "main.css".into(), icons: Vec::new() }
    }
}

impl AssetNames {
    /// Reads `assets.txt` (`bundle <audience> <name>`, `stylesheet <name>` and
    /// `icon <plain path> <name>` lines); a name that is missing, or not a
    /// plain file name, keeps its default.
    pub fn parse(text: &str) -> Self {
        let mut names = Self::default();
        let plain = |name: &str| {
            !name.starts_with('.')
                && !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        for line in text.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["bundle", audience, name] if plain(name) => {
                    if let Some(at) = Audience::ALL.iter().position(|a| a.name() == *audience) {
                        names.bundles[at] = (*name).to_string();
                    }
                }
                ["stylesheet", name] if plain(name) => names.stylesheet = (*name).to_string(),
                ["icon", path, name] if path.split('/').all(plain) && plain(name) => {
                    names.icons.push(((*path).to_string(), (*name).to_string()));
                }
                _ => {}
            }
        }
        names
    }

    pub fn bundle(&self, audience: Audience) -> &str {
        let at = Audience::ALL.iter().position(|a| *a == audience).unwrap_or(0);
        &self.bundles[at]
    }

    /// The address of an icon given by its plain path from the site's root:
    /// its hashed copy's, or, in a build without one, its own.
    pub fn icon(&self, path: &str) -> String {
        match self.icons.iter().find(|(plain, _)| plain == path) {
            Some((_, hashed)) => format!("/pkg/{hashed}"),
            None => format!("/{path}"),
        }
    }

    /// Every file the service worker keeps for offline use (the office
    /// pages it stores), by its address.
    pub fn offline_files(&self) -> [String; 6] {
        let bundle = self.bundle(Audience::Live);
        [
            "/offline.html".into(),
            format!("/style/{}", self.stylesheet),
            self.icon("favicon.svg"),
            self.icon("icons/icon-192.png"),
            format!("/pkg/{bundle}.js"),
            format!("/pkg/{bundle}_bg.wasm"),
        ]
    }
}

/// The path of the page being rendered (on the server).
fn request_path() -> String {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>().map(|parts| parts.uri.path().to_string()).unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        String::new()
    }
}

/// The HTML document the server renders around the app. (The options are what
/// leptos_axum hands every shell; the bundle names come from `AssetNames`.)
pub fn shell(_options: LeptosOptions) -> impl IntoView {
    let lang = initial_lang();
    let assets = use_context::<AssetNames>().unwrap_or_default();
    let stylesheet = format!("/style/{}", assets.stylesheet);
    let scripts = Audience::of_path(&request_path())
        .map(|audience| view! { <IslandLoader bundle=assets.bundle(audience).to_string() /> });
    view! {
        <!DOCTYPE html>
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="theme-color" content="#0b5cab" />
                <link rel="icon" href=assets.icon("favicon.svg") type="image/svg+xml" />
                <link rel="manifest" href="/manifest.webmanifest" />
                <link rel="apple-touch-icon" href=assets.icon("icons/apple-touch-icon.png") />
                <link rel="stylesheet" id="antrean" href=stylesheet />
                <script inner_html=REGISTER_SERVICE_WORKER></script>
                {scripts}
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The page's browser bundle, started by `island_loader.js` after the page has
/// loaded. Leptos's own `HydrationScripts` preloads the bundle at high priority
/// (and links a stylesheet we don't have), which delays the first paint on a
/// slow link.
#[component]
fn IslandLoader(bundle: String) -> impl IntoView {
    // What `HydrationScripts` does in islands mode: outside an island the server
    // renders plain HTML, without hydration markers.
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    // The loader's comments are for its readers, not for every page's bytes.
    let loader: String = include_str!("island_loader.js")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let start = format!("{loader}({:?}, {:?});", format!("/pkg/{bundle}.js"), format!("/pkg/{bundle}_bg.wasm"));
    view! { <script type="module" inner_html=start></script> }
}

/// The language chosen in the `lang` cookie, read from the request on the server
/// and from `document.cookie` in the browser, so both render the same page.
fn initial_lang() -> Lang {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>().map(|parts| Lang::of_request(&parts.headers)).unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        components::browser_cookie_lang()
    }
}

/// The user's language, shared by every component.
pub fn use_lang() -> RwSignal<Lang> {
    // Islands in the browser have no server context: they read the cookie themselves.
    use_context::<RwSignal<Lang>>().unwrap_or_else(|| RwSignal::new(initial_lang()))
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let lang = RwSignal::new(initial_lang());
    provide_context(lang);
    let text = move |key| move || t(lang.get(), key);

    view! {
        <Title formatter=|title: String| if title.is_empty() { "Antrean".to_string() } else { format!("{title} · Antrean") } />
        <Router>
            <a class="skip" href="#main">{text(Key::SkipToContent)}</a>
            <header class="topbar">
                <A href="/" attr:class="brand">
                    <span class="brand-mark" aria-hidden="true">"A"</span>
                    {text(Key::AppName)}
                </A>
                <nav class="topnav">
                    <AccountLink />
                    <LanguageSwitch />
                </nav>
            </header>
            <main id="main">
                <Routes fallback=move || view! { <h1>{text(Key::NotFoundTitle)}</h1> }>
                    <Route path=path!("/") view=home::HomePage ssr=SsrMode::Async />
                    <Route path=path!("/kantor/:office") view=office::OfficePage ssr=SsrMode::Async />
                    <Route path=path!("/kantor/:office/daftar") view=booking::BookingPage ssr=SsrMode::Async />
                    <Route path=path!("/tiket/:code") view=ticket::TicketPage ssr=SsrMode::Async />
                    <Route path=path!("/kode/:request") view=code::CodePage ssr=SsrMode::Async />
                    <Route path=path!("/masuk") view=account::SignInPage ssr=SsrMode::Async />
                    <Route path=path!("/tiket-saya") view=account::MyTicketsPage ssr=SsrMode::Async />
                    <Route path=path!("/batal/:token") view=account::CancelLinkPage ssr=SsrMode::Async />
                    <Route path=path!("/petugas/masuk") view=staff::StaffSignInPage ssr=SsrMode::Async />
                    <Route path=path!("/petugas") view=staff::StaffDeskPage ssr=SsrMode::Async />
                    <Route path=path!("/petugas/loket/:counter") view=console::ConsolePage ssr=SsrMode::Async />
                    <Route path=path!("/admin/akun") view=admin::AccountsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/jejak-audit") view=audit::AuditPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/kunci-api/:office") view=api_keys::ApiKeysPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/kantor") view=settings::AdminOfficesPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/kantor/:office") view=settings::OfficeSettingsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/kantor/:office/laporan") view=report::ReportPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/kantor/:office/kotak-keluar") view=outbox::OutboxPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/kantor/:office/webhook") view=webhooks::WebhooksPage ssr=SsrMode::Async />
                    <Route path=path!("/panggilan") view=account::CallsPage ssr=SsrMode::Async />
                    <Route path=path!("/papan/:office") view=kiosk::BoardPage ssr=SsrMode::Async />
                    <Route path=path!("/kiosk/:office") view=kiosk::KioskPage ssr=SsrMode::Async />
                    <Route path=path!("/kiosk/:office/struk/:code") view=kiosk::ReceiptPage ssr=SsrMode::Async />
                </Routes>
            </main>
        </Router>
    }
}

/// "Masuk" for visitors, "Tiket saya" for citizens, "Petugas" for staff.
#[component]
fn AccountLink() -> impl IntoView {
    let lang = use_lang();
    let viewer = components::fetch(who_am_i());
    Suspend::new(async move {
        let (href, key) = match viewer.await {
            Ok(Viewer::Citizen { .. }) => ("/tiket-saya", Key::MyTickets),
            Ok(Viewer::Staff { .. }) => ("/petugas", Key::StaffLink),
            _ => ("/masuk", Key::SignIn),
        };
        view! { <a class="topnav-link" href=href>{move || t(lang.get(), key)}</a> }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_page_belongs_to_the_audience_whose_bundle_it_loads() {
        for (path, audience) in [
            ("/", None),
            ("/panggilan", None),
            ("/kantor/kantah-denpasar", Some(Audience::Live)),
            ("/kantor/kantah-denpasar/daftar", Some(Audience::Citizen)),
            ("/tiket/ABCDEFGHJK", Some(Audience::Live)),
            ("/tiket-saya", Some(Audience::Citizen)),
            ("/petugas", Some(Audience::Staff)),
            ("/petugas/loket/3", Some(Audience::Staff)),
            ("/admin/akun", Some(Audience::Staff)),
            ("/admin/kantor/x/laporan", None),
            ("/admin/jejak-audit", None),
            ("/admin/kunci-api/kantah-denpasar", Some(Audience::Staff)),
            ("/papan/kantah-denpasar", Some(Audience::Kiosk)),
            ("/kiosk/kantah-denpasar/struk/ABC", Some(Audience::Kiosk)),
            ("/petugasku", Some(Audience::Citizen)),
        ] {
            assert_eq!(Audience::of_path(path), audience, "{path}");
        }
    }

    #[test]
    fn asset_names_are_read_per_audience_and_odd_names_are_left_out() {
        let names =
            AssetNames::parse("bundle live antrean-live-12\nbundle staff ../etc/passwd\nstylesheet main-3.css\n");
        assert_eq!(names.bundle(Audience::Live), "antrean-live-12");
        assert_eq!(names.bundle(Audience::Staff), "antrean", "a name with a slash keeps the default");
        assert_eq!(names.stylesheet, "main-3.css");
    }

    #[test]
    fn icons_are_named_by_their_hashed_copy_where_the_build_made_one() {
        let names = AssetNames::parse(
            "icon icons/icon-192.png icon-192-ab.png\nicon ../secret.png secret-cd.png\nicon favicon.svg ../favicon.svg\n",
        );
        assert_eq!(names.icon("icons/icon-192.png"), "/pkg/icon-192-ab.png");
        assert_eq!(names.icon("favicon.svg"), "/favicon.svg", "a hashed name with a path is left out");
        assert_eq!(names.icon("../secret.png"), "/../secret.png", "a path up is left out");
        assert_eq!(names.icons.len(), 1);
    }
}
