//! Server-only plumbing shared by the server functions, in three parts: the
//! request's context (`context`), who is calling and whether they may
//! (`session`), and form round-trips (`forms`).

mod context;
mod forms;
mod session;

pub use context::*;
pub use forms::*;
pub use session::*;
