//! `/bahasa/{code}`: remembers the chosen language in a cookie and sends the
//! browser back to the page it came from, so the switch works without WASM.

use app::domain::site::PublicUrl;
use app::i18n::Lang;
use axum::extract::{Path, State};
use axum::http::header::{LOCATION, REFERER, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// Back to the page the request came from when that is a page of this site
/// (never elsewhere: no open redirect), else home.
pub async fn switch(State(site): State<PublicUrl>, Path(code): Path<String>, headers: HeaderMap) -> Response {
    let lang = Lang::from_code(&code);
    let cookie = format!("{}={}; Path=/; Max-Age=31536000; SameSite=Lax", Lang::COOKIE, lang.code());
    let back = headers
        .get(REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|referer| site.path_back_to(referer))
        .unwrap_or_else(|| "/".into());
    (StatusCode::SEE_OTHER, [(LOCATION, back), (SET_COOKIE, cookie)]).into_response()
}
