//! Mail bodies from `templates/mail/`, filled by `{placeholder}` substitution (no maud: the files
//! stay editable as plain text and HTML). `NAME.txt` starts with a `Subject: …` line and a blank
//! line, then the text body; `NAME.html` is the HTML body, set inside `layout.html`. A placeholder
//! is `{name}` with lowercase letters, digits and `_`; any other brace is literal. Values are
//! HTML-escaped in HTML; `{workshop}` (the sender's name) is always available; a placeholder with
//! no value is an error, so a typo cannot reach a recipient as a blank.
use super::MailIdentity;

/// The HTML frame every mail body is set in: `{subject}`, `{workshop}` and `{content}`.
const LAYOUT: &str = include_str!("../../templates/mail/layout.html");

/// Loads `templates/mail/NAME.txt` and `NAME.html` into the binary as a [`MailTemplate`].
#[macro_export]
macro_rules! mail_template {
    ($name:literal) => {
        $crate::mail::MailTemplate::new(
            $name,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/templates/mail/",
                $name,
                ".txt"
            )),
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/templates/mail/",
                $name,
                ".html"
            )),
        )
    };
}

/// A template's sources, usually from [`mail_template!`](crate::mail_template).
#[derive(Debug, Clone, Copy)]
pub struct MailTemplate {
    name: &'static str,
    text: &'static str,
    html: &'static str,
}

/// Subject and bodies, ready for [`OutgoingMail::new`](super::OutgoingMail::new).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedMail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("mail template {template}: no value for {{{placeholder}}}")]
    Missing {
        template: &'static str,
        placeholder: String,
    },
    #[error("mail template {0}: the text must start with a 'Subject: ' line and a blank line")]
    NoSubject(&'static str),
}

impl MailTemplate {
    pub const fn new(name: &'static str, text: &'static str, html: &'static str) -> MailTemplate {
        MailTemplate { name, text, html }
    }

    /// Fills the template with `values` (name, value) and the sender's name as `{workshop}`.
    pub fn render(
        &self,
        identity: &MailIdentity,
        values: &[(&str, &str)],
    ) -> Result<RenderedMail, TemplateError> {
        let lookup = |name: &str| {
            if name == "workshop" {
                return Some(identity.name());
            }
            values.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
        };
        let (subject, text) =
            split_subject(self.text).ok_or(TemplateError::NoSubject(self.name))?;
        let subject = fill(self.name, subject, |n| lookup(n).map(str::to_string))?;
        let text = fill(self.name, text, |n| lookup(n).map(str::to_string))?;
        let content = fill(self.name, self.html, |n| lookup(n).map(escape_html))?;
        let html = fill("layout", LAYOUT, |n| match n {
            "content" => Some(content.clone()),
            "subject" => Some(escape_html(&subject)),
            other => lookup(other).map(escape_html),
        })?;
        Ok(RenderedMail {
            subject,
            text,
            html,
        })
    }
}

fn split_subject(source: &str) -> Option<(&str, &str)> {
    let rest = source.strip_prefix("Subject: ")?;
    let (subject, body) = rest.split_once('\n')?;
    let body = body
        .strip_prefix("\r\n")
        .or_else(|| body.strip_prefix('\n'))?;
    Some((subject.trim_end(), body))
}

/// Replaces each `{name}` by `value(name)`; anything that is not a placeholder is copied as is.
fn fill(
    template: &'static str,
    source: &str,
    value: impl Fn(&str) -> Option<String>,
) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(after.len());
        if name_len > 0 && after[name_len..].starts_with('}') {
            let name = &after[..name_len];
            let filled = value(name).ok_or_else(|| TemplateError::Missing {
                template,
                placeholder: name.to_string(),
            })?;
            out.push_str(&filled);
            rest = &after[name_len + 1..];
        } else {
            out.push('{');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn escape_html(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GREETING: MailTemplate = MailTemplate::new(
        "greeting",
        "Subject: {workshop}: hello {name}\n\nHello {name},\nsee {link}.\n",
        "<p>Hello {name}, see <a href=\"{link}\">your booking</a>.</p>\n",
    );

    fn identity() -> MailIdentity {
        MailIdentity::new("Obrador & Co", "hola@obrador.example", "http://localhost")
            .expect("identity")
    }

    #[test]
    fn fills_subject_text_and_html_inside_the_layout() {
        let mail = GREETING
            .render(
                &identity(),
                &[("name", "Ada <3"), ("link", "https://x.example/?a=1&b=2")],
            )
            .expect("rendered");
        assert_eq!(mail.subject, "Obrador & Co: hello Ada <3");
        assert_eq!(
            mail.text,
            "Hello Ada <3,\nsee https://x.example/?a=1&b=2.\n"
        );
        assert!(mail
            .html
            .contains("<p>Hello Ada &lt;3, see <a href=\"https://x.example/?a=1&amp;b=2\">"));
        assert!(
            mail.html
                .contains("<title>Obrador &amp; Co: hello Ada &lt;3</title>"),
            "{}",
            mail.html
        );
        assert!(mail.html.contains("Obrador &amp; Co"));
    }

    #[test]
    fn a_missing_value_is_an_error_and_other_braces_are_literal() {
        let err = GREETING
            .render(&identity(), &[("name", "Ada")])
            .expect_err("no link");
        assert_eq!(
            err,
            TemplateError::Missing {
                template: "greeting",
                placeholder: "link".into()
            }
        );
        let css = fill("t", "a { color: red } {x}{ {Y}", |_| Some("1".into())).expect("filled");
        assert_eq!(css, "a { color: red } 1{ {Y}");
    }

    #[test]
    fn the_text_must_begin_with_a_subject() {
        let bad = MailTemplate::new("bad", "Hello\n\nthere", "");
        assert_eq!(
            bad.render(&identity(), &[]),
            Err(TemplateError::NoSubject("bad"))
        );
    }
}
