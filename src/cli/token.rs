//! `atvsld token`: a development token for the services `up` runs on a data folder.

use anyhow::Context as _;
use shared::auth::Role;

#[derive(clap::Args)]
pub struct Args {
    /// admin, labor_authority, health_authority, agency, enterprise, commune, insurer or viewer.
    #[arg(long)]
    role: String,
    /// The caller's organisation: agency code, tax code or commune code.
    #[arg(long)]
    org: Option<String>,
    /// Lifetime: 90s, 30m, 1h, 7d.
    #[arg(long, default_value = "1h")]
    ttl: String,
    /// Subject (user name) written into the token.
    #[arg(long)]
    sub: Option<String>,
    #[command(flatten)]
    data_dir: super::DataDir,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let role = Role::parse(&args.role).with_context(|| {
        let known = Role::ALL.map(Role::as_str).join(", ");
        format!("unknown role {:?}; use one of {known}", args.role)
    })?;
    let keys = atvsld::existing_dev_keys(&args.data_dir.path)?;
    let subject = args.sub.unwrap_or_else(|| format!("dev-{}", role.as_str()));
    let token = keys.signer.token(
        atvsld::DEV_ISSUER,
        atvsld::DEV_AUDIENCE,
        &subject,
        &[role],
        args.org.as_deref(),
        atvsld::parse_ttl(&args.ttl)?,
    )?;
    println!("{token}");
    Ok(())
}
