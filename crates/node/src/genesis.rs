//! The chain's genesis and module set, as the node uses them: the genesis
//! is kept in the data directory (`genesis.json`) so that recovery and
//! audits replay from exactly the same starting state.

use crate::node::NodeError;
use publica_identity::{Genesis, Identity};
use publica_runtime::Runtime;
use std::path::Path;

/// File name of the genesis inside the data directory.
pub const GENESIS_FILE: &str = "genesis.json";
/// Largest genesis file read, in bytes.
const GENESIS_BYTES_MAX: u64 = 4 << 20;

/// The chain's runtime executing each height by the ledger format
/// `data_dir` records for it.
pub fn runtime_for(data_dir: &publica_store::DataDir) -> Runtime {
    let mut rt = chain_runtime();
    rt.set_formats(data_dir.formats().clone());
    rt
}

/// The runtime with every module of the chain.
pub fn chain_runtime() -> Runtime {
    let mut rt = Runtime::new();
    rt.register(Box::new(Identity));
    rt.register(Box::new(publica_money::Money));
    rt.register(Box::new(publica_programs::Programs));
    rt.register(Box::new(publica_credentials::Credentials));
    rt.register(Box::new(publica_medicines::Medicines));
    rt.register(Box::new(publica_records::Records));
    rt.register(Box::new(publica_claims::Claims));
    rt.register(Box::new(publica_elections::Elections));
    rt.register(Box::new(publica_elections::governance::Governance));
    rt.register(Box::new(publica_energy::Energy));
    rt.register(Box::new(publica_energy::recycling::Recycling));
    rt.register(Box::new(publica_energy::citydata::CityData));
    rt.register(Box::new(publica_crossborder::Crossborder));
    rt
}

/// The genesis recorded in `data_dir`, if any.
pub fn read_genesis(data_dir: &Path) -> Result<Option<Genesis>, NodeError> {
    let path = data_dir.join(GENESIS_FILE);
    match std::fs::metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(NodeError::Config(format!("{}: {e}", path.display()))),
        Ok(m) if m.len() > GENESIS_BYTES_MAX => {
            return Err(NodeError::Config(format!(
                "{} is larger than 4 MiB",
                path.display()
            )))
        }
        Ok(_) => {}
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| NodeError::Config(format!("{}: {e}", path.display())))?;
    Genesis::parse(&text)
        .map(Some)
        .map_err(|e| NodeError::Config(format!("{}: {e}", path.display())))
}

/// Records `genesis` in a new data directory, or checks that the one
/// already there is the same.
pub fn settle_genesis(data_dir: &Path, genesis: Option<&Genesis>) -> Result<Genesis, NodeError> {
    match (read_genesis(data_dir)?, genesis) {
        (Some(existing), Some(given)) if existing != *given => Err(NodeError::Config(format!(
            "{} already holds another genesis; use a new data directory for a new chain",
            data_dir.display()
        ))),
        (Some(existing), _) => Ok(existing),
        (None, Some(given)) => {
            let text = serde_json::to_string_pretty(given).expect("genesis serialises");
            let path = data_dir.join(GENESIS_FILE);
            std::fs::write(&path, text + "\n")
                .and_then(|_| std::fs::File::open(&path)?.sync_all())
                .map_err(|e| NodeError::Config(format!("writing {}: {e}", path.display())))?;
            Ok(given.clone())
        }
        (None, None) => Err(NodeError::Config(format!(
            "{} has no genesis: give one (--genesis FILE)",
            data_dir.display()
        ))),
    }
}

#[cfg(test)]
mod codes_doc {
    /// `docs/errors.md` lists every module's rejection codes exactly as
    /// the modules declare them: an undocumented code fails CI. To update
    /// the document after adding a code, run this test with
    /// `PUBLICA_BLESS=1`.
    #[test]
    fn errors_md_lists_every_module_code() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/errors.md");
        let doc = std::fs::read_to_string(&path).unwrap();
        let (begin, end) = ("<!-- module-codes:begin -->\n", "<!-- module-codes:end -->");
        let (i, j) = (
            doc.find(begin)
                .expect("docs/errors.md has the module-codes begin marker")
                + begin.len(),
            doc.find(end)
                .expect("docs/errors.md has the module-codes end marker"),
        );
        let want = super::chain_runtime().codes_markdown() + "\n";
        if doc[i..j] != want {
            if std::env::var_os("PUBLICA_BLESS").is_some() {
                std::fs::write(&path, format!("{}{want}{}", &doc[..i], &doc[j..])).unwrap();
            } else {
                panic!("docs/errors.md's module codes differ from the modules' rejections; run with PUBLICA_BLESS=1 to rewrite them:\n{want}");
            }
        }
    }
}
