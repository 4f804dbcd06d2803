//! The audit log's hash chain: each record carries the hash of the one before it and its own hash
//! over that and its content, so an edited, deleted or reordered record breaks the chain from that
//! point on (`portcullis audit verify` finds the first break).

use crate::token::sha256_hex;

/// The content of one audit record, exactly as stored (`detail` is the stored JSON text).
#[derive(Debug, Clone, Copy)]
pub struct AuditContent<'a> {
    pub at: i64,
    pub kind: &'a str,
    pub actor: Option<&'a str>,
    pub target: Option<&'a str>,
    pub org: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub detail: &'a str,
}

/// SHA-256 (hex) of the previous record's hash and this record's content. The input is a JSON array,
/// so no choice of field values can make two different records encode alike. The first record of the
/// chain has `prev` = "".
pub fn chain_hash(prev: &str, record: &AuditContent<'_>) -> String {
    let fields = serde_json::json!([
        prev,
        record.at,
        record.kind,
        record.actor,
        record.target,
        record.org,
        record.ip,
        record.detail
    ]);
    sha256_hex(&fields.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(detail: &str) -> AuditContent<'_> {
        AuditContent {
            at: 1,
            kind: "login_failed",
            actor: None,
            target: Some("u"),
            org: None,
            ip: Some("192.0.2.1"),
            detail,
        }
    }

    #[test]
    fn every_field_and_the_link_count() {
        let base = chain_hash("", &record("{}"));
        assert_eq!(base.len(), 64);
        assert_eq!(base, chain_hash("", &record("{}")), "deterministic");
        assert_ne!(base, chain_hash("x", &record("{}")));
        assert_ne!(base, chain_hash("", &record("{\"a\":1}")));
        assert_ne!(base, chain_hash("", &AuditContent { at: 2, ..record("{}") }));
        assert_ne!(
            base,
            chain_hash(
                "",
                &AuditContent {
                    ip: None,
                    ..record("{}")
                }
            )
        );
        // A field's text cannot spill into the next one.
        let a = AuditContent {
            actor: Some("a\",\"b"),
            target: None,
            ..record("{}")
        };
        let b = AuditContent {
            actor: Some("a"),
            target: Some("b"),
            ..record("{}")
        };
        assert_ne!(chain_hash("", &a), chain_hash("", &b));
    }
}
