//! Exit: the process's exit codes, the one list that `--help` and the README's table come from.

use crate::snapshot::RunStatus;

/// How the process ends. The discriminant is the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything was read and published.
    Complete = 0,
    /// Published, but something could not be read: the snapshot is marked partial and lists it.
    Partial = 1,
    /// A flag, the environment or the config file is wrong: nothing was started.
    Usage = 2,
    /// Nothing could be published (credentials refused, output unwritable, ...).
    Fatal = 3,
    /// Stopped early (SIGTERM, SIGINT, --max-duration): a checkpoint is saved, the next run resumes.
    Stopped = 4,
}

impl Exit {
    /// Every exit code, in order.
    pub const ALL: [Exit; 5] = [Exit::Complete, Exit::Partial, Exit::Usage, Exit::Fatal, Exit::Stopped];

    pub fn code(self) -> u8 {
        self as u8
    }

    /// The short meaning shown in `--help` and in the README's table.
    pub fn meaning(self) -> &'static str {
        match self {
            Exit::Complete => "complete: every collection and report read, snapshot published",
            Exit::Partial => "partial: snapshot published and marked partial; its failures say what is missing",
            Exit::Usage => "usage or configuration error: nothing started; the message says what to fix",
            Exit::Fatal => "fatal: nothing published (credentials refused, output unwritable, ...)",
            Exit::Stopped => "stopped (signal or --max-duration): checkpoint saved, run again to resume",
        }
    }

    /// The exit code of several workspaces: the worst of theirs (fatal, then stopped, then partial).
    pub fn worse(self, other: Exit) -> Exit {
        let rank = |e: Exit| match e {
            Exit::Complete => 0,
            Exit::Partial => 1,
            Exit::Stopped => 2,
            Exit::Fatal | Exit::Usage => 3,
        };
        if rank(other) > rank(self) { other } else { self }
    }

    /// The text `--help` ends with.
    pub fn help() -> String {
        let mut text = String::from("Exit codes:\n");
        for e in Exit::ALL {
            text += &format!("  {}  {}\n", e.code(), e.meaning());
        }
        text
    }
}

impl From<RunStatus> for Exit {
    fn from(status: RunStatus) -> Exit {
        match status {
            RunStatus::Complete => Exit::Complete,
            RunStatus::Partial => Exit::Partial,
            RunStatus::Stopped(_) => Exit::Stopped,
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_code_wins_in_order_fatal_stopped_partial() {
        use Exit::*;
        assert_eq!(Complete.worse(Partial), Partial);
        assert_eq!(Partial.worse(Stopped), Stopped);
        assert_eq!(Stopped.worse(Partial), Stopped);
        assert_eq!(Stopped.worse(Fatal), Fatal);
        assert_eq!(Fatal.worse(Complete), Fatal);
    }

    #[test]
    fn the_readme_table_lists_every_code_with_its_meaning() {
        let readme = include_str!("../README.md");
        for e in Exit::ALL {
            let row = format!("| {} | {} |", e.code(), e.meaning());
            assert!(readme.contains(&row), "README.md lacks the row `{row}`");
        }
    }
}
