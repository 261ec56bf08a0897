//! The folders a run creates for its output, removed again when a fatal error leaves them empty.

use std::path::{Path, PathBuf};

use crate::snapshot::folder::workspace_dir;

/// Folders of `<out>/<workspace>` that did not exist before the run, deepest first.
#[derive(Debug, Default)]
pub struct NewFolders(Vec<PathBuf>);

impl NewFolders {
    /// The folders of `<out>/<workspace>` missing now (the run will create them).
    pub fn missing(out: &Path, workspace: &str) -> NewFolders {
        let dir = workspace_dir(out, workspace);
        let missing = dir
            .ancestors()
            .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
            .map(Path::to_path_buf)
            .collect();
        NewFolders(missing)
    }

    /// Removes those that are still empty, deepest first; a folder holding anything stays.
    pub fn remove_empty(&self) {
        for folder in &self.0 {
            // remove_dir refuses a folder that is not empty: nothing written is lost.
            if std::fs::remove_dir(folder).is_ok() {
                tracing::debug!(folder = %folder.display(), "removed the empty output folder this run created");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_folders_the_run_created_and_left_empty_go() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("snapshots");
        let created = NewFolders::missing(&out, "acme");
        std::fs::create_dir_all(out.join("acme")).unwrap();
        created.remove_empty();
        assert!(!out.exists() && tmp.path().exists());

        std::fs::create_dir_all(out.join("acme")).unwrap();
        let none_new = NewFolders::missing(&out, "acme");
        none_new.remove_empty();
        assert!(out.join("acme").exists(), "folders that were there stay");

        std::fs::remove_dir_all(&out).unwrap();
        let created = NewFolders::missing(&out, "acme");
        std::fs::create_dir_all(out.join("acme")).unwrap();
        std::fs::write(out.join("acme").join("kept"), "x").unwrap();
        created.remove_empty();
        assert!(out.join("acme").join("kept").exists(), "a folder holding a file stays");
    }
}
