//! What the derives cannot see in plain fields: text and numbers that hold one of a closed set
//! of values, and amounts typed as text. Applied to the collected schemas and query parameters.
use serde_json::Value;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{Object, Schema, SchemaType, Type};
use utoipa::openapi::{Components, RefOr, Required};

use crate::domain::billing::BillingIncrement;

const ROLES: &[&str] = &["member", "business_admin", "tutor", "staff", "admin"];
const CUSTOMER_KINDS: &[&str] = &["individual", "business"];
const PRICE_CATEGORIES: &[&str] = &["member", "business", "public"];

/// Text fields (plain `String`s in their structs) that hold one of a closed set of values, by
/// schema (or, for a query parameter, operation id) and field.
const CLOSED_TEXT: &[(&str, &str, &[&str])] = &[
    ("Invoice", "status", &["draft", "issued"]),
    ("UsageRecord", "status", &["open", "closed", "void"]),
    (
        "BatchResult",
        "status",
        &["recorded", "duplicate", "rejected"],
    ),
    (
        "Anomaly",
        "kind",
        &["open_too_long", "stop_without_start", "no_customer"],
    ),
    ("RawCustomer", "kind", CUSTOMER_KINDS),
    ("RawCustomer", "price_category", PRICE_CATEGORIES),
    ("CustomerPatch", "kind", CUSTOMER_KINDS),
    ("CustomerPatch", "price_category", PRICE_CATEGORIES),
    ("NewUserBody", "role", ROLES),
    ("UserPatch", "role", ROLES),
    ("RawResource", "billing_basis", &["booked", "actual", "max"]),
    (
        "NewBookingBody",
        "series_mode",
        &["all_or_nothing", "book_what_is_free"],
    ),
    ("RawUsageEvent", "kind", &["start", "stop"]),
    ("LineBody", "vat_category", &["standard", "training"]),
    ("list_invoices", "status", &["draft", "issued"]),
    ("list_usage", "status", &["open", "closed", "void"]),
];

/// Whole minutes that must be a billing increment, by schema and field.
const INCREMENTS: &[(&str, &str)] = &[
    ("RawResource", "billing_increment_minutes"),
    ("RawTutor", "billing_increment_minutes"),
];

/// Amounts typed as text in request bodies ("12.50"), by schema.
const MONEY_TEXT: &[(&str, &[&str])] = &[
    (
        "RawResource",
        &[
            "rate_member",
            "rate_business",
            "rate_public",
            "minimum_charge",
        ],
    ),
    ("RawTutor", &["rate_member", "rate_business", "rate_public"]),
    ("RawCourse", &["no_show_fee"]),
    (
        "RawSession",
        &[
            "seat_price_member",
            "seat_price_business",
            "seat_price_public",
        ],
    ),
    ("LineBody", &["unit_price"]),
    ("PaymentBody", &["amount"]),
    ("PlanBody", &["monthly_fee"]),
];

pub(super) fn schemas(components: &mut Components) {
    for (schema, field, values) in CLOSED_TEXT {
        if let Some(property) = property(components, schema, field) {
            close(property, values.iter().map(|v| Value::from(*v)));
        }
    }
    let increments = || BillingIncrement::ALLOWED.into_iter().map(Value::from);
    for (schema, field) in INCREMENTS {
        if let Some(property) = property(components, schema, field) {
            close(property, increments());
        }
    }
    if let Some(RefOr::T(Schema::Object(increment))) =
        components.schemas.get_mut("BillingIncrement")
    {
        close(increment, increments());
    }
    for (schema, fields) in MONEY_TEXT {
        for field in *fields {
            if let Some(property) = property(components, schema, field) {
                property.pattern = Some(r"^-?[0-9]+(\.[0-9]{1,2})?$".into());
                property.description = Some("An amount in euros, like 12.50".into());
            }
        }
    }
}

/// Operations whose body may be left out altogether (an empty body has a meaning).
const OPTIONAL_BODIES: &[&str] = &["sign_up"];

/// Closes query parameters, and marks the bodies that may be left out.
pub(super) fn operation(op: &mut Operation) {
    let Some(id) = op.operation_id.clone() else {
        return;
    };
    if OPTIONAL_BODIES.contains(&id.as_str()) {
        if let Some(body) = op.request_body.as_mut() {
            body.required = Some(Required::False);
        }
    }
    for parameter in op.parameters.iter_mut().flatten() {
        let wanted = CLOSED_TEXT
            .iter()
            .find(|(owner, field, _)| *owner == id && *field == parameter.name);
        if let (Some((_, _, values)), Some(RefOr::T(Schema::Object(schema)))) =
            (wanted, parameter.schema.as_mut())
        {
            close(schema, values.iter().map(|v| Value::from(*v)));
        }
    }
}

fn property<'c>(
    components: &'c mut Components,
    schema: &str,
    field: &str,
) -> Option<&'c mut Object> {
    match components.schemas.get_mut(schema) {
        Some(RefOr::T(Schema::Object(object))) => match object.properties.get_mut(field) {
            Some(RefOr::T(Schema::Object(property))) => Some(property),
            _ => None,
        },
        _ => None,
    }
}

/// Restricts a schema to `values` (and null, where the field may be null).
fn close(schema: &mut Object, values: impl Iterator<Item = Value>) {
    let mut allowed: Vec<Value> = values.collect();
    if let SchemaType::Array(types) = &schema.schema_type {
        if types.contains(&Type::Null) {
            allowed.push(Value::Null);
        }
    }
    schema.enum_values = Some(allowed);
}
