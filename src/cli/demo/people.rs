//! The demo's people: members, businesses with their employees, tutors, staff and an admin.
use crate::db::DbConn;
use crate::domain::{CustomerId, CustomerInput, Email, Name, NewPassword, RawCustomer, Role};
use crate::services::accounts::{self, NewUser};
use crate::services::{By, ServiceError};

const BY: By = By::System("demo");
const DOMAIN: &str = "demo.obrador.example";

const MEMBERS: [&str; 20] = [
    "Marta Vidal",
    "Pau Ferrer",
    "Laia Serra",
    "Jordi Casals",
    "Núria Puigdomènech",
    "Oriol Bosch",
    "Aina Roca",
    "Marc Soler",
    "Carla Font",
    "Arnau Riera",
    "Júlia Camps",
    "Pol Martí",
    "Clara Vila",
    "Biel Prat",
    "Ona Sala",
    "Roger Pujol",
    "Mireia Costa",
    "Guillem Mas",
    "Elena Ortega",
    "Iker Navarro",
];

struct Business {
    legal_name: &'static str,
    tax_id: &'static str,
    address: &'static str,
    admin: &'static str,
    employees: &'static [&'static str],
}

const BUSINESSES: [Business; 3] = [
    Business {
        legal_name: "Fusteria Roure SL",
        tax_id: "B17000001",
        address: "Carrer dels Fusters 12, 17001 Girona",
        admin: "Joan Puig",
        employees: &["Anna Roure", "Xavier Gil", "Sílvia Planas"],
    },
    Business {
        legal_name: "Joieria Lluna SCP",
        tax_id: "J08000002",
        address: "Passeig de la Lluna 4, 08012 Barcelona",
        admin: "Teresa Lluna",
        employees: &["Bruno Sanz"],
    },
    Business {
        legal_name: "Disseny Km Zero SL",
        tax_id: "B25000003",
        address: "Avinguda del Segre 30, 25007 Lleida",
        admin: "Albert Rius",
        employees: &["Eva Miró", "Hugo Ramos"],
    },
];

const TUTORS: [&str; 2] = ["Rosa Ferrer", "Dani Balaguer"];
const STAFF: [(&str, &str); 2] = [
    ("Recepció Obrador", "recepcio"),
    ("Lluís Comas", "lluis.comas"),
];
const ADMIN: (&str, &str) = ("Admin Obrador", "admin");

#[derive(Default)]
pub struct Summary {
    pub created: usize,
    pub existing: usize,
}

pub fn load(conn: &mut DbConn) -> Result<Summary, ServiceError> {
    let mut summary = Summary::default();
    for name in MEMBERS {
        ensure_user(conn, &mut summary, name, &slug(name), Role::Member, None)?;
    }
    for business in &BUSINESSES {
        let id = ensure_business(conn, business)?;
        ensure_user(
            conn,
            &mut summary,
            business.admin,
            &slug(business.admin),
            Role::BusinessAdmin,
            Some(id),
        )?;
        for name in business.employees {
            ensure_user(
                conn,
                &mut summary,
                name,
                &slug(name),
                Role::Member,
                Some(id),
            )?;
        }
    }
    for name in TUTORS {
        ensure_user(conn, &mut summary, name, &slug(name), Role::Tutor, None)?;
    }
    for (name, local) in STAFF {
        ensure_user(conn, &mut summary, name, local, Role::Staff, None)?;
    }
    ensure_user(conn, &mut summary, ADMIN.0, ADMIN.1, Role::Admin, None)?;
    Ok(summary)
}

fn ensure_business(conn: &mut DbConn, business: &Business) -> Result<CustomerId, ServiceError> {
    let found = accounts::customers(conn, &BY, Some(business.tax_id))?;
    if let Some(existing) = found
        .into_iter()
        .find(|c| c.tax_id.as_deref() == Some(business.tax_id))
    {
        return Ok(existing.id);
    }
    let raw = RawCustomer {
        kind: "business".into(),
        legal_name: business.legal_name.into(),
        tax_id: Some(business.tax_id.into()),
        address: Some(business.address.into()),
        billing_email: Some(format!("factures@{}.{DOMAIN}", slug(business.legal_name))),
        price_category: "business".into(),
    };
    Ok(accounts::create_customer(conn, &BY, &CustomerInput::parse(&raw)?)?.id)
}

fn ensure_user(
    conn: &mut DbConn,
    summary: &mut Summary,
    name: &str,
    local_part: &str,
    role: Role,
    business: Option<CustomerId>,
) -> Result<(), ServiceError> {
    let email = Email::parse(&format!("{local_part}@{DOMAIN}"))?;
    if accounts::user_by_email(conn, &email)?.is_some() {
        summary.existing += 1;
        return Ok(());
    }
    let new = NewUser {
        email,
        name: Name::parse(name, "the name")?,
        role,
        business,
        password: Some(NewPassword::parse(super::PASSWORD)?),
    };
    // Demo people have made-up addresses: no welcome mail.
    accounts::create_user(conn, &BY, new, None)?;
    summary.created += 1;
    Ok(())
}

/// "Núria Puigdomènech" → "nuria.puigdomenech": an email-safe local part.
fn slug(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .map(|c| match c {
            'à' | 'á' => 'a',
            'è' | 'é' => 'e',
            'í' | 'ï' => 'i',
            'ò' | 'ó' => 'o',
            'ú' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            ' ' => '.',
            c => c,
        })
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs_are_ascii_local_parts() {
        assert_eq!(super::slug("Núria Puigdomènech"), "nuria.puigdomenech");
        assert_eq!(super::slug("Fusteria Roure SL"), "fusteria.roure.sl");
    }
}
