//! Why a command failed, and so its exit code: 0 success, 1 runtime failure, 2 invalid input,
//! 3 an SLO missed.

use crate::report::ReportError;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Bad scenario or arguments: exit code 2.
    #[error("{0}")]
    Input(String),
    /// Bad scenario or arguments whose message is already a list of located diagnostics
    /// (`file:line:column: error: …`): exit code 2, printed as it is.
    #[error("{0}")]
    Located(String),
    /// I/O or internal failure: exit code 1.
    #[error("{0}")]
    Runtime(String),
    /// An `--slo` was missed: exit code 3.
    #[error("{0}")]
    SloMissed(String),
    /// Standard output was closed by its reader (`| head`): exit code 0, nothing printed.
    #[error("standard output closed")]
    ClosedPipe,
    /// Already shown to the user (help, a usage error): nothing more printed, this exit code.
    #[error("exit {0}")]
    Shown(i32),
}

impl AppError {
    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Input(_) | AppError::Located(_) => 2,
            AppError::Runtime(_) => 1,
            AppError::SloMissed(_) => 3,
            AppError::ClosedPipe => 0,
            AppError::Shown(code) => *code,
        }
    }
}

impl From<ReportError> for AppError {
    fn from(e: ReportError) -> Self {
        match &e {
            ReportError::ForeignFolder { .. } => AppError::Input(e.to_string()),
            // The `--out` path itself cannot be a report folder (a file is in the way).
            ReportError::Io { source, .. } if source.kind() == std::io::ErrorKind::InvalidInput => {
                AppError::Input(e.to_string())
            }
            _ => AppError::Runtime(e.to_string()),
        }
    }
}

impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> Self {
        AppError::Runtime(e.to_string())
    }
}
