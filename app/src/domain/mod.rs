//! The queue domain: plain Rust with no HTTP, HTML or SQL inside. Everything
//! here is compiled into both the server and the browser bundle and unit-tested
//! directly.

pub mod access;
pub mod api_key;
pub mod audit;
pub mod booking;
pub mod calendar;
#[cfg(feature = "ssr")]
pub mod cancel_link;
#[cfg(feature = "ssr")]
pub mod client;
pub mod counter;
#[cfg(feature = "ssr")]
pub mod device;
pub mod estimate;
pub mod feedback;
pub mod identity;
pub mod notify;
pub mod office;
pub mod otp;
#[cfg(feature = "ssr")]
pub mod outbound;
pub mod priority;
pub mod proof_of_work;
pub mod report;
pub mod settings;
#[cfg(feature = "ssr")]
pub mod site;
pub mod ticket;
pub mod webhook;
