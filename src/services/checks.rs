//! Running checks. The walking skeleton has none yet: every check answers
//! "not available yet", which the tree handles through its `unknown` branch.

use fixpath_core::{CheckName, CheckOutcome, CheckResult};

/// Why a check result came out as it did, in plain words for the user.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckReport {
    pub result: CheckResult,
    pub message: String,
}

/// Runs a check. Not yet implemented for any check: the answer is an honest
/// "couldn't run", never a made-up pass.
pub async fn run(check: CheckName) -> CheckReport {
    CheckReport {
        result: CheckResult {
            outcome: CheckOutcome::Unknown,
            figure: None,
        },
        message: format!(
            "This check ({}) is not available yet, so we will go on without it.",
            check.as_str()
        ),
    }
}
