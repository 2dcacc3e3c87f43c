//! Antrean: online queue and booking for Indonesian public service offices.
//! This crate holds what the server and the browser share: the domain, the
//! read models, the server functions and the Leptos pages. Storage is compiled
//! only into the server (`ssr`).

#![recursion_limit = "256"]

pub mod api;
#[cfg(feature = "ssr")]
pub mod clock;
pub mod domain;
pub mod error;
pub mod i18n;
#[cfg(feature = "ssr")]
pub mod live;
#[cfg(feature = "ssr")]
pub mod mail;
pub mod model;
#[cfg(feature = "ssr")]
pub mod notify;
mod pages;
#[cfg(feature = "ssr")]
pub mod push;
#[cfg(feature = "ssr")]
pub mod sms;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod webhook;

pub use pages::{shell, App, AssetNames, Audience};
