//! Server-rendered pages with minijinja; templates are compiled into the binary.

use axum::response::Html;
use kernel::Lang;
use minijinja::{Environment, State, Value};

/// Every page template. A new page adds one line here.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("message.html", include_str!("../templates/message.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("signup.html", include_str!("../templates/signup.html")),
    ("dashboard.html", include_str!("../templates/dashboard.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("grants_table.html", include_str!("../templates/grants_table.html")),
    (
        "forgot_password.html",
        include_str!("../templates/forgot_password.html"),
    ),
    ("reset_password.html", include_str!("../templates/reset_password.html")),
    (
        "invitation_accept.html",
        include_str!("../templates/invitation_accept.html"),
    ),
    ("terms.html", include_str!("../templates/terms.html")),
    ("terms_accept.html", include_str!("../templates/terms_accept.html")),
    ("api_keys.html", include_str!("../templates/api_keys.html")),
    ("users.html", include_str!("../templates/users.html")),
    ("company.html", include_str!("../templates/company.html")),
    ("audit.html", include_str!("../templates/audit.html")),
    ("support.html", include_str!("../templates/support.html")),
    ("op_accounts.html", include_str!("../templates/op_accounts.html")),
    ("op_account.html", include_str!("../templates/op_account.html")),
    ("op_support.html", include_str!("../templates/op_support.html")),
    ("op_outbox.html", include_str!("../templates/op_outbox.html")),
    ("op_email.html", include_str!("../templates/op_email.html")),
    ("op_clocks.html", include_str!("../templates/op_clocks.html")),
    ("op_offers.html", include_str!("../templates/op_offers.html")),
    ("op_codes.html", include_str!("../templates/op_codes.html")),
    ("pager.html", include_str!("../templates/pager.html")),
    ("op_offer.html", include_str!("../templates/op_offer.html")),
    ("subscriptions.html", include_str!("../templates/subscriptions.html")),
    ("invoices.html", include_str!("../templates/invoices.html")),
    ("invoice.html", include_str!("../templates/invoice.html")),
    ("op_invoices.html", include_str!("../templates/op_invoices.html")),
    (
        "op_subscriptions.html",
        include_str!("../templates/op_subscriptions.html"),
    ),
    ("offer_plans.html", include_str!("../templates/offer_plans.html")),
    ("op_terms.html", include_str!("../templates/op_terms.html")),
    ("op_jobs.html", include_str!("../templates/op_jobs.html")),
    (
        "op_price_changes.html",
        include_str!("../templates/op_price_changes.html"),
    ),
    ("contracts.html", include_str!("../templates/contracts.html")),
    ("monitor.html", include_str!("../templates/monitor.html")),
    ("monitor_site.html", include_str!("../templates/monitor_site.html")),
    ("monitor_url.html", include_str!("../templates/monitor_url.html")),
    ("monitor_alerts.html", include_str!("../templates/monitor_alerts.html")),
    (
        "monitor_settings.html",
        include_str!("../templates/monitor_settings.html"),
    ),
    ("monitor_export.html", include_str!("../templates/monitor_export.html")),
    ("bot.html", include_str!("../templates/bot.html")),
    ("contract.html", include_str!("../templates/contract.html")),
    ("contract_form.html", include_str!("../templates/contract_form.html")),
    (
        "contracts_dashboard.html",
        include_str!("../templates/contracts_dashboard.html"),
    ),
    (
        "contracts_import.html",
        include_str!("../templates/contracts_import.html"),
    ),
    (
        "contracts_assist.html",
        include_str!("../templates/contracts_assist.html"),
    ),
    (
        "contracts_settings.html",
        include_str!("../templates/contracts_settings.html"),
    ),
];

pub struct Views {
    env: Environment<'static>,
}

impl Default for Views {
    fn default() -> Self {
        Self::new()
    }
}

/// `t("key")`: the message in the page's language (the `lang` variable of the context).
fn translate(state: &State, key: &str) -> String {
    let lang = state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Lang::from_code))
        .unwrap_or_default();
    crate::i18n::message(lang, key).to_string()
}

/// `when(ts)`: an instant in Paris time, for people.
fn when(state: &State, value: Value) -> String {
    let lang = state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Lang::from_code))
        .unwrap_or_default();
    match value.as_str().and_then(|s| s.parse::<jiff::Timestamp>().ok()) {
        Some(t) => app::human_time(t, lang),
        None => String::new(),
    }
}

/// `when_short(ts)`: an instant in Paris time for tables (`04/12/2026 07:03`).
fn when_short(state: &State, value: Value) -> String {
    let lang = state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Lang::from_code))
        .unwrap_or_default();
    match value.as_str().and_then(|s| s.parse::<jiff::Timestamp>().ok()) {
        Some(t) => {
            let zoned = t.to_zoned(kernel::clock::paris());
            match lang {
                Lang::Fr => zoned.strftime("%d/%m/%Y %H:%M").to_string(),
                Lang::En => zoned.strftime("%Y-%m-%d %H:%M").to_string(),
            }
        }
        None => String::new(),
    }
}

impl Views {
    pub fn new() -> Views {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            if let Err(e) = env.add_template(name, source) {
                tracing::error!(template = name, error = %e, "template does not compile");
            }
        }
        env.add_function("t", translate);
        env.add_filter("when", when);
        env.add_filter("when_short", when_short);
        Views { env }
    }

    /// Renders a page; a template error is logged and shown as a plain error page.
    pub fn render(&self, name: &str, ctx: Value) -> Html<String> {
        match self.env.get_template(name).and_then(|t| t.render(ctx)) {
            Ok(html) => Html(html),
            Err(e) => {
                tracing::error!(template = name, error = %format!("{e:#}"), "template render failed");
                Html("<!doctype html><title>Error</title><p>Internal error.</p>".to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    /// Every literal `t("key")` / `t('key')` of every template exists in the catalogue.
    #[test]
    fn every_template_key_is_in_the_catalogue() {
        let known: std::collections::HashSet<&str> = crate::i18n::keys().collect();
        let mut missing = Vec::new();
        for (name, source) in TEMPLATES {
            for quote in ['"', '\''] {
                let open = format!("t({quote}");
                let mut rest = *source;
                while let Some(i) = rest.find(&open) {
                    let preceded = source.len() - rest.len() + i;
                    rest = &rest[i + open.len()..];
                    // `t(` must start a call, not end another name (`set(`, `list(`…).
                    let prev = source[..preceded].chars().last();
                    if prev.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        continue;
                    }
                    let Some(end) = rest.find(quote) else { break };
                    let key = &rest[..end];
                    if rest[end + 1..].starts_with(')') && !known.contains(key) {
                        missing.push(format!("{name}: {key}"));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "keys missing from messages.toml: {missing:?}");
    }
}
