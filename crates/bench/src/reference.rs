//! Reference points on the same machine: the physical limit of admission
//! (Ed25519 batch verification) and what an agency would use instead of a
//! ledger (PostgreSQL, one row per commit, `synchronous_commit=on`).

use anyhow::{anyhow, bail, Context, Result};
use publica_crypto::{verify_batch, Keypair};
use publica_types::{AccountId, SignatureBytes};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Ed25519 signatures verified per second, batches of 256, one core.
pub fn ed25519_batch_verify_per_s() -> f64 {
    let keys: Vec<Keypair> = (0..64).map(|_| Keypair::generate()).collect();
    let msgs: Vec<Vec<u8>> = (0..4096u32)
        .map(|i| format!("publica/tx/v1\nbench\n{{\"nonce\":{i}}}").into_bytes())
        .collect();
    let items: Vec<(AccountId, &[u8], SignatureBytes)> = msgs
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let k = &keys[i % keys.len()];
            (k.account(), m.as_slice(), k.sign(m))
        })
        .collect();
    let started = Instant::now();
    let mut verified = 0usize;
    while started.elapsed() < Duration::from_secs(2) {
        for chunk in items.chunks(256) {
            let ok = verify_batch(chunk);
            assert!(
                ok.iter().all(std::result::Result::is_ok),
                "reference signatures verify"
            );
            verified += chunk.len();
        }
    }
    verified as f64 / started.elapsed().as_secs_f64()
}

fn bin_dir() -> Option<PathBuf> {
    let from_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let mut candidates: Vec<PathBuf> = from_config.into_iter().collect();
    if let Ok(rd) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .collect();
        versions.sort();
        candidates.extend(versions.into_iter().rev());
    }
    candidates.into_iter().find(|d| {
        ["initdb", "pg_ctl", "pgbench", "psql", "postgres"]
            .iter()
            .all(|b| d.join(b).exists())
    })
}

/// Runs a PostgreSQL tool, as the `postgres` user when we are root
/// (PostgreSQL refuses to run as root).
fn pg(bin: &Path, tool: &str, as_postgres: bool, args: &[&str]) -> Result<String> {
    let mut cmd = if as_postgres {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin.join(tool));
        c
    } else {
        Command::new(bin.join(tool))
    };
    let out = cmd
        .args(args)
        .output()
        .with_context(|| format!("running {tool}"))?;
    if !out.status.success() {
        bail!(
            "{tool} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).to_string())
}

/// Rows per second that PostgreSQL commits, one insert per transaction,
/// with durable commits, measured by `pgbench` for `seconds` against a
/// private instance on a loopback port in a temporary directory.
pub fn postgres_rows_per_s(seconds: u64) -> Result<f64> {
    let bin = bin_dir().ok_or_else(|| {
        anyhow!("PostgreSQL is not installed (apt-get install postgresql; see docs/benchmarks.md)")
    })?;
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    if root
        && !Command::new("id")
            .arg("postgres")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    {
        bail!("running as root and there is no 'postgres' user to run PostgreSQL as");
    }
    let instance = Instance::start(bin, root)?;
    let result = instance.inserts_per_s(seconds);
    instance.stop();
    result
}

/// A private PostgreSQL instance, its data and socket in a temporary
/// directory, listening on a loopback port.
struct Instance {
    bin: PathBuf,
    /// Whether its tools run as the `postgres` user (we are root).
    as_postgres: bool,
    dir: tempfile::TempDir,
    data: String,
    port: String,
}

impl Instance {
    /// Creates the cluster (user `bench`, trusted) and starts its server
    /// with durable commits.
    fn start(bin: PathBuf, as_postgres: bool) -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("publica-bench-pg")
            .tempdir()?;
        let data = dir.path().join("data");
        if as_postgres {
            Command::new("chown")
                .args(["-R", "postgres"])
                .arg(dir.path())
                .status()?;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port()
            .to_string();
        let instance = Instance {
            bin,
            as_postgres,
            data: data.to_string_lossy().to_string(),
            dir,
            port,
        };
        let sock = instance.dir.path().to_string_lossy().to_string();
        instance.pg(
            "initdb",
            &[
                "-D",
                &instance.data,
                "-A",
                "trust",
                "-U",
                "bench",
                "--no-instructions",
            ],
        )?;
        let opts = format!(
            "-p {} -k {sock} -c listen_addresses=127.0.0.1 -c synchronous_commit=on -c fsync=on",
            instance.port
        );
        let log = instance
            .dir
            .path()
            .join("pg.log")
            .to_string_lossy()
            .to_string();
        instance.pg(
            "pg_ctl",
            &["-D", &instance.data, "-l", &log, "-o", &opts, "-w", "start"],
        )?;
        Ok(instance)
    }

    /// Runs one of its tools.
    fn pg(&self, tool: &str, args: &[&str]) -> Result<String> {
        pg(&self.bin, tool, self.as_postgres, args)
    }

    /// Creates the table, then has `pgbench` insert one row per
    /// transaction from 4 clients for `seconds`; the transactions per
    /// second it reports.
    fn inserts_per_s(&self, seconds: u64) -> Result<f64> {
        self.pg(
            "psql",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &self.port,
                "-U",
                "bench",
                "-d",
                "postgres",
                "-q",
                "-c",
                "CREATE TABLE ledger (id bigserial PRIMARY KEY, payload text NOT NULL)",
            ],
        )?;
        // A payload the size of a signed transfer envelope.
        let payload = format!("{{\"body\":{{\"call\":{{\"args\":{{\"amount\":\"1\",\"from\":\"bench-0\",\"to\":\"bench-1\"}},\"method\":\"transfer\",\"module\":\"money\"}},\"chain_id\":\"publica-dev\",\"expiry\":{{\"height\":1}},\"nonce\":2}},\"signature\":\"{}\",\"signer\":\"{}\"}}", "ab".repeat(64), "cd".repeat(32));
        let script = self.dir.path().join("insert.sql");
        std::fs::write(
            &script,
            format!("INSERT INTO ledger (payload) VALUES ('{payload}');\n"),
        )?;
        if self.as_postgres {
            Command::new("chown")
                .args(["postgres"])
                .arg(&script)
                .status()?;
        }
        let out = self.pg(
            "pgbench",
            &[
                "-n",
                "-h",
                "127.0.0.1",
                "-p",
                &self.port,
                "-U",
                "bench",
                "-c",
                "4",
                "-j",
                "2",
                "-T",
                &seconds.to_string(),
                "-f",
                &script.to_string_lossy(),
                "postgres",
            ],
        )?;
        out.lines()
            .find_map(|l| l.trim().strip_prefix("tps = "))
            .and_then(|l| l.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| anyhow!("pgbench printed no tps line"))
    }

    /// Stops the server at once; the directory goes when `self` does.
    fn stop(&self) {
        let _ = self.pg("pg_ctl", &["-D", &self.data, "-m", "immediate", "stop"]);
    }
}
