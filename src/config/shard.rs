//! Shards: this pod's share of the workspaces when many pods (a Kubernetes Indexed Job) audit
//! one organisation. `--shard INDEX/COUNT`, or `--shards COUNT` with the index read from
//! JOB_COMPLETION_INDEX. Whole credential groups are dealt out, never split: Mode's budget is per
//! user, and two pods spending one budget would both be throttled.

use std::fmt;
use std::str::FromStr;

use super::workspaces::WorkspaceEntry;
use super::{ConfigError, bad};

/// Shard `index` of `count`, counted from 0 like JOB_COMPLETION_INDEX.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let usage = "write INDEX/COUNT, e.g. 0/3 for the first of three shards (INDEX counts from 0)";
        let (index, count) = s
            .trim()
            .split_once('/')
            .ok_or_else(|| format!("'{s}' is not a shard: {usage}"))?;
        let index: u32 = index
            .trim()
            .parse()
            .map_err(|_| format!("'{s}' is not a shard: {usage}"))?;
        let count: u32 = count
            .trim()
            .parse()
            .map_err(|_| format!("'{s}' is not a shard: {usage}"))?;
        if count == 0 || index >= count {
            return Err(format!("shard {index}/{count} does not exist: {usage}"));
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The shard asked for: `--shard` as given, or `--shards` with JOB_COMPLETION_INDEX.
pub fn chosen(
    shard: Option<&str>,
    shards: Option<u32>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Shard>, ConfigError> {
    match (shard, shards) {
        (Some(_), Some(_)) => Err(bad("--shard and --shards are both set: keep one")),
        (Some(s), None) => s.parse().map(Some).map_err(|e| bad(format!("--shard: {e}"))),
        (None, None) => Ok(None),
        (None, Some(count)) => {
            let index = env("JOB_COMPLETION_INDEX").ok_or_else(|| {
                bad("--shards takes this pod's index from JOB_COMPLETION_INDEX, which is not set (it is set in a Kubernetes Job with completionMode: Indexed); elsewhere pass --shard INDEX/COUNT")
            })?;
            format!("{}/{count}", index.trim())
                .parse()
                .map(Some)
                .map_err(|e| bad(format!("JOB_COMPLETION_INDEX={index} with --shards {count}: {e}")))
        }
    }
}

/// Deals credential groups to `count` shards: largest first, each to the shard with the fewest
/// workspaces so far (the lowest index on a tie). The same list always deals the same way.
/// Returns the shard of each group.
pub fn deal(sizes: &[usize], count: u32) -> Vec<u32> {
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by(|&a, &b| sizes[b].cmp(&sizes[a]).then(a.cmp(&b)));
    let mut load = vec![0usize; count as usize];
    let mut shard_of = vec![0u32; sizes.len()];
    for g in order {
        let target = (0..count as usize).min_by_key(|&s| (load[s], s)).unwrap_or(0);
        load[target] += sizes[g];
        shard_of[g] = target as u32;
    }
    shard_of
}

/// This shard's groups, in their order.
pub fn pick(groups: Vec<(String, Vec<WorkspaceEntry>)>, shard: Shard) -> Vec<(String, Vec<WorkspaceEntry>)> {
    let sizes: Vec<usize> = groups.iter().map(|(_, l)| l.len()).collect();
    let dealt = deal(&sizes, shard.count);
    groups
        .into_iter()
        .zip(dealt)
        .filter(|(_, s)| *s == shard.index)
        .map(|(g, _)| g)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_index_over_count_from_zero() {
        assert_eq!("2/5".parse::<Shard>().unwrap(), Shard { index: 2, count: 5 });
        assert!("5/5".parse::<Shard>().unwrap_err().contains("does not exist"));
        assert!("1".parse::<Shard>().unwrap_err().contains("INDEX/COUNT"));
        assert!("0/0".parse::<Shard>().is_err());
    }

    #[test]
    fn job_completion_index_gives_the_index_of_shards() {
        let env = |name: &str| (name == "JOB_COMPLETION_INDEX").then(|| "1".to_string());
        assert_eq!(chosen(None, Some(3), &env).unwrap(), Some(Shard { index: 1, count: 3 }));
        let none = |_: &str| None;
        assert!(
            chosen(None, Some(3), &none)
                .unwrap_err()
                .0
                .contains("JOB_COMPLETION_INDEX")
        );
        let far = |name: &str| (name == "JOB_COMPLETION_INDEX").then(|| "7".to_string());
        assert!(chosen(None, Some(3), &far).is_err());
        assert!(chosen(Some("0/2"), Some(2), &none).is_err());
        assert_eq!(
            chosen(Some("1/2"), None, &none).unwrap(),
            Some(Shard { index: 1, count: 2 })
        );
        assert!(chosen(Some("2/2"), None, &none).unwrap_err().0.contains("--shard"));
        assert_eq!(chosen(None, None, &none).unwrap(), None);
    }

    #[test]
    fn groups_are_dealt_whole_and_balanced_by_workspace_count() {
        // Groups of 3, 1, 1, 2 and 1 workspaces over 3 shards: 3 | 2+1 | 1+1.
        let dealt = deal(&[3, 1, 1, 2, 1], 3);
        assert_eq!(dealt, vec![0, 2, 2, 1, 1]);
        let mut load = [0usize; 3];
        for (g, s) in dealt.iter().enumerate() {
            load[*s as usize] += [3, 1, 1, 2, 1][g];
        }
        assert_eq!(load, [3, 3, 2]);
        // More shards than groups: some shards get nothing.
        assert_eq!(deal(&[1, 1], 3), vec![0, 1]);
    }

    #[test]
    fn every_workspace_lands_in_exactly_one_shard() {
        let entries: Vec<WorkspaceEntry> = (0..7).map(|i| WorkspaceEntry::named(format!("w{i}"))).collect();
        let groups: Vec<(String, Vec<WorkspaceEntry>)> = entries
            .chunks(2)
            .enumerate()
            .map(|(i, c)| (format!("g{i}"), c.to_vec()))
            .collect();
        let mut seen: Vec<String> = Vec::new();
        for index in 0..3 {
            for (_, list) in pick(groups.clone(), Shard { index, count: 3 }) {
                seen.extend(list.into_iter().map(|e| e.name));
            }
        }
        seen.sort();
        assert_eq!(seen, (0..7).map(|i| format!("w{i}")).collect::<Vec<_>>());
    }
}
