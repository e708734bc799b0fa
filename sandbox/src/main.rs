//! The `sandbox` binary: runs the simulator on its own, for demos and manual testing.

use clap::Parser;
use herald_sandbox::{SandboxConfig, start};

#[derive(Debug, Parser)]
#[command(
    name = "sandbox",
    about = "A WhatsApp provider simulator speaking Meta's Cloud API"
)]
struct Cli {
    /// Address to listen on.
    #[arg(long, env = "SANDBOX_LISTEN", default_value = "127.0.0.1:8090")]
    listen: std::net::SocketAddr,
    #[command(flatten)]
    config: SandboxConfig,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let listener = tokio::net::TcpListener::bind(cli.listen).await?;
    let sandbox = start(listener, cli.config)?;
    tracing::info!(url = %sandbox.base_url, "sandbox listening");
    tokio::signal::ctrl_c().await?;
    Ok(())
}
