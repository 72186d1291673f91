//! The progress bar on stderr: shown only when stderr is a terminal and a run lasts more than
//! about a second.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::experiment::{Progress, ProgressSink};
use crate::report::console;

/// Wall-clock seconds before the bar appears.
const SHOW_AFTER_S: f64 = 1.0;

/// A progress bar for runs, or nothing when not wanted.
pub struct Bar {
    bar: Option<ProgressBar>,
    shown: bool,
}

impl Bar {
    /// A bar, unless `quiet` or stderr is not a terminal.
    pub fn new(quiet: bool) -> Bar {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let b = ProgressBar::hidden();
            b.set_length(1000);
            b.set_style(
                ProgressStyle::with_template("{bar:40} {percent:>3}% simulated {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b
        });
        Bar { bar, shown: false }
    }

    /// What to hand to `experiment::simulate`: the bar, if it is wanted.
    pub fn sink(&mut self) -> Option<&mut dyn ProgressSink> {
        self.bar.as_ref()?;
        Some(self)
    }
}

impl ProgressSink for Bar {
    fn tell(&mut self, p: &Progress) {
        let Some(bar) = &self.bar else { return };
        if !self.shown && p.wall_s > SHOW_AFTER_S {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            self.shown = true;
        }
        if self.shown {
            bar.set_message(format!(
                "{} messages, {:.1}M events/s",
                console::count(p.generated),
                p.events as f64 / p.wall_s.max(1e-9) / 1e6
            ));
            let done = (p.now.0 as f64 / p.horizon.0.max(1) as f64 * 1000.0) as u64;
            bar.set_position(done.min(1000));
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
