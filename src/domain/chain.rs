//! The integrity chain of issued documents, VeriFactu style: each invoice or credit note's record
//! hash covers its key fields and the previous record's hash, and a content digest covers the
//! whole document; verifying the chain recomputes them and names the first document that breaks.
use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::money::Money;

/// What kind of document a chain record is for; its AEAT code goes into the hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// A full invoice: `F1`.
    Invoice,
    /// A corrective invoice (credit note): `R1`.
    CreditNote,
}

impl DocumentKind {
    /// The `TipoFactura` code: `F1` for an invoice, `R1` for a credit note.
    pub fn code(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "F1",
            DocumentKind::CreditNote => "R1",
        }
    }

    /// The name used in JSON and storage: `invoice`, `credit_note`.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "invoice",
            DocumentKind::CreditNote => "credit_note",
        }
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The fields of an issued document that its record hash covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainRecord {
    /// The workshop's tax id (`IDEmisorFactura`).
    pub supplier_tax_id: String,
    /// The document number, series included (`NumSerieFactura`), e.g. `F2026-000123`.
    pub number: String,
    /// The issue date (`FechaExpedicionFactura`).
    pub issue_date: NaiveDate,
    /// Invoice or credit note (`TipoFactura`).
    pub kind: DocumentKind,
    /// The VAT of the whole document (`CuotaTotal`); negative for a credit note.
    pub vat_total: Money,
    /// The document's total (`ImporteTotal`); negative for a credit note.
    pub total: Money,
    /// The record hash of the document before it in the chain; `None` for the first (`Huella`).
    pub previous_hash: Option<String>,
    /// When the record was generated, with the workshop's offset (`FechaHoraHusoGenRegistro`).
    /// Store it with its offset: the hash covers the offset as written.
    pub generated_at: DateTime<FixedOffset>,
}

/// The exact text a record hash is taken of, fields in AEAT's order joined by `&`:
/// `IDEmisorFactura=…&NumSerieFactura=…&FechaExpedicionFactura=dd-mm-yyyy&TipoFactura=F1|R1&
/// CuotaTotal=12.35&ImporteTotal=123.45&Huella=…&FechaHoraHusoGenRegistro=2024-01-01T19:20:30+01:00`.
pub fn hash_input(record: &ChainRecord) -> String {
    format!(
        "IDEmisorFactura={}&NumSerieFactura={}&FechaExpedicionFactura={}&TipoFactura={}\
         &CuotaTotal={}&ImporteTotal={}&Huella={}&FechaHoraHusoGenRegistro={}",
        record.supplier_tax_id,
        record.number,
        record.issue_date.format("%d-%m-%Y"),
        record.kind.code(),
        record.vat_total,
        record.total,
        record.previous_hash.as_deref().unwrap_or(""),
        // Whole seconds and a numeric offset (`+01:00`, `+00:00`, never `Z`), as AEAT writes it.
        record
            .generated_at
            .to_rfc3339_opts(SecondsFormat::Secs, false),
    )
}

/// The record hash of a document: SHA-256 of [`hash_input`], as 64 uppercase hex digits.
pub fn record_hash(record: &ChainRecord) -> String {
    sha256_upper_hex(hash_input(record).as_bytes())
}

/// The content digest of a whole document (lines, customer snapshot, totals…): SHA-256, as 64
/// uppercase hex digits, of its canonical JSON.
///
/// Canonical means: object keys sorted (by Rust's `str` order, i.e. by Unicode code point) at
/// every depth, no whitespace, strings and numbers as serde_json writes them. So the digest does
/// not depend on field order — in the struct or in a map — only on the values.
///
/// # Errors
/// Only if `document`'s `Serialize` implementation fails (e.g. a map with non-string keys).
pub fn content_digest<T: Serialize>(document: &T) -> Result<String, serde_json::Error> {
    canonical_json(document).map(|json| sha256_upper_hex(json.as_bytes()))
}

/// The canonical JSON of a document, as [`content_digest`] hashes it.
///
/// # Errors
/// Only if `document`'s `Serialize` implementation fails.
pub fn canonical_json<T: Serialize>(document: &T) -> Result<String, serde_json::Error> {
    let value = serde_json::to_value(document)?;
    let mut out = String::new();
    write_canonical(&value, &mut out)?;
    Ok(out)
}

/// Writes `value` with sorted keys. The sorting is explicit because serde_json keeps insertion
/// order when any crate in the build enables its `preserve_order` feature.
fn write_canonical(value: &Value, out: &mut String) -> Result<(), serde_json::Error> {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(key)?);
                out.push(':');
                write_canonical(item, out)?;
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out)?;
            }
            out.push(']');
        }
        scalar => out.push_str(&serde_json::to_string(scalar)?),
    }
    Ok(())
}

fn sha256_upper_hex(bytes: &[u8]) -> String {
    hex::encode_upper(Sha256::digest(bytes))
}

/// Where and how a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the chain breaks at document {number} (position {index}): {reason}")]
pub struct ChainBreak {
    /// The position of the first broken record in issue order, from 0.
    pub index: usize,
    /// That record's document number.
    pub number: String,
    /// What is wrong with it.
    pub reason: BreakReason,
}

/// Why a record breaks the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BreakReason {
    /// The record does not point at the stored hash of the record before it (or, for the first,
    /// points at something).
    BrokenLink {
        /// The previous record's stored hash (`None` for the first record).
        expected: Option<String>,
        /// What this record says it follows.
        found: Option<String>,
    },
    /// The stored hash is not the hash of the record's fields: a field or the hash was changed.
    HashMismatch {
        /// The hash stored with the record.
        stored: String,
        /// The hash its fields give.
        computed: String,
    },
}

impl fmt::Display for BreakReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let or_none = |hash: &Option<String>| hash.clone().unwrap_or_else(|| "nothing".into());
        match self {
            BreakReason::BrokenLink { expected, found } => write!(
                f,
                "it follows {} but the document before it has hash {}",
                or_none(found),
                or_none(expected)
            ),
            BreakReason::HashMismatch { stored, computed } => write!(
                f,
                "its stored hash {stored} is not the hash of its contents, {computed}"
            ),
        }
    }
}

/// Checks a whole chain given in issue order as (record, stored hash): each record must follow
/// the previous record's stored hash (the first, nothing), and its stored hash must be the hash
/// of its fields. Returns the first record that fails.
pub fn verify_chain(records: &[(ChainRecord, String)]) -> Result<(), ChainBreak> {
    let mut expected: Option<&str> = None;
    for (index, (record, stored)) in records.iter().enumerate() {
        let broken = |reason| ChainBreak {
            index,
            number: record.number.clone(),
            reason,
        };
        if record.previous_hash.as_deref() != expected {
            return Err(broken(BreakReason::BrokenLink {
                expected: expected.map(str::to_owned),
                found: record.previous_hash.clone(),
            }));
        }
        let computed = record_hash(record);
        if computed != *stored {
            return Err(broken(BreakReason::HashMismatch {
                stored: stored.clone(),
                computed,
            }));
        }
        expected = Some(stored);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    fn eur(text: &str) -> Money {
        Money::parse(text).expect("test money literal")
    }

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).expect("test instant")
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().expect("test date")
    }

    fn aeat_example() -> ChainRecord {
        ChainRecord {
            supplier_tax_id: "89890001K".into(),
            number: "12345678/G33".into(),
            issue_date: date("2024-01-01"),
            kind: DocumentKind::Invoice,
            vat_total: eur("12.35"),
            total: eur("123.45"),
            previous_hash: None,
            generated_at: at("2024-01-01T19:20:30+01:00"),
        }
    }

    #[test]
    fn reproduces_the_aeat_published_example() {
        let record = aeat_example();
        assert_eq!(
            hash_input(&record),
            "IDEmisorFactura=89890001K&NumSerieFactura=12345678/G33\
             &FechaExpedicionFactura=01-01-2024&TipoFactura=F1&CuotaTotal=12.35\
             &ImporteTotal=123.45&Huella=&FechaHoraHusoGenRegistro=2024-01-01T19:20:30+01:00"
        );
        assert_eq!(
            record_hash(&record),
            "3C464DAF61ACB827C65FDA19F352A4E3BDC2C640E9E9FC4CC058073F38F12F60"
        );
    }

    #[test]
    fn writes_credit_notes_utc_offsets_and_round_amounts_as_aeat_does() {
        let record = ChainRecord {
            number: "R2026-000004".into(),
            kind: DocumentKind::CreditNote,
            vat_total: eur("-2.10"),
            total: eur("-12.10"),
            previous_hash: Some("ABC".into()),
            generated_at: at("2026-03-05T09:08:07.654Z"),
            ..aeat_example()
        };
        let input = hash_input(&record);
        assert!(input.contains("&TipoFactura=R1&"), "{input}");
        assert!(
            input.contains("&CuotaTotal=-2.10&ImporteTotal=-12.10&"),
            "{input}"
        );
        assert!(input.contains("&Huella=ABC&"), "{input}");
        assert!(
            input.ends_with("&FechaHoraHusoGenRegistro=2026-03-05T09:08:07+00:00"),
            "{input}"
        );
    }

    #[test]
    fn record_hashes_are_64_uppercase_hex_digits() {
        let hash = record_hash(&aeat_example());
        assert_eq!(hash.len(), 64);
        assert!(hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)));
    }

    /// Three records linked as issuing would link them, each with its stored hash.
    fn chain_of_three() -> Vec<(ChainRecord, String)> {
        let mut chain: Vec<(ChainRecord, String)> = Vec::new();
        let documents = [
            ("F2026-000001", DocumentKind::Invoice, "14.71", "84.77"),
            ("F2026-000002", DocumentKind::Invoice, "21.00", "121.00"),
            ("R2026-000001", DocumentKind::CreditNote, "-14.71", "-84.77"),
        ];
        for (n, (number, kind, vat, total)) in documents.into_iter().enumerate() {
            let record = ChainRecord {
                supplier_tax_id: "F12345678".into(),
                number: number.into(),
                issue_date: date("2026-02-01"),
                kind,
                vat_total: eur(vat),
                total: eur(total),
                previous_hash: chain.last().map(|(_, hash)| hash.clone()),
                generated_at: at(&format!("2026-02-01T10:00:0{n}+01:00")),
            };
            let hash = record_hash(&record);
            chain.push((record, hash));
        }
        chain
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify_chain(&chain_of_three()), Ok(()));
        assert_eq!(verify_chain(&[]), Ok(()));
    }

    #[test]
    fn a_changed_amount_names_its_document() {
        let mut chain = chain_of_three();
        chain[1].0.total = eur("120.00");
        let broken = verify_chain(&chain).expect_err("tampered");
        assert_eq!((broken.index, broken.number.as_str()), (1, "F2026-000002"));
        assert!(matches!(broken.reason, BreakReason::HashMismatch { .. }));
        assert!(broken.to_string().starts_with(
            "the chain breaks at document F2026-000002 (position 1): its stored hash"
        ));
    }

    #[test]
    fn a_forged_hash_in_the_middle_is_caught() {
        // The forger rewrites the middle hash and relinks the next record to it.
        let mut chain = chain_of_three();
        let forged = "0".repeat(64);
        chain[1].1 = forged.clone();
        chain[2].0.previous_hash = Some(forged);
        let broken = verify_chain(&chain).expect_err("forged");
        assert_eq!(broken.index, 1);
        assert!(matches!(broken.reason, BreakReason::HashMismatch { .. }));
    }

    #[test]
    fn a_rehashed_record_breaks_the_link_after_it() {
        // Changing a record and storing its new hash still breaks the next record's link.
        let mut chain = chain_of_three();
        chain[1].0.total = eur("1.00");
        chain[1].1 = record_hash(&chain[1].0);
        let broken = verify_chain(&chain).expect_err("relinked");
        assert_eq!((broken.index, broken.number.as_str()), (2, "R2026-000001"));
        assert!(matches!(broken.reason, BreakReason::BrokenLink { .. }));
    }

    #[test]
    fn a_removed_or_misplaced_record_breaks_the_link() {
        let mut chain = chain_of_three();
        chain.remove(1);
        assert_eq!(verify_chain(&chain).expect_err("gap").index, 1);
        let mut chain = chain_of_three();
        chain.remove(0);
        let broken = verify_chain(&chain).expect_err("no first");
        assert_eq!(broken.index, 0);
        assert!(matches!(
            broken.reason,
            BreakReason::BrokenLink {
                expected: None,
                found: Some(_)
            }
        ));
    }

    #[test]
    fn the_content_digest_ignores_key_order() {
        let a = json!({"number": "F1", "lines": [{"net": "1.00", "vat": "0.21"}], "customer": {"name": "Ana", "tax_id": "X"}});
        let b = json!({"customer": {"tax_id": "X", "name": "Ana"}, "lines": [{"vat": "0.21", "net": "1.00"}], "number": "F1"});
        let digest = content_digest(&a).expect("digest");
        assert_eq!(digest, content_digest(&b).expect("digest"));
        assert_eq!(digest.len(), 64);
        assert_eq!(
            canonical_json(&b).expect("canonical"),
            r#"{"customer":{"name":"Ana","tax_id":"X"},"lines":[{"net":"1.00","vat":"0.21"}],"number":"F1"}"#
        );
    }

    #[test]
    fn the_content_digest_is_the_same_for_a_struct_and_a_map() {
        #[derive(Serialize)]
        struct Line {
            vat: Money,
            net: Money,
        }
        let line = Line {
            vat: eur("0.21"),
            net: eur("1.00"),
        };
        let mut map = BTreeMap::new();
        map.insert("net", eur("1.00"));
        map.insert("vat", eur("0.21"));
        assert_eq!(
            content_digest(&line).expect("digest"),
            content_digest(&map).expect("digest")
        );
    }

    #[test]
    fn the_content_digest_changes_with_any_value() {
        let base = json!({"number": "F1", "lines": [{"net": "1.00"}, {"net": "2.00"}], "paid": false, "n": 1});
        let digest = content_digest(&base).expect("digest");
        for changed in [
            json!({"number": "F2", "lines": [{"net": "1.00"}, {"net": "2.00"}], "paid": false, "n": 1}),
            json!({"number": "F1", "lines": [{"net": "1.01"}, {"net": "2.00"}], "paid": false, "n": 1}),
            json!({"number": "F1", "lines": [{"net": "2.00"}, {"net": "1.00"}], "paid": false, "n": 1}),
            json!({"number": "F1", "lines": [{"net": "1.00"}], "paid": false, "n": 1}),
            json!({"number": "F1", "lines": [{"net": "1.00"}, {"net": "2.00"}], "paid": true, "n": 1}),
            json!({"number": "F1", "lines": [{"net": "1.00"}, {"net": "2.00"}], "paid": false, "n": 2}),
            json!({"number": "F1", "lines": [{"net": "1.00"}, {"net": "2.00"}], "paid": false, "n": "1"}),
            json!({"number": "F1", "lines": [{"net": "1.00"}, {"net": "2.00"}], "paid": false, "n": 1, "x": null}),
        ] {
            assert_ne!(
                content_digest(&changed).expect("digest"),
                digest,
                "{changed}"
            );
        }
    }

    proptest! {
        #[test]
        fn any_changed_amount_is_caught(cents in any::<i64>(), which in 0usize..3, vat in any::<bool>()) {
            let mut chain = chain_of_three();
            let field = if vat { &mut chain[which].0.vat_total } else { &mut chain[which].0.total };
            prop_assume!(field.cents() != cents);
            *field = Money::from_cents(cents);
            let broken = verify_chain(&chain).expect_err("tampered");
            prop_assert_eq!(broken.index, which);
        }

        #[test]
        fn the_digest_does_not_depend_on_insertion_order(
            entries in prop::collection::btree_map("[a-z]{1,8}", any::<i64>(), 0..12),
        ) {
            let forward: serde_json::Map<String, Value> =
                entries.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            let backward: serde_json::Map<String, Value> =
                entries.iter().rev().map(|(k, v)| (k.clone(), json!(v))).collect();
            prop_assert_eq!(
                content_digest(&forward).expect("digest"),
                content_digest(&backward).expect("digest")
            );
        }
    }
}
