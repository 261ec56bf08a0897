//! Each owner's share of a snapshot's findings, for the owner emails: their scheduled reports with
//! a finding, what each costs, and the date from which `apply` may unschedule it.

use std::collections::{BTreeMap, HashMap};

use super::log::Told;
use crate::insights::eligibility::UnschedulePlan;
use crate::snapshot::{Reason, Snapshot};

/// One finding of one report, as an owner is told of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub report_token: String,
    pub report_name: Option<String>,
    pub reason: Reason,
    pub detail: String,
    pub cost_seconds: Option<f64>,
    /// From when `apply` (at its default rules) may unschedule the report; `None` when this
    /// finding is not one `apply` acts on, or the report is kept.
    pub eligible_from: Option<String>,
    pub url: Option<String>,
}

impl Item {
    pub fn told(&self) -> Told {
        Told {
            report_token: self.report_token.clone(),
            reason: self.reason,
        }
    }
}

/// The message one owner gets.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnerMail {
    /// The owner's Mode username.
    pub owner: String,
    /// From the snapshot's address cache or Mode; `None`: listed, never guessed.
    pub address: Option<String>,
    /// Why the address Mode or the snapshot gave cannot be used (see [`super::address::checked`]):
    /// the owner is listed with it and not mailed.
    pub bad_address: Option<String>,
    pub items: Vec<Item>,
}

impl OwnerMail {
    /// The owner's findings' cost, each report counted once.
    pub fn cost_seconds(&self) -> f64 {
        let mut per_report: HashMap<&str, f64> = HashMap::new();
        for item in &self.items {
            per_report.insert(&item.report_token, item.cost_seconds.unwrap_or(0.0));
        }
        per_report.values().sum()
    }
}

/// The findings of `snapshot` by owner (costliest owner first), and those without an owner.
pub fn by_owner(snapshot: &Snapshot, plan: &UnschedulePlan) -> (Vec<OwnerMail>, Vec<Item>) {
    let eligible: HashMap<&str, (&[Reason], Option<&str>)> = plan
        .candidates
        .iter()
        .map(|c| {
            (
                c.report_token.as_str(),
                (c.reasons.as_slice(), c.eligible_from.as_deref()),
            )
        })
        .collect();
    let mut owners: BTreeMap<String, Vec<Item>> = BTreeMap::new();
    let mut unowned = Vec::new();
    for f in snapshot.findings.iter() {
        let eligible_from = eligible
            .get(f.report_token.as_str())
            .filter(|(reasons, _)| reasons.contains(&f.reason))
            .and_then(|(_, from)| from.map(str::to_string));
        let item = Item {
            report_token: f.report_token.clone(),
            report_name: f.report_name.clone(),
            reason: f.reason,
            detail: f.detail.clone(),
            cost_seconds: f.cost_seconds(),
            eligible_from,
            url: f.url.clone(),
        };
        match f.owner.as_deref().map(str::trim).filter(|o| !o.is_empty()) {
            Some(owner) => owners.entry(owner.to_string()).or_default().push(item),
            None => unowned.push(item),
        }
    }
    let mut mails: Vec<OwnerMail> = owners
        .into_iter()
        .map(|(owner, items)| OwnerMail {
            owner,
            address: None,
            bad_address: None,
            items,
        })
        .collect();
    mails.sort_by(|a, b| {
        b.cost_seconds()
            .total_cmp(&a.cost_seconds())
            .then_with(|| a.owner.cmp(&b.owner))
    });
    (mails, unowned)
}
