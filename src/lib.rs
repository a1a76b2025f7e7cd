//! Obrador: booking and billing for a cooperative workshop.
pub mod cli;
pub mod config;
pub mod db;
pub mod documents;
pub mod domain;
pub mod http;
pub mod jobs;
pub mod mail;
pub mod services;
pub mod startup;
pub mod telemetry;
pub mod views;
