//! `migrate`: rewrites weight files in the current format, recording the data set they learned
//! (a file written before files recorded it says nothing, and the page then keeps whichever test
//! set it shows).

use std::path::PathBuf;

use clap::Args;

use aestudio::AeError;
use aestudio::model::weights;

use super::args::DataArgs;

/// Rewrite weight files in the current format, recording the data set each learned.
#[derive(Args)]
pub struct Migrate {
    /// The weight files, each rewritten in place.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The data set the models learned (`--dataset`), whose test set's fingerprint is recorded.
    #[command(flatten)]
    data: DataArgs,
}

impl Migrate {
    pub async fn run(self) -> Result<(), AeError> {
        let (_, tag) = self.data.splits_with_tag()?;
        for path in &self.files {
            let bytes = std::fs::read(path).map_err(|err| AeError::Weights(format!("{}: {err}", path.display())))?;
            let loaded = weights::load(&bytes, &aestudio::backend::cpu_device()).map_err(|err| AeError::Weights(format!("{}: {err}", path.display())))?;
            if let Some(recorded) = &loaded.dataset {
                recorded.check_same(&tag, &format!("{} already records that it", path.display()))?;
            }
            let rewritten = weights::save_with_dataset(&loaded.model, &loaded.provenance, Some(&tag)).await?;
            std::fs::write(path, rewritten).map_err(|err| AeError::Weights(format!("{}: {err}", path.display())))?;
            println!("{}: {} on {} (test set {})", path.display(), loaded.model.config().describe(), tag.name, tag.test_fingerprint);
        }
        Ok(())
    }
}
