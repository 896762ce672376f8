//! One module per command group of `atvsld`; each command is one function that takes
//! its parsed arguments.

pub mod admin;
pub mod import;
pub mod token;
pub mod up;

use std::path::PathBuf;

/// `--data-dir`, the same for every command that reads the data folder.
#[derive(clap::Args)]
pub struct DataDir {
    /// The data folder of `atvsld up`: its SQLite files, signing keys and events secret.
    #[arg(long = "data-dir", env = "ATVSLD_DATA_DIR", default_value = atvsld::DEFAULT_DATA_DIR)]
    pub path: PathBuf,
}
