//! Signed cookies: the session and the CSRF token, both signed with `OBRADOR_SECRET_KEY` so any
//! instance can check them.
use actix_web::cookie::{Cookie, CookieJar, Key, SameSite};
use actix_web::HttpRequest;

use super::AppState;

pub const SESSION: &str = "obrador_session";
pub const CSRF: &str = "obrador_csrf";

/// The verified value of a signed cookie, or `None` if missing or tampered with.
pub fn read_signed(req: &HttpRequest, key: &Key, name: &str) -> Option<String> {
    let cookie = req.cookie(name)?;
    let mut jar = CookieJar::new();
    jar.add_original(cookie);
    jar.signed(key).get(name).map(|c| c.value().to_string())
}

/// A signed, HttpOnly cookie; `Secure` when the public URL is https.
pub fn signed(
    state: &AppState,
    name: &'static str,
    value: String,
    same_site: SameSite,
) -> Cookie<'static> {
    let cookie = Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(same_site)
        .secure(state.settings.public_url.starts_with("https://"))
        .finish();
    let mut jar = CookieJar::new();
    jar.signed_mut(&state.cookie_key).add(cookie);
    jar.get(name)
        .cloned()
        .unwrap_or_else(|| Cookie::new(name, ""))
}

/// A cookie that tells the browser to forget `name`.
pub fn removal(name: &'static str) -> Cookie<'static> {
    let mut cookie = Cookie::build(name, "").path("/").finish();
    cookie.make_removal();
    cookie
}
