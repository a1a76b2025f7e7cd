//! `/api/v1/audit`: the audit log, for staff.
use actix_web::{get, web};
use serde::Deserialize;

use super::{openapi, Items};
use crate::domain::AuditId;
use crate::http::auth::Staff;
use crate::http::{AppError, AppState};
use crate::services::audit::{self, AuditEntry, Query};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filter {
    object_type: Option<String>,
    object_id: Option<i64>,
    before: Option<i64>,
    limit: Option<i64>,
}

#[utoipa::path(
    operation_id = "list_audit",
    tag = "audit",
    summary = "The audit log, newest first (staff)",
    params(Filter),
    responses(
        (status = 200, description = "Audit entries", body = Items<AuditEntry>),
        (status = 403, response = openapi::Forbidden),
        (status = 422, response = openapi::Unprocessable),
    )
)]
#[get("/audit")]
pub async fn list(
    state: web::Data<AppState>,
    Staff(user): Staff,
    filter: web::Query<Filter>,
) -> Result<web::Json<Items<AuditEntry>>, AppError> {
    let (by, f) = (user.by(), filter.into_inner());
    let items = state
        .db(move |c| {
            let query = Query {
                object_type: f.object_type.as_deref(),
                object_id: f.object_id,
                before: f.before.map(AuditId::new),
                limit: f.limit.unwrap_or(100),
            };
            audit::list(c, &by, &query)
        })
        .await?;
    Ok(web::Json(Items { items }))
}
