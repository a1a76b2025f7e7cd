//! Schemas of the types whose JSON is written by hand (serde `into`/`try_from` or nested
//! tuples), so the derive cannot see their shape.
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use crate::domain::booking::WeeklyHours;
use crate::domain::{Money, VatRate};

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(SchemaType::Type(Type::String))
}

impl PartialSchema for Money {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Object))
            .description(Some("An amount in euros, exact to the cent"))
            .property(
                "amount",
                string()
                    .pattern(Some(r"^-?[0-9]+\.[0-9]{2}$"))
                    .examples([serde_json::json!("12.50")]),
            )
            .required("amount")
            .property("currency", string().enum_values(Some(["EUR"])))
            .required("currency")
            .into()
    }
}

impl ToSchema for Money {}

impl PartialSchema for VatRate {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Object))
            .description(Some(
                "A VAT rate; an exempt (0 %) rate carries its legal reference",
            ))
            .property(
                "percent",
                string()
                    .pattern(Some(r"^[0-9]+(\.[0-9]+)?$"))
                    .examples([serde_json::json!("21")]),
            )
            .required("percent")
            .property("exemption", string())
            .into()
    }
}

impl ToSchema for VatRate {}

impl PartialSchema for WeeklyHours {
    fn schema() -> RefOr<Schema> {
        let minute = ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Integer))
            .minimum(Some(0))
            .maximum(Some(1440));
        let interval = ArrayBuilder::new()
            .description(Some("[opens, closes) in minutes from local midnight"))
            .items(minute)
            .min_items(Some(2))
            .max_items(Some(2));
        let day = ArrayBuilder::new().items(interval);
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Object))
            .description(Some("Opening hours per weekday, Monday first"))
            .property(
                "days",
                ArrayBuilder::new()
                    .items(day)
                    .min_items(Some(7))
                    .max_items(Some(7)),
            )
            .required("days")
            .into()
    }
}

impl ToSchema for WeeklyHours {}
