//! Small pieces shared by the pages: form fields with their errors, notices, CSRF field.
use maud::{html, Markup};

/// The hidden field every state-changing form carries.
pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name=(crate::views::CSRF_FIELD) value=(token); }
}

/// A labelled input; `error` shows under it and marks it invalid for assistive technology.
pub fn text_field(label: &str, name: &str, kind: &str, value: &str, error: Option<&str>) -> Markup {
    let id = format!("f-{name}");
    let error_id = format!("{id}-error");
    html! {
        label for=(id) {
            (label)
            input id=(id) name=(name) type=(kind) value=(value)
                aria-invalid=[error.map(|_| "true")]
                aria-describedby=[error.map(|_| error_id.as_str())];
            @if let Some(error) = error {
                span.field-error id=(error_id) { (error) }
            }
        }
    }
}

/// A labelled `<select>` over `(value, label)` options with `selected` chosen.
pub fn select_field(label: &str, name: &str, options: &[(&str, &str)], selected: &str) -> Markup {
    let id = format!("f-{name}");
    html! {
        label for=(id) {
            (label)
            select id=(id) name=(name) {
                @for (value, text) in options {
                    option value=(value) selected[*value == selected] { (text) }
                }
            }
        }
    }
}

/// A box at the top of a form that says what went wrong.
pub fn error_summary(message: Option<&str>) -> Markup {
    html! {
        @if let Some(message) = message {
            div.error-summary role="alert" { (message) }
        }
    }
}

/// A confirmation after a change.
pub fn notice(message: Option<&str>) -> Markup {
    html! {
        @if let Some(message) = message {
            div.notice role="status" { (message) }
        }
    }
}
