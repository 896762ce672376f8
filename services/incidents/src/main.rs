//! The incidents service on its own (a container): settings from `APP_CONFIG` (a TOML
//! file, optional) and `APP__…` environment variables.

use shared::config::{self, Settings};
use shared::server::Application;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let file = std::env::var_os("APP_CONFIG").map(std::path::PathBuf::from);
    let settings: Settings = config::load(file.as_deref())?;
    shared::telemetry::init_tracing(&settings.log);
    let app = Application::build(&incidents::SERVICE, &settings).await?;
    tracing::info!(port = app.port(), "incidents listening");
    app.run_until_stopped().await?;
    Ok(())
}
