//! Server-only plumbing shared by the server functions, in three parts: the
//! request's context (`context`), who is calling and whether they may
//! (`session`), form round-trips (`forms`), and how store errors become
//! `AppError` (`errors`).

mod context;
mod errors;
mod forms;
mod session;

pub use context::*;
pub use forms::*;
pub use session::*;
