//! Rebuilds the crate when a migration is added: `sqlx::migrate!` embeds
//! `migrations/` at compile time, and Cargo reruns it only when a file it
//! already knows changes, so a new migration would otherwise be missing from
//! the next build and its tests (sqlx's own advice).
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
