//! Staff: the machine categories and the qualifications a machine can require, each with a form
//! to add one.
use maud::{html, Markup};

use super::FormError;
use crate::services::resources::{Category, Qualification};
use crate::views::components::{csrf_field, error_summary, notice, text_field};
use crate::views::layout::{self, Chrome};

/// The new category form's values as typed.
#[derive(Debug, Default)]
pub struct CategoryFields {
    pub name: String,
    pub description: String,
}

/// The new qualification form's values as typed; an empty validity means it never expires.
#[derive(Debug, Default)]
pub struct QualificationFields {
    pub name: String,
    pub description: String,
    pub valid_months: String,
}

pub struct QualificationsPage<'a> {
    pub categories: &'a [Category],
    pub qualifications: &'a [Qualification],
    pub category: &'a CategoryFields,
    pub qualification: &'a QualificationFields,
    pub notice: Option<&'a str>,
    pub category_error: Option<&'a FormError>,
    pub qualification_error: Option<&'a FormError>,
}

/// How long a grant of the qualification lasts, in words.
pub fn validity(valid_months: Option<i32>) -> String {
    match valid_months {
        None => "never expires".into(),
        Some(1) => "1 month".into(),
        Some(months) => format!("{months} months"),
    }
}

pub fn page(chrome: &Chrome<'_>, data: &QualificationsPage<'_>) -> Markup {
    layout::page(
        chrome,
        "Machine categories and qualifications",
        html! {
            p { a href="/staff/machines" { "← Machines" } }
            h1 { "Machine categories and qualifications" }
            (notice(data.notice))
            (categories_section(chrome.csrf, data))
            (qualifications_section(chrome.csrf, data))
        },
    )
}

fn categories_section(csrf: &str, data: &QualificationsPage<'_>) -> Markup {
    let on = |field| FormError::for_field(data.category_error, field);
    html! {
        section {
            h2 { "Categories" }
            @if data.categories.is_empty() {
                p.muted { "No categories yet." }
            } @else {
                table.responsive {
                    thead { tr { th scope="col" { "Name" } th scope="col" { "Description" } } }
                    tbody {
                        @for category in data.categories {
                            tr {
                                td data-label="Name" { (category.name) }
                                td data-label="Description" { (category.description) }
                            }
                        }
                    }
                }
            }
            h3 { "Add a category" }
            (error_summary(data.category_error.map(|e| e.message.as_str())))
            form.stack method="post" action="/staff/qualifications/categories" {
                (csrf_field(csrf))
                (text_field("Name", "category_name", "text", &data.category.name, on("category_name")))
                (text_field("Description", "category_description", "text", &data.category.description, None))
                button type="submit" { "Add the category" }
            }
        }
    }
}

fn qualifications_section(csrf: &str, data: &QualificationsPage<'_>) -> Markup {
    let on = |field| FormError::for_field(data.qualification_error, field);
    let typed = data.qualification;
    html! {
        section {
            h2 { "Qualifications" }
            p.muted { "A machine can require one; staff grant and revoke them on each user's page." }
            @if data.qualifications.is_empty() {
                p.muted { "No qualifications yet." }
            } @else {
                table.responsive {
                    thead { tr { th scope="col" { "Name" } th scope="col" { "Valid for" } } }
                    tbody {
                        @for qualification in data.qualifications {
                            tr {
                                td data-label="Name" { (qualification.name) }
                                td data-label="Valid for" { (validity(qualification.valid_months)) }
                            }
                        }
                    }
                }
            }
            h3 { "Add a qualification" }
            (error_summary(data.qualification_error.map(|e| e.message.as_str())))
            form.stack method="post" action="/staff/qualifications" {
                (csrf_field(csrf))
                (text_field("Name", "qualification_name", "text", &typed.name, on("qualification_name")))
                (text_field("Description", "qualification_description", "text", &typed.description, None))
                (text_field("Valid for, months (empty: never expires)", "valid_months", "number", &typed.valid_months, on("valid_months")))
                button type="submit" { "Add the qualification" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::validity;

    #[test]
    fn validity_reads_as_words() {
        assert_eq!(validity(None), "never expires");
        assert_eq!(validity(Some(1)), "1 month");
        assert_eq!(validity(Some(24)), "24 months");
    }
}
