//! Settings of a running relay, from flags and `HERALD_*` environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

/// Everything `relay serve` needs to start.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port (the chosen address is printed).
    #[arg(long, env = "HERALD_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Folder for the database and generated keys; created when missing.
    #[arg(long, env = "HERALD_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Folder holding the web app built by Trunk.
    #[arg(long, env = "HERALD_WEB_DIR", default_value = "dist")]
    pub web_dir: PathBuf,
}
