//! What the web screens answer, checked the way a browser would see it: where a redirect leads,
//! a refusal shown as a page, and numbers read out of a page's links.
use reqwest::Response;

/// Where a redirect leads: its `location` header.
pub fn location(response: &Response) -> String {
    response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_string()
}

/// A refusal shown as a page: `status`, HTML with `message` in the error summary. Answers the
/// page.
pub async fn assert_shown(response: Response, status: u16, message: &str) -> String {
    assert_eq!(response.status(), status);
    let content_type = response.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = response.text().await.expect("html");
    assert!(html.contains("error-summary"), "the message is on the page");
    assert!(html.contains(message), "{message:?} in the page");
    html
}

/// A refusal shown on the form it came from: as `assert_shown`, and the form is on the page
/// again. Answers the page.
pub async fn assert_form_shown(response: Response, status: u16, message: &str) -> String {
    let html = assert_shown(response, status, message).await;
    assert!(
        html.contains(r#"<form class="stack""#),
        "the form is shown again"
    );
    html
}

/// The number in the first `{prefix}N{suffix}` of `html`.
pub fn id_in(html: &str, prefix: &str, suffix: &str) -> i64 {
    html.match_indices(prefix)
        .find_map(|(at, _)| {
            let rest = &html[at + prefix.len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            rest[digits.len()..]
                .starts_with(suffix)
                .then(|| digits.parse().ok())
                .flatten()
        })
        .unwrap_or_else(|| panic!("no {prefix}N{suffix} in the page"))
}
