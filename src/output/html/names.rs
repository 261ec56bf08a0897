//! CollectionNames: what the page calls each collection — its name, told apart from the other
//! collections of the same name (every member's Personal collection is named "Personal") by the
//! owner of a Personal collection, else by its token.

use std::collections::HashMap;

use crate::snapshot::CollectionRecord;

/// Mode's `space_type` of a member's Personal collection.
const PERSONAL: &str = "private";

/// The owners met in each collection's findings, to name a Personal collection by its member.
#[derive(Debug, Default)]
pub struct Owners(HashMap<String, Seen>);

#[derive(Debug, PartialEq)]
enum Seen {
    One(String),
    Many,
}

impl Owners {
    /// Notes that a finding of `collection` belongs to `owner` (unknown owners count as another).
    pub fn see(&mut self, collection: &str, owner: Option<&str>) {
        let owner = owner.unwrap_or("");
        let seen = self
            .0
            .entry(collection.to_string())
            .or_insert_with(|| Seen::One(owner.to_string()));
        if matches!(seen, Seen::One(one) if one != owner) {
            *seen = Seen::Many;
        }
    }

    /// The one known owner of `collection`'s findings.
    fn sole(&self, collection: &str) -> Option<&str> {
        match self.0.get(collection)? {
            Seen::One(owner) if !owner.trim().is_empty() => Some(owner),
            _ => None,
        }
    }
}

/// The page's label of every collection in the ledger, by token: the name (the token when it has
/// none); for a name two collections share, `Personal (owner)` for a Personal collection whose
/// findings have one owner, else `name (token)`.
pub fn labels(collections: &[CollectionRecord], owners: &Owners) -> HashMap<String, String> {
    let name = |c: &CollectionRecord| c.name.clone().unwrap_or_else(|| c.token.clone());
    let mut uses: HashMap<String, usize> = HashMap::new();
    for c in collections {
        *uses.entry(name(c)).or_default() += 1;
    }
    let mut labels: HashMap<String, String> = collections
        .iter()
        .map(|c| {
            let plain = name(c);
            let label = match (uses[&plain] > 1, by_owner(c, owners)) {
                (false, _) => plain,
                (true, Some(owner)) => format!("{plain} ({owner})"),
                (true, None) => format!("{plain} ({})", c.token),
            };
            (c.token.clone(), label)
        })
        .collect();
    let mut taken: HashMap<String, usize> = HashMap::new();
    for label in labels.values() {
        *taken.entry(label.clone()).or_default() += 1;
    }
    // Two Personal collections whose findings name the same owner: their tokens tell them apart.
    for c in collections {
        if let Some(label) = labels.get_mut(&c.token)
            && taken[label.as_str()] > 1
        {
            *label = format!("{} ({})", name(c), c.token);
        }
    }
    labels
}

fn by_owner<'a>(c: &CollectionRecord, owners: &'a Owners) -> Option<&'a str> {
    (c.collection_type.as_deref() == Some(PERSONAL))
        .then(|| owners.sole(&c.token))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::LedgerStatus;

    fn collection(token: &str, name: &str, kind: &str) -> CollectionRecord {
        CollectionRecord {
            token: token.into(),
            name: Some(name.into()),
            collection_type: Some(kind.into()),
            reports: 1,
            pages: 1,
            status: LedgerStatus::Complete,
            error: None,
        }
    }

    #[test]
    fn personal_collections_take_their_owner_and_other_twins_their_token() {
        let ledger = [
            collection("p1", "Personal", "private"),
            collection("p2", "Personal", "private"),
            collection("p3", "Personal", "private"),
            collection("c1", "Sales", "custom"),
            collection("c2", "Sales", "custom"),
            collection("c3", "Growth", "custom"),
        ];
        let mut owners = Owners::default();
        owners.see("p1", Some("ana"));
        owners.see("p1", Some("ana"));
        owners.see("p2", Some("bo"));
        owners.see("p3", Some("ana"));
        owners.see("p3", Some("cy"));
        owners.see("c1", Some("ana"));
        let labels = labels(&ledger, &owners);
        assert_eq!(labels["p1"], "Personal (ana)");
        assert_eq!(labels["p2"], "Personal (bo)");
        assert_eq!(labels["p3"], "Personal (p3)", "two owners: the token");
        assert_eq!(labels["c1"], "Sales (c1)", "not Personal: the token");
        assert_eq!(labels["c2"], "Sales (c2)");
        assert_eq!(labels["c3"], "Growth", "a unique name stays as it is");
    }

    #[test]
    fn two_personal_collections_of_one_owner_still_differ() {
        let ledger = [
            collection("p1", "Personal", "private"),
            collection("p2", "Personal", "private"),
        ];
        let mut owners = Owners::default();
        owners.see("p1", Some("ana"));
        owners.see("p2", Some("ana"));
        let labels = labels(&ledger, &owners);
        assert_eq!(
            (labels["p1"].as_str(), labels["p2"].as_str()),
            ("Personal (p1)", "Personal (p2)")
        );
    }
}
