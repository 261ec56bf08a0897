//! The walk's one fatal error: the collections listing itself cannot be read.

use crate::mode::ModeError;

/// A failure that leaves nothing worth publishing: the collections listing itself is unreadable.
/// Its message says what to check; the cause follows as its `source` (`{:#}` prints both).
#[derive(Debug, thiserror::Error)]
pub struct CrawlError {
    pub workspace: String,
    #[source]
    pub source: ModeError,
}

impl std::fmt::Display for CrawlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot list the collections of workspace '{}'", self.workspace)?;
        if matches!(self.source, ModeError::NotFound { .. }) {
            write!(
                f,
                " (Mode knows no workspace by that name: check --workspace, the workspace's username as in \
                 https://app.mode.com/<workspace>, and --base-url)"
            )?;
        }
        Ok(())
    }
}
