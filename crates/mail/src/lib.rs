//! Email: templates in French and English, and delivery over SMTP or into the outbox.
//!
//! Every email is first stored (the outbox table) and then delivered by a job. Without SMTP
//! settings delivery stops there, so a fresh `comptoir serve` shows the operator every email it
//! would have sent.

use kernel::Lang;
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use minijinja::Environment;
use serde::{Deserialize, Serialize};

/// Every template: name, then its French and English sources.
const TEMPLATES: &[(&str, &str, &str)] = &[
    (
        "verify_email",
        include_str!("../templates/verify_email.fr.txt"),
        include_str!("../templates/verify_email.en.txt"),
    ),
    (
        "password_reset",
        include_str!("../templates/password_reset.fr.txt"),
        include_str!("../templates/password_reset.en.txt"),
    ),
    (
        "invitation",
        include_str!("../templates/invitation.fr.txt"),
        include_str!("../templates/invitation.en.txt"),
    ),
    (
        "terms_published",
        include_str!("../templates/terms_published.fr.txt"),
        include_str!("../templates/terms_published.en.txt"),
    ),
    (
        "account_ended",
        include_str!("../templates/account_ended.fr.txt"),
        include_str!("../templates/account_ended.en.txt"),
    ),
    (
        "invoice_issued",
        include_str!("../templates/invoice_issued.fr.txt"),
        include_str!("../templates/invoice_issued.en.txt"),
    ),
    (
        "subscription_activated",
        include_str!("../templates/subscription_activated.fr.txt"),
        include_str!("../templates/subscription_activated.en.txt"),
    ),
    (
        "contract_reminder",
        include_str!("../templates/contract_reminder.fr.txt"),
        include_str!("../templates/contract_reminder.en.txt"),
    ),
    (
        "price_change",
        include_str!("../templates/price_change.fr.txt"),
        include_str!("../templates/price_change.en.txt"),
    ),
    (
        "contract_digest",
        include_str!("../templates/contract_digest.fr.txt"),
        include_str!("../templates/contract_digest.en.txt"),
    ),
    (
        "monitor_alert",
        include_str!("../templates/monitor_alert.fr.txt"),
        include_str!("../templates/monitor_alert.en.txt"),
    ),
    (
        "monitor_data_end",
        include_str!("../templates/monitor_data_end.fr.txt"),
        include_str!("../templates/monitor_data_end.en.txt"),
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("unknown email template {0}")]
    UnknownTemplate(String),
    #[error("template {0} has no Subject line")]
    NoSubject(String),
    #[error("template error: {0}")]
    Template(#[from] minijinja::Error),
    #[error("invalid address {0}")]
    Address(String),
    #[error("SMTP error: {0}")]
    Smtp(String),
}

/// A rendered email, ready to store and send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

/// The compiled templates.
pub struct Templates {
    env: Environment<'static>,
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

impl Templates {
    pub fn new() -> Templates {
        let mut env = Environment::new();
        // Plain-text emails: escaping HTML would turn `&` in a company name into `&amp;`.
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        for (name, fr, en) in TEMPLATES {
            env.add_template_owned(format!("{name}.fr"), *fr).ok();
            env.add_template_owned(format!("{name}.en"), *en).ok();
        }
        Templates { env }
    }

    pub fn names() -> impl Iterator<Item = &'static str> {
        TEMPLATES.iter().map(|(n, _, _)| *n)
    }

    /// Renders `name` in `lang`; the first line of a template is `Subject: …`.
    pub fn render<S: Serialize>(&self, name: &str, lang: Lang, ctx: &S) -> Result<Rendered, MailError> {
        let tmpl = self
            .env
            .get_template(&format!("{name}.{}", lang.code()))
            .map_err(|_| MailError::UnknownTemplate(name.to_string()))?;
        let text = tmpl.render(minijinja::value::Serde(ctx))?;
        let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
        let subject = first
            .strip_prefix("Subject:")
            .ok_or_else(|| MailError::NoSubject(name.to_string()))?;
        Ok(Rendered {
            subject: subject.trim().to_string(),
            body: rest.trim_start_matches('\n').to_string(),
        })
    }
}

/// How SMTP is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection (a relay on localhost).
    None,
    /// Upgrade with STARTTLS (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// SMTP settings; `host` empty means "keep emails in the outbox".
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: String,
    pub password: String,
    pub from: String,
}

/// Where delivered emails go.
#[derive(Clone)]
pub enum Transport {
    /// Kept in the database outbox for the operator to read.
    Outbox,
    Smtp {
        mailer: Box<AsyncSmtpTransport<Tokio1Executor>>,
        from: Box<Mailbox>,
    },
}

impl Transport {
    pub fn from_settings(s: &SmtpSettings) -> Result<Transport, MailError> {
        if s.host.trim().is_empty() {
            return Ok(Transport::Outbox);
        }
        let from_addr = if s.from.is_empty() {
            "Comptoir <no-reply@localhost>"
        } else {
            &s.from
        };
        let from: Mailbox = from_addr
            .parse()
            .map_err(|_| MailError::Address(from_addr.to_string()))?;
        let mut builder = match s.security {
            SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host),
            SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host)
                .map_err(|e| MailError::Smtp(e.to_string()))?,
            SmtpSecurity::Tls => {
                AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host).map_err(|e| MailError::Smtp(e.to_string()))?
            }
        };
        if s.port != 0 {
            builder = builder.port(s.port);
        }
        if !s.username.is_empty() {
            builder = builder.credentials(Credentials::new(s.username.clone(), s.password.clone()));
        }
        Ok(Transport::Smtp {
            mailer: Box::new(builder.build()),
            from: Box::new(from),
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Transport::Outbox => "outbox",
            Transport::Smtp { .. } => "smtp",
        }
    }

    /// Delivers one email. For the outbox there is nothing to do: it is already stored.
    pub async fn deliver(&self, to: &str, subject: &str, body: &str, message_id: &str) -> Result<(), MailError> {
        match self {
            Transport::Outbox => Ok(()),
            Transport::Smtp { mailer, from } => {
                let to: Mailbox = to.parse().map_err(|_| MailError::Address(to.to_string()))?;
                let domain = from.email.domain().to_string();
                let msg = lettre::Message::builder()
                    .from(Mailbox::clone(from))
                    .to(to)
                    .subject(subject)
                    // A stable Message-ID lets receivers drop a duplicate after a retried send.
                    .message_id(Some(format!("<{message_id}@{domain}>")))
                    .header(ContentType::TEXT_PLAIN)
                    .body(body.to_string())
                    .map_err(|e| MailError::Smtp(e.to_string()))?;
                mailer.send(msg).await.map_err(|e| MailError::Smtp(e.to_string()))?;
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_renders_in_both_languages() {
        let t = Templates::new();
        let ctx = serde_json::json!({
            "name": "Claire", "company": "Dupont & Fils", "link": "http://x/y", "expires": "demain",
            "inviter": "Paul", "role": "admin", "version": "2", "effective": "1 mars", "ended": "now", "reason": "r",
            "count": 2, "items": [{"title": "T", "send_by": "1 mars", "days": 3, "explanation": "E", "link": "http://x"}]
        });
        for name in Templates::names() {
            for lang in Lang::ALL {
                let r = t.render(name, lang, &ctx).unwrap();
                assert!(!r.subject.is_empty(), "{name} {lang:?}");
                assert!(!r.body.contains("{{"), "{name} {lang:?}");
            }
        }
        let fr = t.render("verify_email", Lang::Fr, &ctx).unwrap();
        assert!(fr.body.contains("Dupont & Fils"));
        assert!(fr.subject.starts_with("Confirmez"));
        let en = t.render("verify_email", Lang::En, &ctx).unwrap();
        assert!(en.subject.starts_with("Confirm"));
    }
}
