//! `atvsld`: run the ATVSLĐ suite and administer it. `main` parses the command line and
//! hands each command to its own function in `cli/`.
#![allow(clippy::print_stdout)] // a command-line tool speaks on stdout

mod cli;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "atvsld",
    version,
    about = "The ATVSLĐ suite of Cao Bằng (Kế hoạch 664/KH-UBND)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run incidents, health-stats and tasks in this process, on SQLite files in the data folder.
    Up(cli::up::Args),
    /// Print a signed development token that the services started by `up` trust.
    Token(cli::token::Args),
    /// Apply pending migrations: every service's SQLite file in the data folder, or one
    /// service's database named by --database-url (e.g. PostgreSQL in an init container).
    Migrate(cli::admin::MigrateArgs),
    /// Load seed data: `plan-664` (Kế hoạch 664/KH-UBND, its agencies, targets and
    /// tasks), or `plan FILE` (another plan in the same format), into the tasks
    /// database of the data folder, or the one named by --database-url. A plan
    /// already there is left as it is.
    Seed(cli::admin::SeedArgs),
    /// Import a JSON, NDJSON or CSV file (format from its extension) through a bulk
    /// endpoint; a large file runs as a job, followed with a progress bar on stderr.
    /// Exits with 1 when any row was rejected.
    Import(cli::import::Args),
    /// Back up every service's database into a new folder `atvsld-backup-<UTC time>`:
    /// the SQLite files of the data folder (consistent snapshots with `VACUUM INTO`, safe
    /// while `up` runs) and its keys, or with --database-url the PostgreSQL databases
    /// (`pg_dump --format=custom`, which must be on PATH).
    Backup(cli::admin::BackupArgs),
    /// Restore a folder made by `backup`: its SQLite files and keys into a data folder
    /// that does not hold them yet, or with --database-url its dumps into empty
    /// PostgreSQL databases (`pg_restore`, which must be on PATH). Never overwrites.
    Restore(cli::admin::RestoreArgs),
    /// Start signing filing receipts with a new key: in every service's SQLite database
    /// of the data folder, or in the PostgreSQL databases named by --database-url. Older
    /// keys stay published, so the receipts they signed still verify.
    RotateReceiptKey(cli::admin::RotateArgs),
    /// Write the OpenAPI documents (one per service and the merged atvsld.json).
    Openapi(cli::admin::OpenapiArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Up(args) => cli::up::run(args).await,
        Command::Token(args) => cli::token::run(args),
        Command::Migrate(args) => cli::admin::migrate(args).await,
        Command::Seed(args) => cli::admin::seed(args).await,
        Command::Import(args) => cli::import::run(args).await,
        Command::Backup(args) => cli::admin::backup(args).await,
        Command::Restore(args) => cli::admin::restore(args).await,
        Command::RotateReceiptKey(args) => cli::admin::rotate_receipt_key(args).await,
        Command::Openapi(args) => cli::admin::openapi(args).await,
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    /// `--help` explains every flag and argument of every command (issue 16).
    #[test]
    fn every_argument_of_every_command_has_help() {
        let cli = super::Cli::command();
        let mut missing = Vec::new();
        let mut seen = 0;
        for command in cli.get_subcommands() {
            for arg in command.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") {
                    continue;
                }
                seen += 1;
                if arg.get_help().is_none() {
                    missing.push(format!("{} {id}", command.get_name()));
                }
            }
        }
        assert!(seen > 30, "only {seen} arguments walked");
        assert!(missing.is_empty(), "no help text: {missing:?}");
    }
}
