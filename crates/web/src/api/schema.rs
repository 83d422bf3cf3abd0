//! The API's response bodies, documented in the OpenAPI document.

use platform::audit::ChainedEntry;
use platform::model::{AccessGrant, Account, ApiKey, Invitation, TermsVersion, User};
use serde::Serialize;
use utoipa::ToSchema;

fn ts(t: jiff::Timestamp) -> String {
    t.to_string()
}

fn ts_opt(t: Option<jiff::Timestamp>) -> Option<String> {
    t.map(ts)
}

#[derive(Serialize, ToSchema)]
pub struct AccountBody {
    pub id: String,
    pub legal_name: String,
    pub siren: String,
    pub vat_number: Option<String>,
    pub address_line: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    /// `active` or `ended`.
    pub status: String,
    pub ended_at: Option<String>,
    pub reference_optout: bool,
    pub sandbox_clock_id: Option<String>,
    pub terms_version_id: Option<String>,
    pub terms_accepted_at: Option<String>,
    pub created_at: String,
}

impl From<&Account> for AccountBody {
    fn from(a: &Account) -> Self {
        AccountBody {
            id: a.id.to_string(),
            legal_name: a.legal_name.clone(),
            siren: a.siren.clone(),
            vat_number: a.vat_number.clone(),
            address_line: a.address_line.clone(),
            postal_code: a.postal_code.clone(),
            city: a.city.clone(),
            country: a.country.clone(),
            status: a.status.as_str().to_string(),
            ended_at: ts_opt(a.ended_at),
            reference_optout: a.reference_optout,
            sandbox_clock_id: a.clock_id.map(|c| c.to_string()),
            terms_version_id: a.terms_version_id.map(|t| t.to_string()),
            terms_accepted_at: ts_opt(a.terms_accepted_at),
            created_at: ts(a.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UserBody {
    pub id: String,
    pub account_id: Option<String>,
    pub email: String,
    pub name: String,
    /// `operator`, `admin` or `member`.
    pub role: String,
    pub lang: String,
    /// `active` or `disabled`.
    pub status: String,
    pub email_verified: bool,
    pub last_login_at: Option<String>,
    pub created_at: String,
}

impl From<&User> for UserBody {
    fn from(u: &User) -> Self {
        UserBody {
            id: u.id.to_string(),
            account_id: u.account_id.map(|a| a.to_string()),
            email: u.email.clone(),
            name: u.name.clone(),
            role: u.role.as_str().to_string(),
            lang: u.lang.code().to_string(),
            status: u.status.as_str().to_string(),
            email_verified: u.email_verified_at.is_some(),
            last_login_at: ts_opt(u.last_login_at),
            created_at: ts(u.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ApiKeyBody {
    pub id: String,
    pub name: String,
    /// The eight characters after `cpt_` that identify the key.
    pub prefix: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl From<&ApiKey> for ApiKeyBody {
    fn from(k: &ApiKey) -> Self {
        ApiKeyBody {
            id: k.id.to_string(),
            name: k.name.clone(),
            prefix: k.prefix.clone(),
            created_at: ts(k.created_at),
            last_used_at: ts_opt(k.last_used_at),
            revoked_at: ts_opt(k.revoked_at),
        }
    }
}

/// A new key: `token` is shown this once and never again.
#[derive(Serialize, ToSchema)]
pub struct NewApiKeyBody {
    #[serde(flatten)]
    pub key: ApiKeyBody,
    pub token: String,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationBody {
    pub id: String,
    pub email: String,
    pub role: String,
    pub created_at: String,
    pub expires_at: String,
}

impl From<&Invitation> for InvitationBody {
    fn from(i: &Invitation) -> Self {
        InvitationBody {
            id: i.id.to_string(),
            email: i.email.clone(),
            role: i.role.as_str().to_string(),
            created_at: ts(i.created_at),
            expires_at: ts(i.expires_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct GrantBody {
    pub id: String,
    /// `support` (given by the customer) or `break_glass` (official request).
    pub kind: String,
    pub reason: Option<String>,
    pub legal_reference: Option<String>,
    pub starts_at: String,
    pub ends_at: String,
    pub revoked_at: Option<String>,
}

impl From<&AccessGrant> for GrantBody {
    fn from(g: &AccessGrant) -> Self {
        GrantBody {
            id: g.id.to_string(),
            kind: g.kind.as_str().to_string(),
            reason: g.reason.clone(),
            legal_reference: g.legal_reference.clone(),
            starts_at: ts(g.starts_at),
            ends_at: ts(g.ends_at),
            revoked_at: ts_opt(g.revoked_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TermsBody {
    pub id: String,
    pub version: String,
    pub body_md: String,
    pub effective_at: String,
    pub published_at: String,
}

impl From<&TermsVersion> for TermsBody {
    fn from(t: &TermsVersion) -> Self {
        TermsBody {
            id: t.id.to_string(),
            version: t.version.clone(),
            body_md: t.body_md.clone(),
            effective_at: ts(t.effective_at),
            published_at: ts(t.published_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntryBody {
    pub seq: i64,
    pub actor_id: Option<String>,
    pub actor_kind: String,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub at: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub hash: String,
}

impl From<&ChainedEntry> for AuditEntryBody {
    fn from(e: &ChainedEntry) -> Self {
        AuditEntryBody {
            seq: e.seq,
            actor_id: e.actor_id.clone(),
            actor_kind: e.actor_kind.clone(),
            action: e.action.clone(),
            target_type: e.target_type.clone(),
            target_id: e.target_id.clone(),
            at: ts(kernel::clock::from_micros(e.at_micros)),
            ip: e.ip.clone(),
            user_agent: e.user_agent.clone(),
            hash: e.hash.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MeBody {
    pub user: UserBody,
    pub account: Option<AccountBody>,
    /// The terms in force must be accepted (POST /api/v1/terms/accept) before other calls.
    pub terms_acceptance_required: bool,
}
