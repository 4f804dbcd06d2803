//! Portcullis: the identity server — use cases, web layer and command line.
//!
//! The domain rules live in `portcullis-core` (pure), storage in `portcullis-store` (SQLite and
//! PostgreSQL behind one interface). This crate joins them:
//!
//! - [`settings`]: typed configuration (defaults → TOML file → `PORTCULLIS_*` environment).
//! - [`app`]: the use cases; one transaction each; clock, randomness and hashing passed in.
//! - [`i18n`]: message catalogues (English, Dutch, Fluent) for pages and emails; language negotiation.
//! - [`mail`]: the email messages (rendered in English and Dutch) and their transports (files, SMTP).
//! - [`web`]: axum routes, the request context (session, CSRF, language), templates, error pages.
//! - [`startup`]: open the database, build the app, serve until shutdown.
//! - [`cli`]: the `portcullis` command line (serve, migrate, org, user, support).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod app;
pub mod cli;
pub mod i18n;
pub mod mail;
pub mod settings;
pub mod startup;
pub mod web;
