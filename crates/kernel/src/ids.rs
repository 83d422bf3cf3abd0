//! Typed ids: an `AccountId` can never be passed where a `UserId` is expected.
//!
//! Ids are UUIDv7 (time-ordered, so B-tree inserts stay local) and are stored as text so that
//! SQLite and PostgreSQL share one code path.

/// Declares a typed id wrapping a UUID.
#[macro_export]
macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub uuid::Uuid);

        impl $name {
            /// A new time-ordered id.
            pub fn new() -> Self {
                Self(uuid::Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::ids::InvalidId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(s).map(Self).map_err(|_| $crate::ids::InvalidId)
            }
        }
    };
}

/// A string that is not a valid id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a valid id")]
pub struct InvalidId;

typed_id!(
    /// A customer company (the holder) or the operator's own platform account.
    AccountId
);
typed_id!(
    /// A person with a login: operator staff or a member of an account.
    UserId
);
typed_id!(
    /// An API key belonging to a user.
    ApiKeyId
);
typed_id!(
    /// A published version of the terms of service.
    TermsVersionId
);
typed_id!(
    /// A test clock that sandbox accounts and their jobs run on.
    ClockId
);
typed_id!(
    /// A durable job.
    JobId
);
typed_id!(
    /// An email, queued or sent.
    EmailId
);
typed_id!(
    /// A grant of support or break-glass access to an account.
    AccessGrantId
);
typed_id!(
    /// An invitation of a person to join an account.
    InvitationId
);
typed_id!(
    /// A file an account uploaded (a registry extract, a contract's document).
    FileId
);
typed_id!(
    /// A version of an offer file in the catalogue.
    OfferVersionId
);
typed_id!(
    /// An account's subscription to an offer.
    SubscriptionId
);
typed_id!(
    /// An invoice or a credit note.
    InvoiceId
);
typed_id!(
    /// A price change the operator scheduled for one plan and period of an offer.
    PriceChangeId
);
