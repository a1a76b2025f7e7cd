//! Staff: machine categories and qualifications — list them and add new ones; a name already in
//! use comes back on the form with 409.
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{sentence, Flash};
use crate::domain::Name;
use crate::http::auth::{CurrentUser, Staff};
use crate::http::csrf::{CsrfForm, CsrfToken};
use crate::http::web::{chrome, form_refusal, html, see_other};
use crate::http::{AppError, AppState};
use crate::services::{resources, ServiceError};
use crate::views::pages::staff::qualifications::{
    self as view, CategoryFields, QualificationFields, QualificationsPage,
};
use crate::views::pages::staff::FormError;

/// The longest validity the form takes, a century: the service reads a validity that runs past
/// the calendar as "never expires", which nobody typing a number means.
const MAX_VALID_MONTHS: i32 = 1200;

fn notice_for(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "category" => Some("The category was added."),
        "qualification" => Some("The qualification was added."),
        _ => None,
    }
}

fn name(text: &str, field: &'static str) -> Result<Name, FormError> {
    Name::parse(text, "the name").map_err(|e| FormError::on(field, sentence(&e.0)))
}

#[derive(Deserialize)]
pub struct CategoryForm {
    #[serde(default)]
    category_name: String,
    #[serde(default)]
    category_description: String,
}

impl CategoryForm {
    fn fields(&self) -> CategoryFields {
        CategoryFields {
            name: self.category_name.clone(),
            description: self.category_description.clone(),
        }
    }
}

#[derive(Deserialize)]
pub struct QualificationForm {
    #[serde(default)]
    qualification_name: String,
    #[serde(default)]
    qualification_description: String,
    #[serde(default)]
    valid_months: String,
}

impl QualificationForm {
    /// The name and validity in months (`None`: never expires), or the first wrong field.
    fn parse(&self) -> Result<(Name, Option<i32>), FormError> {
        let name = name(&self.qualification_name, "qualification_name")?;
        let valid_months = match self.valid_months.trim() {
            "" => None,
            typed => Some(
                typed
                    .parse()
                    .ok()
                    .filter(|m| (1..=MAX_VALID_MONTHS).contains(m))
                    .ok_or_else(|| {
                        FormError::on(
                            "valid_months",
                            format!(
                                "'{typed}' is not a validity; give whole months from 1 to \
                                 {MAX_VALID_MONTHS}, or leave it empty when it never expires."
                            ),
                        )
                    })?,
            ),
        };
        Ok((name, valid_months))
    }

    fn fields(&self) -> QualificationFields {
        QualificationFields {
            name: self.qualification_name.clone(),
            description: self.qualification_description.clone(),
            valid_months: self.valid_months.clone(),
        }
    }
}

/// The page as shown: empty forms, or one as typed with its problem.
#[derive(Default)]
struct Shown<'a> {
    category: Option<CategoryFields>,
    qualification: Option<QualificationFields>,
    notice: Option<&'a str>,
    category_error: Option<&'a FormError>,
    qualification_error: Option<&'a FormError>,
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    csrf: &CsrfToken,
    shown: Shown<'_>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (categories, qualifications) = state
        .db(|c| -> Result<_, ServiceError> {
            Ok((resources::categories(c)?, resources::qualifications(c)?))
        })
        .await?;
    let category = shown.category.unwrap_or_default();
    let qualification = shown.qualification.unwrap_or_default();
    let data = QualificationsPage {
        categories: &categories,
        qualifications: &qualifications,
        category: &category,
        qualification: &qualification,
        notice: shown.notice,
        category_error: shown.category_error,
        qualification_error: shown.qualification_error,
    };
    Ok(html(status, view::page(&chrome(Some(user), csrf), &data)))
}

pub async fn show(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    flash: web::Query<Flash>,
) -> Result<HttpResponse, AppError> {
    let shown = Shown {
        notice: notice_for(flash.done.as_deref()),
        ..Shown::default()
    };
    render(&state, &user, &csrf, shown, StatusCode::OK).await
}

pub async fn add_category(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<CategoryForm>,
) -> Result<HttpResponse, AppError> {
    let (status, error) = match name(&form.category_name, "category_name") {
        Err(error) => (StatusCode::UNPROCESSABLE_ENTITY, error),
        Ok(name) => {
            let (by, description) = (user.by(), form.category_description.clone());
            match state
                .db(move |c| resources::create_category(c, &by, name.as_str(), &description))
                .await
            {
                Ok(_) => return Ok(see_other("/staff/qualifications?done=category")),
                Err(error) => form_refusal(error)?,
            }
        }
    };
    let shown = Shown {
        category: Some(form.fields()),
        category_error: Some(&error),
        ..Shown::default()
    };
    render(&state, &user, &csrf, shown, status).await
}

pub async fn add_qualification(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<QualificationForm>,
) -> Result<HttpResponse, AppError> {
    let (status, error) = match form.parse() {
        Err(error) => (StatusCode::UNPROCESSABLE_ENTITY, error),
        Ok((name, valid_months)) => {
            let (by, description) = (user.by(), form.qualification_description.clone());
            match state
                .db(move |c| {
                    resources::create_qualification(
                        c,
                        &by,
                        name.as_str(),
                        &description,
                        valid_months,
                    )
                })
                .await
            {
                Ok(_) => return Ok(see_other("/staff/qualifications?done=qualification")),
                Err(error) => form_refusal(error)?,
            }
        }
    };
    let shown = Shown {
        qualification: Some(form.fields()),
        qualification_error: Some(&error),
        ..Shown::default()
    };
    render(&state, &user, &csrf, shown, status).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(name: &str, valid_months: &str) -> QualificationForm {
        QualificationForm {
            qualification_name: name.into(),
            qualification_description: String::new(),
            valid_months: valid_months.into(),
        }
    }

    #[test]
    fn a_qualification_needs_a_name_and_whole_months_within_a_century() {
        let parsed = |name, months| {
            form(name, months)
                .parse()
                .map(|(n, m)| (n.as_str().to_string(), m))
        };
        assert_eq!(parsed(" Lathe ", "").ok(), Some(("Lathe".into(), None)));
        assert_eq!(
            parsed("Lathe", " 24 ").ok(),
            Some(("Lathe".into(), Some(24)))
        );
        assert_eq!(
            parsed("Lathe", "1200").ok(),
            Some(("Lathe".into(), Some(1200)))
        );
        for months in ["0", "-3", "1.5", "two", "1201", "99999999999"] {
            let error = parsed("Lathe", months).err().map(|e| e.field);
            assert_eq!(error, Some(Some("valid_months")), "{months}");
        }
        let error = parsed("  ", "12").err().map(|e| e.field);
        assert_eq!(error, Some(Some("qualification_name")));
    }
}
