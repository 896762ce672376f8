//! One module per command group of `atvsld`; each command is one function that takes
//! its parsed arguments.

pub mod admin;
pub mod import;
pub mod token;
pub mod up;

/// Help text shared by every command that reads the data folder.
pub const DATA_DIR_HELP: &str =
    "The data folder of `atvsld up`: its SQLite files, signing keys and events secret";
