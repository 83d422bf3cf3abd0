//! The readable API documentation at `/api/v1/docs`, rendered once from the OpenAPI document
//! (so it cannot drift from the routes) and the error-message catalogue.

use kernel::Lang;
use serde_json::Value;
use std::fmt::Write;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn schema_name(v: &Value) -> String {
    if let Some(r) = v.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("<a href=\"#schema-{0}\">{0}</a>", esc(name));
    }
    if v.get("type").and_then(Value::as_str) == Some("array") {
        return format!("array of {}", schema_name(v.get("items").unwrap_or(&Value::Null)));
    }
    match v.get("type") {
        Some(Value::String(t)) => esc(t),
        Some(Value::Array(ts)) => esc(&ts.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" | ")),
        _ if v.get("oneOf").is_some() || v.get("allOf").is_some() => "object".into(),
        _ => "any".into(),
    }
}

fn body_schema(v: &Value) -> Option<String> {
    let content = v.get("content")?.as_object()?;
    let (media, media_obj) = content.iter().next()?;
    Some(format!(
        "<code>{}</code> {}",
        esc(media),
        schema_name(media_obj.get("schema").unwrap_or(&Value::Null))
    ))
}

/// The whole page.
pub fn render(doc: &Value) -> String {
    let mut html = String::from(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Comptoir API</title><link rel=\"stylesheet\" href=\"/static/app.css\"><main>",
    );
    let info = &doc["info"];
    let _ = write!(
        html,
        "<h1>{} <small>v{}</small></h1><p>{}</p><p>Machine-readable: <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>. \
         Example: <code>curl -H 'Authorization: Bearer cpt_…' {{host}}/api/v1/account</code></p>",
        esc(info["title"].as_str().unwrap_or("API")),
        esc(info["version"].as_str().unwrap_or("")),
        esc(info["description"].as_str().unwrap_or(""))
    );

    // Endpoints grouped by tag, in path order.
    let mut rows: Vec<(String, String, String, &Value)> = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for (method, op) in item.as_object().into_iter().flatten() {
                let tag = op["tags"][0].as_str().unwrap_or("other").to_string();
                rows.push((tag, path.clone(), method.to_uppercase(), op));
            }
        }
    }
    rows.sort_by(|a, b| (&a.0, &a.1, &a.2).cmp(&(&b.0, &b.1, &b.2)));
    html.push_str("<h2>Endpoints</h2>");
    let mut current_tag = String::new();
    for (tag, path, method, op) in &rows {
        if *tag != current_tag {
            if !current_tag.is_empty() {
                html.push_str("</tbody></table>");
            }
            let _ = write!(
                html,
                "<h3 id=\"tag-{0}\">{0}</h3><table><thead><tr><th scope=\"col\">Route</th><th scope=\"col\">What it does</th>\
                 <th scope=\"col\">Request</th><th scope=\"col\">Responses</th></tr></thead><tbody>",
                esc(tag)
            );
            current_tag = tag.clone();
        }
        // Without a doc comment the operation id (the handler's name) says what it does.
        let summary = op["summary"]
            .as_str()
            .or(op["description"].as_str())
            .map(str::to_string)
            .unwrap_or_else(|| op["operationId"].as_str().unwrap_or("").replace('_', " "));
        let auth = if op.get("security").is_some() {
            " <span class=\"badge\">Bearer</span>"
        } else {
            ""
        };
        let mut request = String::new();
        for p in op["parameters"].as_array().into_iter().flatten() {
            let _ = write!(
                request,
                "<code>{}</code> ({}) ",
                esc(p["name"].as_str().unwrap_or("")),
                esc(p["in"].as_str().unwrap_or(""))
            );
        }
        if let Some(b) = op.get("requestBody").and_then(body_schema) {
            request.push_str(&b);
        }
        let mut responses = String::new();
        for (status, r) in op["responses"].as_object().into_iter().flatten() {
            let _ = write!(
                responses,
                "<b>{}</b> {}<br>",
                esc(status),
                body_schema(r).unwrap_or_default()
            );
        }
        let _ = write!(
            html,
            "<tr><td><code>{method} {}</code>{auth}</td><td>{}</td><td>{request}</td><td>{responses}</td></tr>",
            esc(path),
            esc(&summary)
        );
    }
    if !current_tag.is_empty() {
        html.push_str("</tbody></table>");
    }

    // Schemas with their fields.
    html.push_str("<h2>Schemas</h2>");
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            let _ = write!(html, "<h3 id=\"schema-{0}\">{0}</h3>", esc(name));
            if let Some(d) = schema["description"].as_str() {
                let _ = write!(html, "<p>{}</p>", esc(d));
            }
            let required: Vec<&str> = schema["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            if let Some(props) = schema["properties"].as_object() {
                html.push_str("<table><tbody>");
                for (field, p) in props {
                    let _ = write!(
                        html,
                        "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>",
                        esc(field),
                        if required.contains(&field.as_str()) {
                            ""
                        } else {
                            " <small>optional</small>"
                        },
                        schema_name(p),
                        esc(p["description"].as_str().unwrap_or(""))
                    );
                }
                html.push_str("</tbody></table>");
            }
        }
    }

    // Error codes: the stable `code` of problem documents, with their messages.
    html.push_str(
        "<h2 id=\"errors\">Error codes</h2><p>Errors are RFC 9457 problem documents \
         (<code>application/problem+json</code>) with <code>type</code>, <code>title</code>, <code>status</code>, \
         <code>detail</code> (in the caller's language), a stable <code>code</code>, the offending <code>field</code> \
         and every refused field in <code>errors</code>.</p><table><thead><tr><th scope=\"col\">code</th>\
         <th scope=\"col\">English</th><th scope=\"col\">Français</th></tr></thead><tbody>",
    );
    let mut codes: Vec<&str> = crate::i18n::keys().filter(|k| !k.contains('.')).collect();
    codes.sort_unstable();
    for code in codes {
        let _ = write!(
            html,
            "<tr id=\"error-{0}\"><td><code>{0}</code></td><td>{1}</td><td>{2}</td></tr>",
            esc(code),
            esc(crate::i18n::message(Lang::En, code)),
            esc(crate::i18n::message(Lang::Fr, code))
        );
    }
    html.push_str("</tbody></table></main></html>");
    html
}

#[cfg(test)]
mod tests {
    #[test]
    fn documents_every_route_and_error_code() {
        let html = super::render(&crate::api::openapi());
        assert!(html.contains("<code>GET /api/v1/account</code>"));
        assert!(html.contains("<code>POST /api/v1/operator/clocks/{id}/advance</code>"));
        assert!(html.contains("id=\"error-siren_checksum\""));
        assert!(html.contains("id=\"schema-AccountBody\""));
    }
}
