//! The errors of the use cases, each with a stable code.

use kernel::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// One or more fields were refused; nothing was written.
    #[error(transparent)]
    Invalid(#[from] FieldErrors),
    /// A value clashes with an existing one (an email already registered).
    #[error("conflict on {field}: {code}")]
    Conflict { field: &'static str, code: &'static str },
    /// Missing or wrong credentials.
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    /// Authenticated, but this is not allowed.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// Not found, or belongs to another account: the two are indistinguishable on purpose.
    #[error("not found")]
    NotFound,
    /// The terms in force must be accepted before going on.
    #[error("the terms in force must be accepted first")]
    TermsAcceptanceRequired,
    /// A single-use token was expired, already used or unknown.
    #[error("token {0}")]
    Token(&'static str),
    /// Beyond what the account's subscriptions allow (DGT-LICENCE-SCOPE, OSX-PACKS).
    #[error("limit of {limit} reached for {key}")]
    Limit {
        field: &'static str,
        key: String,
        limit: u64,
    },
    /// An offer file broke the format's rules; each problem names its file, line and field.
    #[error("invalid offer file: {0}")]
    InvalidOffer(billing::OfferErrors),
    #[error("store: {0}")]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl AppError {
    /// The stable code clients can rely on.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid(e) => e.first().map(|f| f.code).unwrap_or("invalid_input"),
            AppError::Conflict { code, .. } => code,
            AppError::Unauthorized(code) | AppError::Forbidden(code) => code,
            AppError::NotFound => "not_found",
            AppError::TermsAcceptanceRequired => "terms_acceptance_required",
            AppError::InvalidOffer(_) => "offer_invalid",
            AppError::Limit { .. } => "limit_reached",
            AppError::Token(code) => code,
            AppError::Store(_) | AppError::Unexpected(_) => "internal_error",
        }
    }
}

impl From<jobs::JobError> for AppError {
    fn from(e: jobs::JobError) -> Self {
        match e {
            jobs::JobError::UnknownClock(_) => AppError::NotFound,
            jobs::JobError::ClockBackwards { .. } => AppError::Invalid(FieldErrors::single("to", "clock_backwards")),
            jobs::JobError::Store(s) => AppError::Store(s),
        }
    }
}

impl From<store::jobs::EnqueueError> for AppError {
    fn from(e: store::jobs::EnqueueError) -> Self {
        match e {
            store::jobs::EnqueueError::Duplicate(_) => AppError::Conflict {
                field: "unique_key",
                code: "duplicate_job",
            },
            store::jobs::EnqueueError::Store(s) => AppError::Store(s),
        }
    }
}

impl From<mail::MailError> for AppError {
    fn from(e: mail::MailError) -> Self {
        AppError::Unexpected(anyhow::anyhow!(e))
    }
}
