//! A mail as a service hands it over, and its formatting, once, into the RFC 5322 bytes that every
//! delivery attempt sends unchanged (same Message-ID, same Date, same boundaries).
use std::fmt;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::{Address, Message};
use rand::RngCore;

use super::template::RenderedMail;
use super::MailError;
use crate::config::Settings;

/// Who a mail is to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub email: String,
    /// Shown beside the address ("Ada Lovelace <ada@example.org>"); `None` shows the address only.
    pub name: Option<String>,
}

impl Recipient {
    pub fn new(email: impl Into<String>, name: Option<String>) -> Recipient {
        Recipient {
            email: email.into(),
            name: name.filter(|n| !n.trim().is_empty()),
        }
    }
}

/// A file sent along (an `.ics`, an invoice PDF).
#[derive(Clone, PartialEq, Eq)]
pub struct MailAttachment {
    pub filename: String,
    /// A MIME type such as `application/pdf` or `text/calendar; charset=utf-8; method=REQUEST`.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl fmt::Debug for MailAttachment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailAttachment")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// One mail to enqueue: multipart/alternative text + HTML, inside multipart/mixed when there are
/// attachments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    /// Unique per mail and stable across retries of the request that causes it, e.g.
    /// `booking-42-confirmation`: a second enqueue under the same key adds nothing.
    pub key: String,
    pub to: Recipient,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub attachments: Vec<MailAttachment>,
}

impl OutgoingMail {
    /// A mail whose subject and bodies come from a rendered template.
    pub fn new(key: impl Into<String>, to: Recipient, body: RenderedMail) -> OutgoingMail {
        OutgoingMail {
            key: key.into(),
            to,
            subject: body.subject,
            text: body.text,
            html: body.html,
            attachments: Vec::new(),
        }
    }

    pub fn attach(
        mut self,
        filename: impl Into<String>,
        content_type: impl Into<String>,
        bytes: Vec<u8>,
    ) -> OutgoingMail {
        self.attachments.push(MailAttachment {
            filename: filename.into(),
            content_type: content_type.into(),
            bytes,
        });
        self
    }
}

/// Who the workshop's mail is from, the domain its Message-IDs are made in, and the site its
/// links point to.
#[derive(Debug, Clone)]
pub struct MailIdentity {
    from: Mailbox,
    message_id_domain: String,
    /// `public_url` without a trailing slash.
    site: String,
}

impl MailIdentity {
    /// `public_url`'s host names the Message-IDs (falling back to the address's domain), so that
    /// they are unique to this deployment.
    pub fn new(name: &str, email: &str, public_url: &str) -> Result<MailIdentity, MailError> {
        let address: Address = email
            .trim()
            .parse()
            .map_err(|_| MailError::Address(email.to_string()))?;
        let message_id_domain = url::Url::parse(public_url)
            .ok()
            .and_then(|url| url.host_str().map(str::to_string))
            .unwrap_or_else(|| address.domain().to_string());
        let name = Some(name.trim().to_string()).filter(|n| !n.is_empty());
        Ok(MailIdentity {
            from: Mailbox::new(name, address),
            message_id_domain,
            site: public_url.trim().trim_end_matches('/').to_string(),
        })
    }

    /// The workshop's legal name and email (`[workshop]` in the settings) and `public_url`.
    pub fn from_settings(settings: &Settings) -> Result<MailIdentity, MailError> {
        MailIdentity::new(
            &settings.workshop.legal_name,
            &settings.workshop.email,
            &settings.public_url,
        )
    }

    pub fn address(&self) -> &Address {
        &self.from.email
    }

    /// The name shown as the sender, which is also `{workshop}` in templates.
    pub fn name(&self) -> &str {
        self.from.name.as_deref().unwrap_or("")
    }

    /// The address of `path` (which starts with `/`) on the public site, for links in mail.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.site)
    }

    /// A new, random Message-ID in angle brackets: `<32 hex digits@host>`.
    pub fn new_message_id(&self) -> String {
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        format!("<{}@{}>", hex::encode(bytes), self.message_id_domain)
    }
}

/// The mail as the bytes to send, under `message_id`.
pub(super) fn format(
    identity: &MailIdentity,
    mail: &OutgoingMail,
    message_id: &str,
) -> Result<Vec<u8>, MailError> {
    let to_address: Address = mail
        .to
        .email
        .trim()
        .parse()
        .map_err(|_| MailError::Address(mail.to.email.clone()))?;
    let alternative = MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone());
    let body = if mail.attachments.is_empty() {
        alternative
    } else {
        let mut mixed = MultiPart::mixed().multipart(alternative);
        for attachment in &mail.attachments {
            let content_type = ContentType::parse(&attachment.content_type)
                .map_err(|_| MailError::ContentType(attachment.content_type.clone()))?;
            mixed = mixed.singlepart(
                Attachment::new(attachment.filename.clone())
                    .body(attachment.bytes.clone(), content_type),
            );
        }
        mixed
    };
    let message = Message::builder()
        .from(identity.from.clone())
        .to(Mailbox::new(mail.to.name.clone(), to_address))
        .subject(mail.subject.clone())
        .message_id(Some(message_id.to_string()))
        .multipart(body)?;
    Ok(message.formatted())
}

/// Keys come from code; refusing odd ones early keeps `.eml` file names and logs readable.
pub(super) fn check_key(key: &str) -> Result<(), MailError> {
    let fine = !key.is_empty() && key.len() <= 200 && key.bytes().all(|b| b.is_ascii_graphic());
    if fine {
        Ok(())
    } else {
        Err(MailError::Key(key.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity() -> MailIdentity {
        MailIdentity::new(
            "Obrador SCCL",
            "hola@obrador.example",
            "https://book.obrador.example/",
        )
        .expect("identity")
    }

    #[test]
    fn message_ids_are_random_and_named_after_the_public_host() {
        let identity = identity();
        let (a, b) = (identity.new_message_id(), identity.new_message_id());
        assert_ne!(a, b);
        assert!(
            a.starts_with('<') && a.ends_with("@book.obrador.example>"),
            "{a}"
        );
        let bare = MailIdentity::new("X", "x@mail.example", "not a url").expect("identity");
        assert!(bare.new_message_id().ends_with("@mail.example>"));
    }

    #[test]
    fn links_point_at_the_public_site_whatever_its_trailing_slash() {
        assert_eq!(
            identity().link("/login"),
            "https://book.obrador.example/login"
        );
        let plain = MailIdentity::new("X", "x@mail.example", "http://127.0.0.1:8080").expect("id");
        assert_eq!(plain.link("/login"), "http://127.0.0.1:8080/login");
    }

    #[test]
    fn formats_alternative_bodies_and_attachments_with_the_given_message_id() {
        let mail = OutgoingMail {
            key: "k".into(),
            to: Recipient::new("ada@example.org", Some("Ada".into())),
            subject: "Hola".into(),
            text: "plain".into(),
            html: "<p>rich</p>".into(),
            attachments: Vec::new(),
        }
        .attach(
            "a.ics",
            "text/calendar; charset=utf-8",
            b"BEGIN:VCALENDAR".to_vec(),
        );
        let bytes = format(&identity(), &mail, "<abc@host>").expect("formatted");
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("Message-ID: <abc@host>"), "{text}");
        assert!(text.contains("multipart/mixed"), "{text}");
        assert!(text.contains("multipart/alternative"), "{text}");
        assert!(
            text.contains("From: \"Obrador SCCL\" <hola@obrador.example>"),
            "{text}"
        );
        assert!(text.contains("filename=\"a.ics\""), "{text}");
    }

    #[test]
    fn refuses_bad_addresses_content_types_and_keys() {
        let mut mail = OutgoingMail {
            key: "k".into(),
            to: Recipient::new("not-an-address", None),
            subject: String::new(),
            text: String::new(),
            html: String::new(),
            attachments: Vec::new(),
        };
        assert!(matches!(
            format(&identity(), &mail, "<a@b>"),
            Err(MailError::Address(_))
        ));
        mail.to = Recipient::new("a@b.example", None);
        mail = mail.attach("x", "no type", Vec::new());
        assert!(matches!(
            format(&identity(), &mail, "<a@b>"),
            Err(MailError::ContentType(_))
        ));
        assert!(check_key("booking-42-confirmation").is_ok());
        assert!(check_key("").is_err());
        assert!(check_key("has space").is_err());
        assert!(check_key(&"k".repeat(201)).is_err());
    }
}
