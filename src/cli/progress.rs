//! Progress of a long command: a bar with the time left on a terminal, plain lines otherwise (a
//! log, CI), so that a run of minutes or hours says where it is either way.

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

/// Counts the units of work of a command (`total` of them) on stderr.
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    done: u64,
    total: u64,
}

impl Progress {
    /// A bar for `total` units of work on a terminal; plain lines elsewhere.
    pub(crate) fn new(total: u64) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            let style = ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {wide_msg} ({eta} left)")
                .expect("a valid template")
                .progress_chars("=> ");
            bar.set_style(style);
            bar
        });
        Progress { bar, started: Instant::now(), done: 0, total }
    }

    /// Says what runs now (the bar's message, or a line with the elapsed time).
    pub(crate) fn say(&self, what: &str) {
        match &self.bar {
            Some(bar) => bar.set_message(what.to_string()),
            None => eprintln!("[{:>6.0} s] {}/{} {what}", self.started.elapsed().as_secs_f64(), self.done, self.total),
        }
    }

    /// `units` more are done.
    pub(crate) fn advance(&mut self, units: u64) {
        self.done += units;
        if let Some(bar) = &self.bar {
            bar.inc(units);
        }
    }

    /// Prints a line above the bar (or plainly): results as they come.
    pub(crate) fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => println!("{line}"),
        }
    }

    /// Removes the bar; the elapsed seconds.
    pub(crate) fn finish(self) -> f64 {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
        self.started.elapsed().as_secs_f64()
    }
}
