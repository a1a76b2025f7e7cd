//! Staff: the machines — list, add, change every field (rates, rules, billing, qualification,
//! category, out of service) — and maintenance in local time, refused where bookings hold it.
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::Duration;
use serde::Deserialize;

use super::{sentence, Flash};
use crate::domain::resources::{RawResource, Resource, ResourceKind};
use crate::domain::{InvalidField, ResourceId};
use crate::http::auth::{CurrentUser, Staff};
use crate::http::csrf::{CsrfForm, CsrfToken};
use crate::http::web::wall_clock::{instant, parse_date, parse_time};
use crate::http::web::{chrome, html, see_other};
use crate::http::{AppError, AppState};
use crate::services::bookings::{self, when};
use crate::services::{now, resources, ServiceError};
use crate::views::pages::staff::machines::{
    self as view, Choices, MachineFields, MachinePage, MachineRow, MachinesPage, MaintenanceFields,
    MaintenanceLine,
};
use crate::views::pages::staff::FormError;

/// How far ahead the machine page lists maintenance.
const MAINTENANCE_DAYS: i64 = 60;

fn notice_for(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "created" => Some("The machine was added."),
        "saved" => Some("The changes were saved."),
        "maintenance" => Some("The maintenance was scheduled; the machine cannot be booked then."),
        _ => None,
    }
}

/// A machine's fields as posted: all text, so that an empty number is "use the default" and a
/// wrong one comes back with a message.
#[derive(Deserialize)]
pub struct MachineForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    category_id: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    rate_member: String,
    #[serde(default)]
    rate_business: String,
    #[serde(default)]
    rate_public: String,
    #[serde(default)]
    slot_minutes: String,
    #[serde(default)]
    min_minutes: String,
    #[serde(default)]
    max_minutes: String,
    #[serde(default)]
    horizon_days: String,
    #[serde(default)]
    notice_minutes: String,
    #[serde(default)]
    buffer_minutes: String,
    #[serde(default)]
    required_qualification_id: String,
    #[serde(default)]
    billing_basis: String,
    #[serde(default)]
    billing_increment_minutes: String,
    #[serde(default)]
    minimum_charge: String,
    /// A checkbox: present when ticked.
    out_of_service: Option<String>,
}

fn number(field: &'static str, text: &str) -> Result<Option<i64>, FormError> {
    match text.trim() {
        "" => Ok(None),
        typed => typed
            .parse()
            .map(Some)
            .map_err(|_| FormError::on(field, format!("'{typed}' is not a whole number."))),
    }
}

fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

/// The field a parser's message is about, so the form can show it there too.
fn field_of(error: &InvalidField) -> FormError {
    const FIELDS: [(&str, &str); 5] = [
        ("the member rate", "rate_member"),
        ("the business rate", "rate_business"),
        ("the public rate", "rate_public"),
        ("the minimum charge", "minimum_charge"),
        ("the machine needs a name", "name"),
    ];
    let message = sentence(&error.0);
    match FIELDS.iter().find(|(start, _)| error.0.starts_with(start)) {
        Some((_, field)) => FormError::on(field, message),
        None => FormError::general(message),
    }
}

impl MachineForm {
    /// The machine these fields describe, through the one parser for machine fields.
    fn parse(&self, id: ResourceId) -> Result<Resource, FormError> {
        let raw = RawResource {
            name: self.name.clone(),
            category_id: number("category_id", &self.category_id)?,
            description: self.description.clone(),
            rate_member: self.rate_member.clone(),
            rate_business: self.rate_business.clone(),
            rate_public: self.rate_public.clone(),
            slot_minutes: number("slot_minutes", &self.slot_minutes)?,
            min_minutes: number("min_minutes", &self.min_minutes)?,
            max_minutes: number("max_minutes", &self.max_minutes)?,
            horizon_days: number("horizon_days", &self.horizon_days)?,
            notice_minutes: number("notice_minutes", &self.notice_minutes)?,
            buffer_minutes: number("buffer_minutes", &self.buffer_minutes)?,
            required_qualification_id: number(
                "required_qualification_id",
                &self.required_qualification_id,
            )?,
            billing_basis: optional(&self.billing_basis),
            billing_increment_minutes: number(
                "billing_increment_minutes",
                &self.billing_increment_minutes,
            )?,
            minimum_charge: optional(&self.minimum_charge),
            out_of_service: self.out_of_service.is_some(),
        };
        Resource::parse_machine(id, &raw).map_err(|e| field_of(&e))
    }

    fn fields(&self) -> MachineFields {
        MachineFields {
            name: self.name.clone(),
            category_id: self.category_id.clone(),
            description: self.description.clone(),
            rate_member: self.rate_member.clone(),
            rate_business: self.rate_business.clone(),
            rate_public: self.rate_public.clone(),
            slot_minutes: self.slot_minutes.clone(),
            min_minutes: self.min_minutes.clone(),
            max_minutes: self.max_minutes.clone(),
            horizon_days: self.horizon_days.clone(),
            notice_minutes: self.notice_minutes.clone(),
            buffer_minutes: self.buffer_minutes.clone(),
            required_qualification_id: self.required_qualification_id.clone(),
            billing_basis: self.billing_basis.clone(),
            billing_increment_minutes: self.billing_increment_minutes.clone(),
            minimum_charge: self.minimum_charge.clone(),
            out_of_service: self.out_of_service.is_some(),
        }
    }
}

/// Category and qualification choices as `(id, name)`.
struct Named {
    categories: Vec<(String, String)>,
    qualifications: Vec<(String, String)>,
}

impl Named {
    fn load(c: &mut crate::db::DbConn) -> Result<Named, ServiceError> {
        Ok(Named {
            categories: resources::categories(c)?
                .into_iter()
                .map(|k| (k.id.to_string(), k.name))
                .collect(),
            qualifications: resources::qualifications(c)?
                .into_iter()
                .map(|q| (q.id.to_string(), q.name))
                .collect(),
        })
    }

    fn choices(&self) -> Choices<'_> {
        Choices {
            categories: &self.categories,
            qualifications: &self.qualifications,
        }
    }
}

pub async fn list(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    let fields = MachineFields::new_machine();
    render_list(&state, &user, &csrf, &fields, None, StatusCode::OK).await
}

async fn render_list(
    state: &AppState,
    user: &CurrentUser,
    csrf: &CsrfToken,
    new: &MachineFields,
    error: Option<&FormError>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (machines, named) = state
        .db(|c| -> Result<_, ServiceError> { Ok((resources::resources(c)?, Named::load(c)?)) })
        .await?;
    let rows: Vec<MachineRow> = machines
        .iter()
        .filter(|m| m.kind == ResourceKind::Machine)
        .map(|machine| MachineRow {
            machine,
            category: machine.category_id.and_then(|id| {
                named
                    .categories
                    .iter()
                    .find(|(k, _)| *k == id.to_string())
                    .map(|(_, name)| name.as_str())
            }),
        })
        .collect();
    let data = MachinesPage {
        machines: &rows,
        choices: named.choices(),
        new,
        error,
    };
    Ok(html(status, view::list(&chrome(Some(user), csrf), &data)))
}

pub async fn create(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<MachineForm>,
) -> Result<HttpResponse, AppError> {
    let error = match form.parse(ResourceId::new(0)) {
        Err(error) => error,
        Ok(machine) => {
            let by = user.by();
            match state
                .db(move |c| resources::create_machine(c, &by, &machine))
                .await
            {
                Ok(created) => {
                    return Ok(see_other(&format!(
                        "/staff/machines/{}?done=created",
                        created.id
                    )))
                }
                Err(AppError::Unprocessable(message)) => FormError::general(message),
                Err(other) => return Err(other),
            }
        }
    };
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    render_list(&state, &user, &csrf, &form.fields(), Some(&error), status).await
}

/// What the machine page shows besides its forms.
struct Loaded {
    machine: Resource,
    named: Named,
    maintenance: Vec<MaintenanceLine>,
}

async fn load(state: &AppState, id: ResourceId) -> Result<Loaded, AppError> {
    let tz = state.tz;
    state
        .db(move |c| -> Result<_, ServiceError> {
            let machine = resources::resource(c, id)?;
            if machine.kind != ResourceKind::Machine {
                return Err(ServiceError::NotFound);
            }
            let from = now();
            let busy =
                bookings::availability(c, tz, id, from, from + Duration::days(MAINTENANCE_DAYS))?
                    .busy;
            let maintenance = busy
                .iter()
                .filter(|span| span.kind.as_deref() == Some("maintenance"))
                .map(|span| MaintenanceLine {
                    when: when(tz, span.starts_at, span.ends_at),
                })
                .collect();
            Ok(Loaded {
                named: Named::load(c)?,
                machine,
                maintenance,
            })
        })
        .await
}

/// The machine page's forms as shown: stored values, or what was typed with its problem.
#[derive(Default)]
struct Shown<'a> {
    fields: Option<MachineFields>,
    maintenance: Option<MaintenanceFields>,
    notice: Option<&'a str>,
    error: Option<&'a FormError>,
    maintenance_error: Option<&'a FormError>,
}

fn render_edit(
    state: &AppState,
    user: &CurrentUser,
    csrf: &CsrfToken,
    loaded: &Loaded,
    shown: Shown<'_>,
    status: StatusCode,
) -> HttpResponse {
    let fields = shown
        .fields
        .unwrap_or_else(|| MachineFields::of(&loaded.machine));
    let maintenance_fields = shown.maintenance.unwrap_or_default();
    let data = MachinePage {
        machine: &loaded.machine,
        fields: &fields,
        choices: loaded.named.choices(),
        maintenance: &loaded.maintenance,
        maintenance_fields: &maintenance_fields,
        notice: shown.notice,
        error: shown.error,
        maintenance_error: shown.maintenance_error,
        tz: state.tz.name(),
    };
    html(status, view::edit(&chrome(Some(user), csrf), &data))
}

pub async fn edit(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<i64>,
    flash: web::Query<Flash>,
) -> Result<HttpResponse, AppError> {
    let loaded = load(&state, ResourceId::new(path.into_inner())).await?;
    let shown = Shown {
        notice: notice_for(flash.done.as_deref()),
        ..Shown::default()
    };
    Ok(render_edit(
        &state,
        &user,
        &csrf,
        &loaded,
        shown,
        StatusCode::OK,
    ))
}

pub async fn update(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<MachineForm>,
) -> Result<HttpResponse, AppError> {
    let id = ResourceId::new(path.into_inner());
    let loaded = load(&state, id).await?;
    let error = match form.parse(id) {
        Err(error) => error,
        Ok(machine) => {
            let by = user.by();
            match state
                .db(move |c| resources::update_machine(c, &by, &machine))
                .await
            {
                Ok(_) => return Ok(see_other(&format!("/staff/machines/{id}?done=saved"))),
                Err(AppError::Unprocessable(message)) => FormError::general(message),
                Err(other) => return Err(other),
            }
        }
    };
    let shown = Shown {
        fields: Some(form.fields()),
        error: Some(&error),
        ..Shown::default()
    };
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(render_edit(&state, &user, &csrf, &loaded, shown, status))
}

#[derive(Deserialize)]
pub struct MaintenanceForm {
    #[serde(default)]
    start_date: String,
    #[serde(default)]
    start_time: String,
    #[serde(default)]
    end_date: String,
    #[serde(default)]
    end_time: String,
    #[serde(default)]
    reason: String,
}

impl MaintenanceForm {
    fn fields(&self) -> MaintenanceFields {
        MaintenanceFields {
            start_date: self.start_date.clone(),
            start_time: self.start_time.clone(),
            end_date: self.end_date.clone(),
            end_time: self.end_time.clone(),
            reason: self.reason.clone(),
        }
    }

    fn interval(
        &self,
        tz: crate::domain::WorkshopTz,
    ) -> Result<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>), FormError> {
        let on = |field: &'static str| move |message: String| FormError::on(field, message);
        let start_date = parse_date(&self.start_date, "From date").map_err(on("start_date"))?;
        let start_time = parse_time(&self.start_time, "From time").map_err(on("start_time"))?;
        let end_date = parse_date(&self.end_date, "Until date").map_err(on("end_date"))?;
        let end_time = parse_time(&self.end_time, "Until time").map_err(on("end_time"))?;
        if self.reason.trim().is_empty() {
            return Err(FormError::on("reason", "Say why the machine is out."));
        }
        Ok((
            instant(tz, start_date, start_time).map_err(on("start_time"))?,
            instant(tz, end_date, end_time).map_err(on("end_time"))?,
        ))
    }
}

pub async fn add_maintenance(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<MaintenanceForm>,
) -> Result<HttpResponse, AppError> {
    let id = ResourceId::new(path.into_inner());
    let loaded = load(&state, id).await?;
    let (status, error) = match form.interval(state.tz) {
        Err(error) => (StatusCode::UNPROCESSABLE_ENTITY, error),
        Ok((start, end)) => {
            let (by, reason) = (user.by(), form.reason.clone());
            match state
                .db(move |c| resources::add_maintenance(c, &by, id, start, end, &reason))
                .await
            {
                Ok(_) => return Ok(see_other(&format!("/staff/machines/{id}?done=maintenance"))),
                Err(AppError::Conflict(message)) => {
                    (StatusCode::CONFLICT, FormError::general(message))
                }
                Err(AppError::Unprocessable(message)) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    FormError::general(message),
                ),
                Err(other) => return Err(other),
            }
        }
    };
    let shown = Shown {
        maintenance: Some(form.fields()),
        maintenance_error: Some(&error),
        ..Shown::default()
    };
    Ok(render_edit(&state, &user, &csrf, &loaded, shown, status))
}
