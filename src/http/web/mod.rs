//! The server-rendered web UI: one module per screen.
mod assets;
mod home;

use actix_web::web::{self, ServiceConfig};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.route("/", web::get().to(home::show))
        .route("/static/app.css", web::get().to(assets::stylesheet));
}
