//! The site's own public address (`ANTREAN_PUBLIC_URL`). Links in notices, the
//! WebOTP line of an access-code SMS and the same-origin check of every write
//! come from it, never from request headers, which anyone can set: a forged
//! `Host` would otherwise put an attacker's address into an official SMS.

use thiserror::Error;
use url::Url;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    url: Url,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PublicUrlError {
    #[error("not a URL: {0}")]
    NotAUrl(String),
    #[error("use http:// or https://")]
    Scheme,
    #[error("give the site's address only: no user, path, query or fragment")]
    NotAnOrigin,
}

impl PublicUrl {
    /// `https://antrean.example.id` or `http://127.0.0.1:3000`; a trailing `/` is fine.
    pub fn parse(text: &str) -> Result<Self, PublicUrlError> {
        let url = Url::parse(text.trim()).map_err(|e| PublicUrlError::NotAUrl(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(PublicUrlError::Scheme);
        }
        let bare = url.username().is_empty()
            && url.password().is_none()
            && url.path() == "/"
            && url.query().is_none()
            && url.fragment().is_none();
        if !bare {
            return Err(PublicUrlError::NotAnOrigin);
        }
        Ok(Self { url })
    }

    /// The address a server listening on `addr` is reached at: for development,
    /// where no public address is configured.
    pub fn of_listener(addr: std::net::SocketAddr) -> Self {
        Self::parse(&format!("http://{addr}")).unwrap_or_else(|_| unreachable!("a socket address is a valid host"))
    }

    /// `https://antrean.example.id`, with a port only when it is not the scheme's own.
    pub fn origin(&self) -> String {
        self.url.origin().ascii_serialization()
    }

    /// The host name alone, for the WebOTP line (`@antrean.example.id #CODE`).
    pub fn host(&self) -> &str {
        self.url.host_str().unwrap_or_default()
    }

    pub fn is_https(&self) -> bool {
        self.url.scheme() == "https"
    }

    /// The path (and query) of `referer` when it is a page of this site, to send
    /// the browser back to; never anything a browser would read as another site
    /// (`//host/…` or `/\\host/…`).
    pub fn path_back_to(&self, referer: &str) -> Option<String> {
        let url = Url::parse(referer.trim()).ok().filter(|url| url.origin() == self.url.origin())?;
        let path = url.path();
        if !path.starts_with('/') || path.starts_with("//") || path.starts_with("/\\") {
            return None;
        }
        Some(match url.query() {
            Some(query) => format!("{path}?{query}"),
            None => path.to_string(),
        })
    }

    /// Whether an `Origin` (or a whole `Referer` URL) names this site: same
    /// scheme, host and port.
    pub fn is_same_origin(&self, source: &str) -> bool {
        Url::parse(source.trim()).is_ok_and(|source| source.origin() == self.url.origin())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_address_is_the_public_url() {
        let site = PublicUrl::parse("https://Antrean.Example.id/").unwrap();
        assert_eq!(site.origin(), "https://antrean.example.id");
        assert_eq!(site.host(), "antrean.example.id");
        assert!(site.is_https());
        assert_eq!(PublicUrl::parse("http://127.0.0.1:3000").unwrap().origin(), "http://127.0.0.1:3000");
    }

    #[test]
    fn anything_but_an_address_is_refused() {
        assert_eq!(PublicUrl::parse("ftp://antrean.example.id"), Err(PublicUrlError::Scheme));
        for text in ["https://antrean.example.id/app", "https://u:p@antrean.example.id", "https://a.id/?x=1"] {
            assert_eq!(PublicUrl::parse(text), Err(PublicUrlError::NotAnOrigin), "{text}");
        }
        assert!(matches!(PublicUrl::parse("antrean.example.id"), Err(PublicUrlError::NotAUrl(_))));
    }

    #[test]
    fn the_way_back_is_a_page_of_this_site_only() {
        let site = PublicUrl::parse("https://antrean.example.id").unwrap();
        assert_eq!(
            site.path_back_to("https://antrean.example.id/kantor/x?layanan=A"),
            Some("/kantor/x?layanan=A".into())
        );
        assert_eq!(site.path_back_to("https://antrean.example.id"), Some("/".into()));
        for away in [
            "https://jahat.example/phish",
            "https://antrean.example.id//jahat.example/phish",
            "https://antrean.example.id/\\jahat.example/phish",
            "http://antrean.example.id/kantor/x",
            "/kantor/x",
            "",
        ] {
            assert_eq!(site.path_back_to(away), None, "{away}");
        }
    }

    #[test]
    fn same_origin_means_scheme_host_and_port() {
        let site = PublicUrl::parse("https://antrean.example.id").unwrap();
        assert!(site.is_same_origin("https://antrean.example.id"));
        assert!(site.is_same_origin("https://antrean.example.id:443"));
        assert!(site.is_same_origin("https://antrean.example.id/kantor/x?y=1"));
        for other in [
            "http://antrean.example.id",
            "https://antrean.example.id:8443",
            "https://antrean.example.id.evil.test",
            "https://evil.test/https://antrean.example.id",
            "null",
            "",
        ] {
            assert!(!site.is_same_origin(other), "{other}");
        }
    }
}
