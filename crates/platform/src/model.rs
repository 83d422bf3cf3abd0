//! The platform's records as the rest of the system sees them.

use crate::access::GrantKind;
use crate::roles::{AccountStatus, Role, UserStatus};
use jiff::Timestamp;
use kernel::{AccessGrantId, AccountId, ApiKeyId, ClockId, InvitationId, Lang, TermsVersionId, UserId};
use serde::Serialize;

/// A customer company (the holder).
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub id: AccountId,
    pub legal_name: String,
    pub siren: String,
    pub vat_number: Option<String>,
    pub address_line: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    pub status: AccountStatus,
    pub ended_at: Option<Timestamp>,
    pub ended_reason: Option<String>,
    /// The account refused to be listed as a reference (OSX-REFERENCE-OPTOUT).
    pub reference_optout: bool,
    /// A sandbox account runs on this test clock instead of the system clock.
    pub clock_id: Option<ClockId>,
    pub terms_version_id: Option<TermsVersionId>,
    pub terms_accepted_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// A person with a login.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: UserId,
    /// `None` for operator staff, who belong to no customer account.
    pub account_id: Option<AccountId>,
    pub email: String,
    pub name: String,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub role: Role,
    pub lang: Lang,
    pub status: UserStatus,
    pub email_verified_at: Option<Timestamp>,
    #[serde(skip)]
    pub failed_logins: i64,
    #[serde(skip)]
    pub locked_until: Option<Timestamp>,
    pub last_login_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// An API key as listed: never its secret.
#[derive(Debug, Clone, Serialize)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub account_id: Option<AccountId>,
    pub user_id: UserId,
    pub name: String,
    pub prefix: String,
    #[serde(skip)]
    pub secret_hash: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Invitation {
    pub id: InvitationId,
    pub account_id: AccountId,
    pub email: String,
    pub role: Role,
    pub invited_by: UserId,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub accepted_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccessGrant {
    pub id: AccessGrantId,
    pub account_id: AccountId,
    pub kind: GrantKind,
    pub granted_by: UserId,
    pub reason: Option<String>,
    pub legal_reference: Option<String>,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub revoked_by: Option<UserId>,
}

impl AccessGrant {
    pub fn is_active(&self, now: Timestamp) -> bool {
        crate::access::Grant {
            kind: self.kind,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            revoked_at: self.revoked_at,
        }
        .is_active(now)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TermsVersion {
    pub id: TermsVersionId,
    pub version: String,
    pub body_md: String,
    pub effective_at: Timestamp,
    pub published_at: Timestamp,
}
