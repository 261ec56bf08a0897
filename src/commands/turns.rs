//! Turns: several workspaces handled one after another, one pacer per credential group.

use std::sync::Arc;

use anyhow::Result;

use crate::config::Settings;
use crate::mode::Pacer;
use crate::stop::Stop;

/// Calls `one` for each workspace in turn: those of one credential group share one per-user
/// budget, so never at once, and pass one pacer, so the first requests of a workspace are spaced
/// from the last of the one before. After a stop the rest are not started (`None`).
pub async fn in_turn<T>(
    all: &[Settings],
    stop: &Stop,
    one: impl AsyncFn(&Settings, &Arc<Pacer>) -> Result<T>,
) -> Vec<(String, Option<Result<T>>)> {
    let mut pacers: Vec<(&str, Arc<Pacer>)> = Vec::new();
    let mut results = Vec::with_capacity(all.len());
    for settings in all {
        let pacer = match pacers.iter().find(|(g, _)| *g == settings.credential_group) {
            Some((_, p)) => Arc::clone(p),
            None => {
                let p = Arc::new(Pacer::new(settings.client.rate));
                pacers.push((&settings.credential_group, Arc::clone(&p)));
                p
            }
        };
        let outcome = if stop.reason().is_some() {
            None
        } else {
            Some(one(settings, &pacer).await)
        };
        results.push((settings.workspace.clone(), outcome));
    }
    results
}
