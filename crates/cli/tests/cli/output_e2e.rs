//! The binary prints like a Unix tool: when the reader of its stdout goes
//! away (`publica query … | head`), it ends quietly with status 0 instead
//! of panicking on the closed pipe.

use crate::common::TestNode;
use std::process::{Command, Stdio};

/// Runs `publica args` with stdout a pipe whose reader is already closed,
/// so its first write fails; returns its exit code and stderr.
fn run_with_stdout_closed(args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let out = Command::new(crate::common::bin())
        .args(args)
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("running publica");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_closed_stdout_ends_a_query_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(dir.path(), &[]);
    crate::common::commit_notes(&node, 1);
    for args in [
        &["query", "status", "--node", &node.url][..],
        &["query", "block", "1", "--node", &node.url][..],
    ] {
        let (code, stderr) = run_with_stdout_closed(args);
        assert_eq!(code, Some(0), "publica {args:?}: {stderr}");
        assert!(stderr.is_empty(), "publica {args:?} wrote: {stderr}");
    }
}
