//! `mailflow schema`: the JSON Schema of the scenario format, for editors.

use super::{AppError, print};

/// `mailflow schema`.
pub fn schema() -> Result<(), AppError> {
    print(&crate::scenario::json_schema())
}
