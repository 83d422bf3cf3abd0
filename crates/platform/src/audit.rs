//! The audit trail (CLX-TRACE-ALL): every mutating action, append-only, chained by hash.
//!
//! Each account has its own chain, and the platform one more (`platform`) for operator actions
//! that concern no single account. An entry's hash covers the previous entry's hash, so a removed,
//! reordered or edited entry breaks the chain at that point.
//!
//! Entries hold ids only. The IP address and user agent, which are personal data, are kept beside
//! the entry but outside the hash: the hash covers their digest instead, so erasing them (a
//! rights request) leaves the chain verifiable.

use jiff::Timestamp;
use sha2::{Digest, Sha256};

/// The chain of operator actions that concern no single account.
pub const PLATFORM_CHAIN: &str = "platform";

/// The hash an empty chain starts from.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an entry says, before it is placed in its chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFacts {
    pub account_id: Option<String>,
    pub actor_id: Option<String>,
    /// `user`, `api_key`, `operator`, `system` or `cli`.
    pub actor_kind: &'static str,
    /// A stable dotted code: `user.invite`, `api_key.revoke`, `support_access.use`.
    pub action: String,
    pub target_type: Option<&'static str>,
    pub target_id: Option<String>,
    pub at: Timestamp,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// An entry as stored: its place in the chain and the hashes that tie it there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedEntry {
    pub chain: String,
    pub seq: i64,
    pub account_id: Option<String>,
    pub actor_id: Option<String>,
    pub actor_kind: String,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub at_micros: i64,
    pub context_digest: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The digest of the erasable context (IP and user agent).
pub fn context_digest(ip: Option<&str>, user_agent: Option<&str>) -> String {
    let mut h = Sha256::new();
    feed(&mut h, ip.unwrap_or(""));
    feed(&mut h, user_agent.unwrap_or(""));
    hex::encode(h.finalize())
}

// Length-prefixed fields: no value can be crafted to collide with a different split of fields.
fn feed(h: &mut Sha256, value: &str) {
    h.update((value.len() as u64).to_be_bytes());
    h.update(value.as_bytes());
}

impl ChainedEntry {
    /// Places the facts after the chain's head (`prev_seq`, `prev_hash`).
    pub fn append(chain: &str, prev_seq: i64, prev_hash: &str, facts: AuditFacts) -> ChainedEntry {
        let mut entry = ChainedEntry {
            chain: chain.to_string(),
            seq: prev_seq + 1,
            context_digest: context_digest(facts.ip.as_deref(), facts.user_agent.as_deref()),
            account_id: facts.account_id,
            actor_id: facts.actor_id,
            actor_kind: facts.actor_kind.to_string(),
            action: facts.action,
            target_type: facts.target_type.map(str::to_string),
            target_id: facts.target_id,
            at_micros: kernel::clock::to_micros(facts.at),
            ip: facts.ip,
            user_agent: facts.user_agent,
            prev_hash: prev_hash.to_string(),
            hash: String::new(),
        };
        entry.hash = entry.compute_hash();
        entry
    }

    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        for field in [
            self.chain.as_str(),
            &self.seq.to_string(),
            self.account_id.as_deref().unwrap_or(""),
            self.actor_id.as_deref().unwrap_or(""),
            &self.actor_kind,
            &self.action,
            self.target_type.as_deref().unwrap_or(""),
            self.target_id.as_deref().unwrap_or(""),
            &self.at_micros.to_string(),
            &self.context_digest,
            &self.prev_hash,
        ] {
            feed(&mut h, field);
        }
        hex::encode(h.finalize())
    }
}

/// Where and why a chain failed verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("chain {chain}: entry {seq} expected sequence {expected}")]
    Gap { chain: String, seq: i64, expected: i64 },
    #[error("chain {chain}: entry {seq} does not follow the previous entry's hash")]
    Link { chain: String, seq: i64 },
    #[error("chain {chain}: entry {seq} was altered (hash mismatch)")]
    Altered { chain: String, seq: i64 },
    #[error("chain {chain}: entry {seq} context does not match its digest")]
    Context { chain: String, seq: i64 },
}

/// Checks a chain entry by entry, so long chains verify in batches without loading them whole.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            expected_seq: 1,
            prev_hash: GENESIS_HASH.to_string(),
        }
    }
}

impl ChainVerifier {
    pub fn push(&mut self, e: &ChainedEntry) -> Result<(), ChainBreak> {
        if e.seq != self.expected_seq {
            return Err(ChainBreak::Gap {
                chain: e.chain.clone(),
                seq: e.seq,
                expected: self.expected_seq,
            });
        }
        if e.prev_hash != self.prev_hash {
            return Err(ChainBreak::Link {
                chain: e.chain.clone(),
                seq: e.seq,
            });
        }
        if e.compute_hash() != e.hash {
            return Err(ChainBreak::Altered {
                chain: e.chain.clone(),
                seq: e.seq,
            });
        }
        // Erased context (both absent) is fine; a present one must still match its digest.
        if (e.ip.is_some() || e.user_agent.is_some())
            && context_digest(e.ip.as_deref(), e.user_agent.as_deref()) != e.context_digest
        {
            return Err(ChainBreak::Context {
                chain: e.chain.clone(),
                seq: e.seq,
            });
        }
        self.prev_hash = e.hash.clone();
        self.expected_seq += 1;
        Ok(())
    }

    /// How many entries were checked.
    pub fn count(&self) -> u64 {
        (self.expected_seq - 1) as u64
    }

    pub fn last_seq(&self) -> i64 {
        self.expected_seq - 1
    }

    pub fn last_hash(&self) -> &str {
        &self.prev_hash
    }
}

/// Verifies one chain given in sequence order; returns the number of entries checked.
pub fn verify_chain<'a>(entries: impl IntoIterator<Item = &'a ChainedEntry>) -> Result<u64, ChainBreak> {
    let mut v = ChainVerifier::default();
    for e in entries {
        v.push(e)?;
    }
    Ok(v.count())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(action: &str) -> AuditFacts {
        AuditFacts {
            account_id: Some("acc".into()),
            actor_id: Some("user".into()),
            actor_kind: "user",
            action: action.into(),
            target_type: Some("user"),
            target_id: Some("target".into()),
            at: "2026-01-01T00:00:00Z".parse().unwrap(),
            ip: Some("192.0.2.1".into()),
            user_agent: Some("test".into()),
        }
    }

    fn chain(n: usize) -> Vec<ChainedEntry> {
        let mut out: Vec<ChainedEntry> = Vec::new();
        for i in 0..n {
            let (seq, hash) = out
                .last()
                .map(|e| (e.seq, e.hash.clone()))
                .unwrap_or((0, GENESIS_HASH.into()));
            out.push(ChainedEntry::append("acc", seq, &hash, facts(&format!("a.{i}"))));
        }
        out
    }

    // clause: CLX-TRACE-ALL
    #[test]
    fn tampering_is_detected_and_erasure_is_not() {
        let mut c = chain(5);
        assert_eq!(verify_chain(&c), Ok(5));

        // Erasing personal context keeps the chain valid.
        c[2].ip = None;
        c[2].user_agent = None;
        assert_eq!(verify_chain(&c), Ok(5));

        let mut altered = c.clone();
        altered[1].action = "user.delete".into();
        assert_eq!(
            verify_chain(&altered),
            Err(ChainBreak::Altered {
                chain: "acc".into(),
                seq: 2
            })
        );

        let mut removed = c.clone();
        removed.remove(3);
        assert!(matches!(verify_chain(&removed), Err(ChainBreak::Gap { seq: 5, .. })));

        let mut spoofed = c.clone();
        spoofed[4].ip = Some("198.51.100.7".into());
        assert!(matches!(
            verify_chain(&spoofed),
            Err(ChainBreak::Context { seq: 5, .. })
        ));
    }
}
