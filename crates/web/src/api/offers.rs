//! The offer catalogue: every user reads it; operator staff load offer files into it.

use super::{ApiJson, created, e, ok};
use crate::WebState;
use crate::auth::{ApiUser, Client};
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list_offers))
        .routes(routes!(get_offer))
        .routes(routes!(load_offer))
}

/// An offer of the catalogue, its latest version.
#[derive(Serialize, ToSchema)]
pub struct OfferBody {
    /// The offer's identifier (`oseox`).
    key: String,
    version: u32,
    name: String,
    loaded_at: String,
    /// The whole offer as checked: plans (prices in cents), quotas, term, notice, payment…
    /// The format is documented in `docs/offers.md`.
    #[schema(value_type = Object)]
    offer: serde_json::Value,
}

impl From<&app::offers::CatalogueOffer> for OfferBody {
    fn from(o: &app::offers::CatalogueOffer) -> OfferBody {
        OfferBody {
            key: o.stored.offer_key.clone(),
            version: o.stored.version,
            name: o.stored.name.clone(),
            loaded_at: o.stored.loaded_at.to_string(),
            offer: serde_json::to_value(&*o.offer).unwrap_or_default(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/offers", tag = "offers", security(("bearer" = [])),
    responses((status = 200, body = Vec<OfferBody>), (status = 401, body = crate::error::Problem)))]
async fn list_offers(State(s): State<WebState>, ApiUser(p): ApiUser) -> Result<Response, ApiError> {
    let list = s.app.catalogue().await.map_err(e(p.user.lang))?;
    Ok(ok(list.iter().map(OfferBody::from).collect::<Vec<_>>()))
}

#[utoipa::path(get, path = "/api/v1/offers/{key}", tag = "offers", security(("bearer" = [])), params(("key" = String, Path)),
    responses((status = 200, body = OfferBody), (status = 404, body = crate::error::Problem)))]
async fn get_offer(
    State(s): State<WebState>,
    ApiUser(p): ApiUser,
    Path(key): Path<String>,
) -> Result<Response, ApiError> {
    let list = s.app.catalogue().await.map_err(e(p.user.lang))?;
    let offer = list
        .iter()
        .find(|o| o.stored.offer_key == key)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", None, p.user.lang))?;
    Ok(ok(OfferBody::from(offer)))
}

#[derive(Deserialize, ToSchema)]
pub struct LoadOffer {
    /// A name for error messages and the catalogue (`offers/acme.toml`).
    file_name: Option<String>,
    /// The offer file's TOML text.
    source: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoadedOffer {
    key: String,
    version: u32,
    /// False when the same text was already loaded under this version.
    added: bool,
}

#[utoipa::path(post, path = "/api/v1/operator/offers", tag = "operator", security(("bearer" = [])), request_body = LoadOffer,
    responses((status = 201, body = LoadedOffer), (status = 200, body = LoadedOffer), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn load_offer(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    ApiJson(body): ApiJson<LoadOffer>,
) -> Result<Response, ApiError> {
    let lang = super::operator::operator(&p)?;
    let name = body.file_name.unwrap_or_else(|| "offer.toml".into());
    let (stored, loaded) = s
        .app
        .load_offer(&name, &body.source, &client.actor(&p))
        .await
        .map_err(e(lang))?;
    let out = LoadedOffer {
        key: stored.offer_key,
        version: stored.version,
        added: loaded == app::offers::Loaded::Added,
    };
    Ok(if out.added { created(out) } else { ok(out) })
}
