//! Static assets, compiled into the binary so every instance serves the same bytes.
use actix_web::http::header;
use actix_web::HttpResponse;

const STYLESHEET: &str = include_str!("../../../templates/static/app.css");

pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(STYLESHEET)
}
