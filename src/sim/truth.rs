//! `Truth`: the served workspace plus lookup tables by token / username, rebuilt on mutation.

use std::collections::HashMap;

use super::workspace::{SimCollection, SimReport, SimUser, Workspace};

#[derive(Debug)]
pub struct Truth {
    pub ws: Workspace,
    spaces: HashMap<String, usize>,
    reports: HashMap<String, (usize, usize)>,
    users: HashMap<String, usize>,
}

impl Truth {
    pub fn new(ws: Workspace) -> Self {
        let spaces = ws
            .collections
            .iter()
            .enumerate()
            .map(|(i, c)| (c.token.clone(), i))
            .collect();
        let reports = ws
            .collections
            .iter()
            .enumerate()
            .flat_map(|(ci, c)| {
                c.reports
                    .iter()
                    .enumerate()
                    .map(move |(ri, r)| (r.token.clone(), (ci, ri)))
            })
            .collect();
        let users = ws
            .users
            .iter()
            .enumerate()
            .map(|(i, u)| (u.username.clone(), i))
            .collect();
        Truth {
            ws,
            spaces,
            reports,
            users,
        }
    }

    pub fn space(&self, token: &str) -> Option<&SimCollection> {
        self.spaces.get(token).map(|&i| &self.ws.collections[i])
    }

    pub fn report(&self, token: &str) -> Option<(&SimCollection, &SimReport)> {
        self.reports.get(token).map(|&(ci, ri)| {
            let c = &self.ws.collections[ci];
            (c, &c.reports[ri])
        })
    }

    pub fn user(&self, username: &str) -> Option<&SimUser> {
        self.users.get(username).map(|&i| &self.ws.users[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::WorkspaceSpec;

    #[test]
    fn lookups_find_everything() {
        let ws = Workspace::generate("acme", &WorkspaceSpec::default());
        let truth = Truth::new(ws.clone());
        for (c, r) in ws.reports() {
            let (tc, tr) = truth.report(&r.token).expect("report indexed");
            assert_eq!((tc.token.as_str(), tr), (c.token.as_str(), r));
        }
        for c in &ws.collections {
            assert_eq!(truth.space(&c.token), Some(c));
        }
        assert_eq!(truth.user(&ws.users[0].username), Some(&ws.users[0]));
        assert!(truth.report("000000000000").is_none());
    }
}
