//! The one page frame every screen renders into.
use maud::{html, Markup, DOCTYPE};

/// A complete HTML document with the site header and `content` as its main region.
pub fn page(title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Obrador" }
                link rel="stylesheet" href="/static/app.css";
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.site {
                    a.brand href="/" { "Obrador" }
                }
                main #main {
                    (content)
                }
            }
        }
    }
}
