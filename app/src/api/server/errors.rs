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
            BookError::Store(crate::store::StoreError::OfficeChanged) => {
                tracing::warn!("a booking met more changes of its office than it tries again for");
                Self::Busy
            }
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

#[cfg(test)]
mod tests {
    use crate::error::AppError;
    use crate::store::tickets::BookError;
    use crate::store::StoreError;

    #[test]
    fn a_booking_that_met_too_many_office_changes_is_asked_again_not_failed() {
        let error = AppError::from(BookError::Store(StoreError::OfficeChanged));
        assert_eq!(error, AppError::Busy);
        assert_eq!(error.status(), 503);
        assert_eq!(error.retry_after_seconds(), Some(1));
        assert_eq!(AppError::from(BookError::Store(StoreError::WriterGone)).status(), 500);
    }
}
