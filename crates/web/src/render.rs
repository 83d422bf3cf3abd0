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
}
