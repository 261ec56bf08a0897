//! `SimServer`: a stand-in HTTP server for Mode Analytics' REST API (`/api/...`, HAL+JSON,
//! Basic auth, sliding-window rate limit, paging quirks, injectable faults) serving a
//! deterministic generated workspace, for tests, benchmarks and the `demo` command.

mod config;
mod counters;
pub mod drift;
mod endpoint;
mod faults;
mod generate;
mod handlers;
mod minimum;
mod paging;
mod render;
mod render_report;
mod render_runs;
mod render_subscription;
mod report_query;
mod routes;
pub mod run_history;
mod timestamp;
mod truth;
mod vocab;
mod window;
mod workspace;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::{CreateBody, CreateReply, DeleteReply, SimConfig};
pub use counters::{CounterSnapshot, WriteEvent};
pub use drift::{Drift, Drifted};
pub use faults::{Fault, ScriptedFault};
pub use handlers::batch::{BatchConfig, BatchLinks, MintedToken, ViewsField};
pub use minimum::{MinimumRequests, ambiguous_pages, minimum_requests, served_page_size};
pub use paging::PastEnd;
pub use timestamp::BASE_MS;
pub use window::RateWindow;
pub use workspace::{DEFAULT_TIMEOUT, SimCollection, SimReport, SimSchedule, SimUser, Workspace, WorkspaceSpec};

use faults::{FaultKnobs, FaultPlan};
use routes::AppState;
use truth::Truth;
use window::CredentialWindows;

/// How long `shutdown` waits for in-flight requests before aborting the server task.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A running simulator. Stops on `shutdown().await` or when dropped.
#[derive(Debug)]
pub struct SimServer {
    addr: SocketAddr,
    state: Arc<AppState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SimServer {
    /// Generates the workspace and serves it on `127.0.0.1` at a free port.
    pub async fn start(config: SimConfig) -> std::io::Result<SimServer> {
        SimServer::start_on(config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await
    }

    pub async fn start_on(config: SimConfig, addr: SocketAddr) -> std::io::Result<SimServer> {
        let mut ws = Workspace::generate(&config.workspace, &config.spec);
        if let Some(drift) = config.drift {
            drift.apply(&mut ws);
        }
        let faults = FaultPlan::new(FaultKnobs {
            scripted: config.scripted.clone(),
            seed: config.fault_seed,
            error_rate: config.error_rate,
            drop_rate: config.drop_rate,
            malformed_rate: config.malformed_rate,
            latency: config.latency,
            latency_jitter: config.latency_jitter,
        });
        let state = Arc::new(AppState {
            limiter: CredentialWindows::new(config.limit),
            config,
            truth: RwLock::new(Arc::new(Truth::new(ws))),
            counters: counters::Counters::default(),
            faults,
            signature_tokens: Default::default(),
        });
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let app = routes::router(Arc::clone(&state));
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
            if let Err(e) = served {
                tracing::warn!(error = %e, "mode simulator stopped with an error");
            }
        });
        tracing::debug!(%addr, "mode simulator listening");
        Ok(SimServer {
            addr,
            state,
            stop: Some(stop),
            task: Some(task),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (no trailing slash, no `/api`).
    pub fn base_url(&self) -> String {
        let mut addr = self.addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(Ipv4Addr::LOCALHOST.into());
        }
        format!("http://{addr}")
    }

    /// A clone of the current truth.
    pub fn workspace(&self) -> Workspace {
        self.state.truth.read().unwrap_or_else(|e| e.into_inner()).ws.clone()
    }

    /// Changes the truth (e.g. views, schedules) for the requests that follow; returns what `f` does.
    pub fn mutate<T>(&self, f: impl FnOnce(&mut Workspace) -> T) -> T {
        let mut truth = self.state.truth.write().unwrap_or_else(|e| e.into_inner());
        let mut ws = truth.ws.clone();
        let out = f(&mut ws);
        *truth = Arc::new(Truth::new(ws));
        out
    }

    pub fn counters(&self) -> CounterSnapshot {
        self.state.counters.snapshot()
    }

    /// Every write request that reached an endpoint (not those a fault answered), in order.
    pub fn writes(&self) -> Vec<WriteEvent> {
        self.state.counters.writes()
    }

    /// Every Discovery signature token minted so far, deleted ones included.
    pub fn signature_tokens(&self) -> Vec<MintedToken> {
        self.state.signature_tokens.all()
    }

    pub fn reset_counters(&self) {
        self.state.counters.reset();
    }

    /// Starts keeping the arrival time of every request, for [`SimServer::arrivals`].
    pub fn record_arrivals(&self) {
        self.state.counters.record_arrivals();
    }

    /// When each request arrived since [`SimServer::record_arrivals`] (empty before).
    pub fn arrivals(&self) -> Vec<tokio::time::Instant> {
        self.state.counters.arrivals()
    }

    /// Stops accepting, lets in-flight requests finish (up to 5 s), then returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await.is_err()
        {
            task.abort();
        }
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

#[cfg(test)]
mod server_tests;
