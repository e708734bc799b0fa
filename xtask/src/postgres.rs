//! A private PostgreSQL cluster for one test run: Debian's server, installed when missing,
//! initialised in a temporary folder, listening on a free loopback port, stopped on drop.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::install;
use crate::process::{Failure, command, output, run};

/// A running test cluster.
pub(crate) struct TestPostgres {
    bin: PathBuf,
    folder: PathBuf,
    /// `postgres://postgres@127.0.0.1:PORT` (no database: tests create their own).
    pub(crate) url: String,
}

impl TestPostgres {
    /// Installs the server if needed and starts a fresh cluster.
    pub(crate) fn start(root: &Path) -> Result<Self, Failure> {
        let bin = match server_bin() {
            Some(bin) => bin,
            None => {
                install::apt_install(root, &["postgresql"])?;
                server_bin().ok_or_else(|| {
                    Failure(
                        "PostgreSQL installed but no initdb found under /usr/lib/postgresql"
                            .to_owned(),
                    )
                })?
            }
        };
        let folder =
            std::env::temp_dir().join(format!("herald-test-postgres-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder)
            .map_err(|error| Failure(format!("cannot create {}: {error}", folder.display())))?;
        let as_root = output(Command::new("id").arg("-u")).as_deref() == Some("0");
        if as_root {
            // initdb refuses to run as root: the cluster belongs to the postgres user.
            run(command(root, "chown")
                .args(["-R", "postgres:postgres"])
                .arg(&folder))?;
        }
        let port = free_port()?;
        let data = folder.join("data");
        let as_owner = |program: &str| {
            let tool = bin.join(program);
            let mut owner = if as_root {
                let mut runuser = command(root, "runuser");
                runuser.args(["-u", "postgres", "--"]).arg(&tool);
                runuser
            } else {
                command(root, &tool.to_string_lossy())
            };
            owner.current_dir(&folder);
            owner
        };
        run(as_owner("initdb")
            .args([
                "--auth=trust",
                "--username=postgres",
                "--no-sync",
                "--pgdata",
            ])
            .arg(&data))?;
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
            folder.display()
        );
        run(as_owner("pg_ctl")
            .arg("--pgdata")
            .arg(&data)
            .args(["--wait", "--log"])
            .arg(folder.join("server.log"))
            .args(["-o", &options, "start"]))?;
        Ok(Self {
            bin,
            folder,
            url: format!("postgres://postgres@127.0.0.1:{port}"),
        })
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        let data = self.folder.join("data");
        let mut stop = Command::new("runuser");
        stop.args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .arg("--pgdata")
            .arg(&data)
            .args(["--mode=immediate", "stop"]);
        if output(&mut stop).is_none() {
            let _ = Command::new(self.bin.join("pg_ctl"))
                .arg("--pgdata")
                .arg(&data)
                .args(["--mode=immediate", "stop"])
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// The newest `/usr/lib/postgresql/<version>/bin` that has `initdb`.
fn server_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| entry.ok().map(|entry| entry.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop()
}

fn free_port() -> Result<u16, Failure> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|error| Failure(format!("no free port: {error}")))?;
    listener
        .local_addr()
        .map(|address| address.port())
        .map_err(|error| Failure(error.to_string()))
}
