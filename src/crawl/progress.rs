//! Progress: a one-line bar on stderr while a run walks the workspace, only on a terminal.

use std::fmt;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Where the walk stands; passed to [`Progress::update`] after every answer.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ProgressCounts {
    pub collections: usize,
    pub collections_done: usize,
    pub reports: usize,
    pub requests: u64,
    pub throttled: u64,
    /// Requests already known to be needed (queued or in flight); more may appear as pages arrive.
    pub known_left: usize,
    /// The pace in force, requests per second; `None` when unpaced.
    pub per_second: Option<f64>,
}

impl ProgressCounts {
    /// A lower bound on the time left: the requests known to be needed at the current pace.
    pub fn eta(&self) -> Option<Duration> {
        self.per_second
            .filter(|r| *r > 0.0)
            .and_then(|r| Duration::try_from_secs_f64(self.known_left as f64 / r).ok())
    }

    pub fn line(&self) -> String {
        let eta = match self.eta() {
            Some(d) => format!(
                ", ≥{} left",
                humantime::format_duration(Duration::from_secs(d.as_secs()))
            ),
            None => String::new(),
        };
        format!(
            "collections {}/{} · reports {} · requests {} ({} throttled){eta}",
            self.collections_done, self.collections, self.reports, self.requests, self.throttled
        )
    }
}

/// A progress display: a spinner line on a terminal, nothing otherwise.
#[derive(Clone, Default)]
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Progress({})", if self.bar.is_some() { "terminal" } else { "off" })
    }
}

impl Progress {
    /// Draws only when `wanted` and stderr is a terminal (never into logs or pipes).
    pub fn on_stderr(wanted: bool) -> Progress {
        Progress::drawing_to(wanted, std::io::stderr().is_terminal(), || {
            ProgressDrawTarget::stderr_with_hz(4)
        })
    }

    /// Draws into `target` only when `wanted` and the output is a `terminal`.
    fn drawing_to(wanted: bool, terminal: bool, target: impl FnOnce() -> ProgressDrawTarget) -> Progress {
        if !wanted || !terminal {
            return Progress::default();
        }
        let bar = ProgressBar::with_draw_target(None, target());
        bar.set_style(ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}").expect("a valid template"));
        bar.enable_steady_tick(Duration::from_millis(250));
        Progress { bar: Some(bar) }
    }

    pub fn is_drawing(&self) -> bool {
        self.bar.is_some()
    }

    pub fn update(&self, tally: &ProgressCounts) {
        if let Some(bar) = &self.bar {
            bar.set_message(tally.line());
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use indicatif::TermLike;

    use super::*;

    #[test]
    fn the_line_says_where_the_walk_stands_and_a_lower_bound_on_time_left() {
        let t = ProgressCounts {
            collections: 10,
            collections_done: 4,
            reports: 1234,
            requests: 300,
            throttled: 2,
            known_left: 392,
            per_second: Some(3.92),
        };
        assert_eq!(t.eta(), Some(Duration::from_secs(100)));
        assert_eq!(
            t.line(),
            "collections 4/10 · reports 1234 · requests 300 (2 throttled), ≥1m 40s left"
        );
        assert_eq!(ProgressCounts { per_second: None, ..t }.eta(), None);
    }

    /// A terminal that keeps what is written to it.
    #[derive(Debug, Default, Clone)]
    struct Screen(Arc<Mutex<String>>);

    impl Screen {
        fn text(&self) -> String {
            self.0.lock().unwrap().clone()
        }
    }

    impl TermLike for Screen {
        fn width(&self) -> u16 {
            200
        }
        fn move_cursor_up(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> io::Result<()> {
            self.write_str(&format!("{s}\n"))
        }
        fn write_str(&self, s: &str) -> io::Result<()> {
            self.0.lock().unwrap().push_str(s);
            Ok(())
        }
        fn clear_line(&self) -> io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> io::Result<()> {
            Ok(())
        }
    }

    fn on(screen: &Screen, wanted: bool, terminal: bool) -> Progress {
        let screen = screen.clone();
        Progress::drawing_to(wanted, terminal, move || {
            ProgressDrawTarget::term_like(Box::new(screen))
        })
    }

    #[test]
    fn nothing_is_drawn_off_a_terminal_or_when_not_wanted() {
        let tally = ProgressCounts {
            requests: 7,
            ..ProgressCounts::default()
        };
        for (wanted, terminal) in [(true, false), (false, true), (false, false)] {
            let screen = Screen::default();
            let progress = on(&screen, wanted, terminal);
            assert!(!progress.is_drawing(), "wanted {wanted}, terminal {terminal}");
            progress.update(&tally);
            progress.finish();
            assert_eq!(screen.text(), "", "wanted {wanted}, terminal {terminal}");
        }
    }

    #[test]
    fn on_a_terminal_the_line_is_drawn() {
        let screen = Screen::default();
        let progress = on(&screen, true, true);
        assert!(progress.is_drawing());
        let tally = ProgressCounts {
            collections: 3,
            requests: 7,
            ..ProgressCounts::default()
        };
        progress.update(&tally);
        assert!(screen.text().contains(&tally.line()), "{:?}", screen.text());
        progress.finish();
    }
}
