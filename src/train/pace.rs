//! How fast a run trains: samples per second and the time its remaining steps will take, from
//! the time spent inside its training steps. The page shows these for every run (an image model's
//! or a recommender's); they are worked out here, once, rather than by each panel.

use serde::Serialize;

/// The clock of one run, or of its continuation after a resume. Only time inside training steps
/// counts: the time a run waits (for a visitor who draws, for a pause) does not slow its pace.
#[derive(Clone, Debug, PartialEq)]
pub struct Pace {
    epochs: usize,
    batch_size: usize,
    /// The run's step when the clock last counted, and the steps and seconds counted since it began.
    last_step: usize,
    steps: usize,
    seconds: f64,
}

/// A run's pace as the page shows it (camelCase for JavaScript).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaceReport {
    /// Steps taken since the clock began (the run's start, or its resumption), and the seconds
    /// they took.
    pub steps: usize,
    pub training_seconds: f64,
    /// Training samples per second; `None` before any step has been timed.
    pub samples_per_second: Option<f64>,
    /// The remaining steps' time at that rate; `None` as above.
    pub seconds_left: Option<f64>,
}

impl Pace {
    /// The clock of a run of `epochs` epochs of batches of `batch_size`, beginning at `start_step`
    /// (0 for a fresh run).
    pub fn new(epochs: usize, batch_size: usize, start_step: usize) -> Pace {
        Pace { epochs, batch_size, last_step: start_step, steps: 0, seconds: 0.0 }
    }

    /// Counts the steps up to the run's `step`, which took `seconds`, and reports the pace; the
    /// run has `steps_per_epoch` steps an epoch.
    pub fn advance(&mut self, step: usize, steps_per_epoch: usize, seconds: f64) -> PaceReport {
        self.steps += step.saturating_sub(self.last_step);
        self.last_step = step;
        self.seconds += seconds.max(0.0);
        let timed = self.steps > 0 && self.seconds > 0.0;
        let seconds_per_step = self.seconds / self.steps as f64;
        let steps_left = (steps_per_epoch * self.epochs).saturating_sub(step);
        PaceReport {
            steps: self.steps,
            training_seconds: self.seconds,
            samples_per_second: timed.then(|| self.batch_size as f64 / seconds_per_step),
            seconds_left: timed.then(|| steps_left as f64 * seconds_per_step),
        }
    }
}

/// A run's progress with its pace beside it: `{...progress, pace}` once serialized.
#[derive(Clone, Debug, Serialize)]
pub struct Paced<P: Serialize> {
    #[serde(flatten)]
    pub progress: P,
    pub pace: PaceReport,
}
