//! Request counters of the simulator, readable from tests while the server runs.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::time::Instant;

/// A point-in-time copy of the counters. Every request is classified into exactly one of
/// `collections`, `reports`, `schedules`, `runs`, `memberships`, `other`, so these six sum to `total`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CounterSnapshot {
    /// Every request that reached a handler (incl. 401/404/429).
    pub total: u64,
    /// `GET /api/{ws}/spaces` or `/collections` listings.
    pub collections: u64,
    /// `GET /api/{ws}/{spaces|collections}/{space}/reports` listings.
    pub reports: u64,
    /// `GET /api/{ws}/reports/{r}/schedules` listings.
    pub schedules: u64,
    /// `GET /api/{ws}/reports/{r}/runs` listings.
    pub runs: u64,
    /// `GET /api/{ws}/memberships` listings.
    pub memberships: u64,
    /// Everything else.
    pub other: u64,
    /// 429s sent (window + scripted).
    pub throttled: u64,
    /// 401s sent.
    pub unauthorized: u64,
    /// Injected faults of any kind (random or scripted), excluding 429s.
    pub faults: u64,
    /// Highest number of concurrent requests seen.
    pub max_in_flight: u64,
    /// Requests other than GET (writes), whatever their answer.
    pub writes: u64,
    /// Schedules removed by `DELETE .../schedules/{s}`.
    pub deletes: u64,
    /// Schedules created by `POST .../schedules`.
    pub creates: u64,
    /// Requests to the Discovery API (`/batch/...`), whatever their answer (also counted in `other`).
    pub batch: u64,
}

/// One write request an endpoint answered: what it asked for and what it did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteEvent {
    /// `DELETE` or `POST`.
    pub method: String,
    pub report: String,
    /// The schedule deleted (or asked to be), or the one created.
    pub schedule: Option<String>,
    pub status: u16,
}

/// Which counter a request path belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    Collections,
    Reports,
    Schedules,
    Runs,
    Memberships,
    Other,
}

#[derive(Debug, Default)]
pub struct Counters {
    total: AtomicU64,
    collections: AtomicU64,
    reports: AtomicU64,
    schedules: AtomicU64,
    runs: AtomicU64,
    memberships: AtomicU64,
    other: AtomicU64,
    throttled: AtomicU64,
    unauthorized: AtomicU64,
    faults: AtomicU64,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
    writes: AtomicU64,
    deletes: AtomicU64,
    creates: AtomicU64,
    batch: AtomicU64,
    write_log: Mutex<Vec<WriteEvent>>,
    /// Arrival time of every request once [`Counters::record_arrivals`] was called (benchmarks).
    arrivals: Mutex<Option<Vec<Instant>>>,
}

/// Decrements the in-flight gauge when the request is done.
pub struct InFlight<'a>(&'a Counters);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Counters {
    /// Counts an arriving request and returns its in-flight guard.
    pub fn arrive(&self, category: Category) -> InFlight<'_> {
        if let Some(log) = self.arrivals.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
            log.push(Instant::now());
        }
        self.total.fetch_add(1, Ordering::SeqCst);
        let slot = match category {
            Category::Collections => &self.collections,
            Category::Reports => &self.reports,
            Category::Schedules => &self.schedules,
            Category::Runs => &self.runs,
            Category::Memberships => &self.memberships,
            Category::Other => &self.other,
        };
        slot.fetch_add(1, Ordering::SeqCst);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(self)
    }

    /// Starts keeping the arrival time of every request (off by default: it grows with each one).
    pub fn record_arrivals(&self) {
        self.arrivals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert_with(Vec::new);
    }

    /// Arrival times kept since [`Counters::record_arrivals`], in order.
    pub fn arrivals(&self) -> Vec<Instant> {
        self.arrivals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .unwrap_or_default()
    }

    /// Counts a request other than GET.
    pub fn write_arrived(&self) {
        self.writes.fetch_add(1, Ordering::SeqCst);
    }

    /// Records a write an endpoint answered; a 2xx DELETE or POST counts a delete or a create.
    pub fn written(&self, event: WriteEvent) {
        if (200..300).contains(&event.status) {
            match event.method.as_str() {
                "DELETE" => self.deletes.fetch_add(1, Ordering::SeqCst),
                _ => self.creates.fetch_add(1, Ordering::SeqCst),
            };
        }
        self.write_log.lock().unwrap_or_else(|e| e.into_inner()).push(event);
    }

    pub fn writes(&self) -> Vec<WriteEvent> {
        self.write_log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn throttled(&self) {
        self.throttled.fetch_add(1, Ordering::SeqCst);
    }

    pub fn unauthorized(&self) {
        self.unauthorized.fetch_add(1, Ordering::SeqCst);
    }

    /// Counts a request to the Discovery API.
    pub fn batch(&self) {
        self.batch.fetch_add(1, Ordering::SeqCst);
    }

    pub fn fault(&self) {
        self.faults.fetch_add(1, Ordering::SeqCst);
    }

    pub fn snapshot(&self) -> CounterSnapshot {
        let get = |a: &AtomicU64| a.load(Ordering::SeqCst);
        CounterSnapshot {
            total: get(&self.total),
            collections: get(&self.collections),
            reports: get(&self.reports),
            schedules: get(&self.schedules),
            runs: get(&self.runs),
            memberships: get(&self.memberships),
            other: get(&self.other),
            throttled: get(&self.throttled),
            unauthorized: get(&self.unauthorized),
            faults: get(&self.faults),
            max_in_flight: get(&self.max_in_flight),
            writes: get(&self.writes),
            deletes: get(&self.deletes),
            creates: get(&self.creates),
            batch: get(&self.batch),
        }
    }

    /// Zeroes every counter; `max_in_flight` restarts from the requests currently in flight.
    pub fn reset(&self) {
        for a in [
            &self.total,
            &self.collections,
            &self.reports,
            &self.schedules,
            &self.runs,
            &self.memberships,
            &self.other,
            &self.throttled,
            &self.unauthorized,
            &self.faults,
            &self.writes,
            &self.deletes,
            &self.creates,
            &self.batch,
        ] {
            a.store(0, Ordering::SeqCst);
        }
        self.write_log.lock().unwrap_or_else(|e| e.into_inner()).clear();
        let now = self.in_flight.load(Ordering::SeqCst);
        self.max_in_flight.store(now, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_tracks_concurrency() {
        let c = Counters::default();
        let a = c.arrive(Category::Reports);
        let b = c.arrive(Category::Collections);
        drop(a);
        let d = c.arrive(Category::Other);
        drop((b, d));
        c.throttled();
        c.fault();
        let s = c.snapshot();
        assert_eq!((s.total, s.reports, s.collections, s.other), (3, 1, 1, 1));
        assert_eq!((s.throttled, s.faults, s.unauthorized, s.max_in_flight), (1, 1, 0, 2));
        c.reset();
        assert_eq!(c.snapshot(), CounterSnapshot::default());
    }

    #[test]
    fn arrivals_are_kept_only_once_asked_for() {
        let c = Counters::default();
        drop(c.arrive(Category::Reports));
        assert!(c.arrivals().is_empty());
        c.record_arrivals();
        drop(c.arrive(Category::Reports));
        drop(c.arrive(Category::Schedules));
        let times = c.arrivals();
        assert_eq!(times.len(), 2);
        assert!(times[0] <= times[1]);
    }
}
