//! HTTP tests: one test binary (faster to link, one place for helpers). Each test starts the real
//! server on port 0 with its own database and a manual clock, and talks to it over HTTP with a
//! cookie-keeping client that does not follow redirects. Modules mirror the route tree.

mod helpers;
mod smtp_sink;

mod actors;
mod api_v1;
mod browser;
mod cli;
mod email;
mod health;
mod invitation;
mod login;
mod mfa;
mod oidc;
mod oidc_rp;
mod org;
mod profile;
mod registration;
mod security;
mod security_key;
mod startup;
mod support;
mod support_clients;
mod two_nodes;
