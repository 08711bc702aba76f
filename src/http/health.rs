//! `GET /healthz`: whether the server and its database answer.

use crate::db;
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{HttpResponse, web};

/// `GET /healthz`: 200 while the database answers.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "The database answers.", body = crate::http::schemas::Health)),
)]
pub async fn healthz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    super::db(&state, |conn| Ok(db::posts::count(conn)?)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ok" })))
}
