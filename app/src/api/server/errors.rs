//! How the store's errors become the one error of every server function: a
//! refusal keeps its meaning, and a fault is logged here, once, and answered
//! as a bare "internal error" (the details stay in the log).

use crate::error::AppError;

/// A store failure is our fault: it is logged here, once, and the caller gets
/// a bare "internal error" (the details stay in the log).
impl From<crate::store::StoreError> for AppError {
    fn from(error: crate::store::StoreError) -> Self {
        tracing::error!(%error, "request failed in the store");
        Self::Internal
    }
}

impl From<crate::store::counters::CounterError> for AppError {
    fn from(error: crate::store::counters::CounterError) -> Self {
        use crate::store::counters::CounterError;
        match error {
            CounterError::NotFound => Self::NotFound,
            CounterError::Refused(refusal) => Self::Counter(refusal),
            CounterError::Store(error) => error.into(),
        }
    }
}

impl From<crate::store::tickets::BookError> for AppError {
    fn from(error: crate::store::tickets::BookError) -> Self {
        use crate::store::tickets::BookError;
        match error {
            BookError::Refused(refusal) => Self::Refused(refusal),
            // What the form says of a service the office does not offer.
            BookError::ServiceClosed => Self::Invalid(vec![crate::error::FieldError {
                field: crate::error::Field::Service,
                problem: crate::error::FieldProblem::UnknownService,
            }]),
            BookError::SignedOut => Self::NotSignedIn,
            BookError::Store(error) => error.into(),
        }
    }
}

/// A ticket move refused by the rules: a cancellation says so in its own
/// words; any other move is a counter's "wrong state".
impl From<crate::store::tickets::ActionError> for AppError {
    fn from(error: crate::store::tickets::ActionError) -> Self {
        use crate::domain::ticket::TicketAction;
        use crate::store::tickets::ActionError;
        match error {
            ActionError::NotFound => Self::NotFound,
            ActionError::Transition(refused) if refused.action == TicketAction::Cancel => Self::NotCancellable,
            ActionError::Transition(_) => Self::Counter(crate::domain::counter::CounterRefusal::WrongState),
            ActionError::Store(error) => error.into(),
        }
    }
}
