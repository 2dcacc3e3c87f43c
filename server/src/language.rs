//! `/bahasa/{code}`: remembers the chosen language in a cookie and sends the
//! browser back to the page it came from, so the switch works without WASM.

use app::i18n::Lang;
use axum::extract::Path;
use axum::http::header::{HOST, LOCATION, REFERER, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// The path of the page the request came from, if that page is on this site.
fn back_to(headers: &HeaderMap) -> String {
    let host = headers.get(HOST).and_then(|v| v.to_str().ok());
    let referer = headers.get(REFERER).and_then(|v| v.to_str().ok());
    let (Some(host), Some(referer)) = (host, referer) else { return "/".into() };
    let Some(rest) = referer.split_once("://").map(|(_, rest)| rest) else { return "/".into() };
    let (referer_host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap_or((rest, "/".into()));
    if referer_host == host {
        path
    } else {
        "/".into()
    }
}

pub async fn switch(Path(code): Path<String>, headers: HeaderMap) -> Response {
    let lang = Lang::from_code(&code);
    let cookie = format!("{}={}; Path=/; Max-Age=31536000; SameSite=Lax", Lang::COOKIE, lang.code());
    (StatusCode::SEE_OTHER, [(LOCATION, back_to(&headers)), (SET_COOKIE, cookie)]).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(host: &str, referer: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, host.parse().unwrap());
        headers.insert(REFERER, referer.parse().unwrap());
        headers
    }

    #[test]
    fn the_browser_goes_back_to_the_page_it_came_from() {
        assert_eq!(back_to(&headers("antrean.id", "https://antrean.id/kantor/x?layanan=A")), "/kantor/x?layanan=A");
    }

    #[test]
    fn a_referer_from_another_site_leads_home() {
        assert_eq!(back_to(&headers("antrean.id", "https://jahat.example/phish")), "/");
    }
}
