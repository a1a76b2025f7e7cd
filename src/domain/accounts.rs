//! Who the workshop's customers and users are: emails, names, roles, price categories, passwords.
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::access::{Actor, UserFacts};
use super::ids::{CustomerId, UserId};

/// Input that does not make a valid account field; the message says what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidField(pub String);

/// An email address, trimmed and lower-cased so that uniqueness is case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Email, InvalidField> {
        let email = input.trim().to_lowercase();
        let bad = || {
            InvalidField(format!(
                "'{}' is not an email address like ana@example.org",
                input.trim()
            ))
        };
        if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = email.split_once('@').ok_or_else(bad)?;
        let domain_ok = domain.contains('.')
            && !domain.contains('@')
            && domain.split('.').all(|label| !label.is_empty());
        if local.is_empty() || !domain_ok {
            return Err(bad());
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's or company's name as shown on screens and invoices: trimmed, 1–200 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Name(String);

impl Name {
    pub fn parse(input: &str, what: &str) -> Result<Name, InvalidField> {
        let name = input.trim();
        if name.is_empty() {
            return Err(InvalidField(format!("{what} must not be empty")));
        }
        if name.chars().count() > 200 || name.chars().any(char::is_control) {
            return Err(InvalidField(format!(
                "{what} must be at most 200 characters on one line"
            )));
        }
        Ok(Name(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password as typed: long enough to resist guessing, short enough to hash quickly.
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_CHARS: usize = 10;

    pub fn parse(input: &str) -> Result<NewPassword, InvalidField> {
        let chars = input.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(InvalidField(format!(
                "the password must have at least {} characters",
                Self::MIN_CHARS
            )));
        }
        if input.len() > 1024 {
            return Err(InvalidField(
                "the password must be at most 1024 bytes".into(),
            ));
        }
        Ok(NewPassword(input.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// Defines a closed set of text values stored as-is in the database and the API.
macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = InvalidField;

            fn from_str(input: &str) -> Result<$name, InvalidField> {
                match input.trim() {
                    $($text => Ok($name::$variant),)+
                    other => Err(InvalidField(format!(
                        concat!("'{}' is not a ", $what, "; use one of: {}"),
                        other,
                        [$($text),+].join(", ")
                    ))),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(
    /// What a user may do. Staff run the front desk and billing; admins also manage staff.
    Role, "role" {
        Member => "member",
        BusinessAdmin => "business_admin",
        Tutor => "tutor",
        Staff => "staff",
        Admin => "admin",
    }
);

impl Role {
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Staff | Role::Admin)
    }
}

text_enum!(
    /// An individual member, or a small business with several employees on one account.
    CustomerKind, "customer kind" {
        Individual => "individual",
        Business => "business",
    }
);

text_enum!(
    /// Which column of a price list applies to a customer.
    PriceCategory, "price category" {
        Member => "member",
        Business => "business",
        Public => "public",
    }
);

/// A customer account: who is invoiced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Customer {
    pub id: CustomerId,
    pub kind: CustomerKind,
    pub legal_name: String,
    pub tax_id: Option<String>,
    pub address: String,
    pub billing_email: Option<String>,
    pub price_category: PriceCategory,
}

/// A person who signs in, acting for the customer account they belong to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: UserId,
    pub customer_id: CustomerId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
}

impl User {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.id,
            customer_id: self.customer_id,
            role: self.role,
        }
    }

    pub fn facts(&self) -> UserFacts {
        UserFacts {
            user_id: self.id,
            customer_id: self.customer_id,
            role: self.role,
        }
    }
}

/// What a customer account is made of, checked: the one parser both the API and the forms use.
#[derive(Debug, Clone)]
pub struct CustomerInput {
    pub kind: CustomerKind,
    pub legal_name: Name,
    pub tax_id: Option<String>,
    pub address: String,
    pub billing_email: Option<Email>,
    pub price_category: PriceCategory,
}

/// The customer fields as typed; empty optional fields mean "none".
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RawCustomer {
    pub kind: String,
    pub legal_name: String,
    #[serde(default)]
    pub tax_id: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub billing_email: Option<String>,
    pub price_category: String,
}

impl CustomerInput {
    pub fn parse(raw: &RawCustomer) -> Result<CustomerInput, InvalidField> {
        let kind: CustomerKind = raw.kind.parse()?;
        let tax_id = non_empty(raw.tax_id.as_deref())
            .map(normalise_tax_id)
            .transpose()?;
        if kind == CustomerKind::Business && tax_id.is_none() {
            return Err(InvalidField(
                "a business needs its tax id (NIF/VAT number) for invoices".into(),
            ));
        }
        let address = raw
            .address
            .as_deref()
            .unwrap_or_default()
            .trim()
            .to_string();
        if address.chars().count() > 500 {
            return Err(InvalidField(
                "the address must be at most 500 characters".into(),
            ));
        }
        Ok(CustomerInput {
            kind,
            legal_name: Name::parse(&raw.legal_name, "the legal name")?,
            tax_id,
            address,
            billing_email: non_empty(raw.billing_email.as_deref())
                .map(Email::parse)
                .transpose()?,
            price_category: raw.price_category.parse()?,
        })
    }
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// Tax ids are compared and printed without spaces or dashes, in capitals (B-12345678 → B12345678).
fn normalise_tax_id(input: &str) -> Result<String, InvalidField> {
    let id: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '.')
        .flat_map(char::to_uppercase)
        .collect();
    if id.is_empty() || id.len() > 32 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(InvalidField(format!(
            "'{}' is not a tax id: use letters and digits only, at most 32",
            input.trim()
        )));
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_case_insensitive_and_checked() {
        assert_eq!(
            Email::parse("  Ana@Example.ORG ").map(|e| e.to_string()),
            Ok("ana@example.org".into())
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.org",
            "ana@example",
            "a b@example.org",
            "ana@ex..org",
            "a@b@c.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            Name::parse("  Ana Puig ", "name").map(|n| n.as_str().to_string()),
            Ok("Ana Puig".into())
        );
        assert!(Name::parse("   ", "name").is_err());
        assert!(Name::parse(&"x".repeat(201), "name").is_err());
        assert!(Name::parse("two\nlines", "name").is_err());
    }

    #[test]
    fn customers_parse_with_their_rules() {
        let raw = RawCustomer {
            kind: "business".into(),
            legal_name: " Fusteria Pi SL ".into(),
            tax_id: Some(" b-6543 2109 ".into()),
            address: None,
            billing_email: Some("".into()),
            price_category: "business".into(),
        };
        let parsed = CustomerInput::parse(&raw).expect("valid");
        assert_eq!(parsed.tax_id.as_deref(), Some("B65432109"));
        assert_eq!(parsed.legal_name.as_str(), "Fusteria Pi SL");
        assert!(parsed.billing_email.is_none());
        let no_tax_id = RawCustomer {
            tax_id: None,
            ..raw.clone()
        };
        assert!(CustomerInput::parse(&no_tax_id)
            .expect_err("needs tax id")
            .0
            .contains("tax id"));
        let bad_category = RawCustomer {
            price_category: "vip".into(),
            ..raw
        };
        assert!(CustomerInput::parse(&bad_category).is_err());
    }

    #[test]
    fn passwords_need_ten_characters() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse("long enough!").is_ok());
        assert_eq!(
            format!("{:?}", NewPassword::parse("long enough!").expect("ok")),
            "NewPassword(***)"
        );
    }

    #[test]
    fn roles_parse_and_name_the_choices_when_wrong() {
        assert_eq!("business_admin".parse::<Role>(), Ok(Role::BusinessAdmin));
        let err = "boss".parse::<Role>().expect_err("unknown");
        assert!(
            err.0
                .contains("member, business_admin, tutor, staff, admin"),
            "{err}"
        );
        assert!(Role::Admin.is_staff() && Role::Staff.is_staff() && !Role::Tutor.is_staff());
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(*role));
        }
    }
}
