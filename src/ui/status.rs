//! The status log: one line per import outcome, export or failure.

/// One line of the status log (import outcomes, errors).
#[derive(Debug, Clone, PartialEq)]
pub struct StatusMessage {
    /// The text.
    pub text: String,
    /// Whether it reports a failure.
    pub is_error: bool,
}
