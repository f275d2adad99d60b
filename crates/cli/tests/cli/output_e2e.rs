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

/// `tx send --args @FILE` reads the arguments from a file (a UTF-8 BOM, as
/// editors write one, is allowed), and a missing or malformed file is a
/// clear error; `programs report` says the node's code and sentence when
/// the node refuses, not only the status.
#[test]
fn args_come_from_a_file_and_refusals_are_said_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(&dir.path().join("d"), &[]);
    let key = crate::common::dev_admin_path(&node.data_dir);
    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, b"\xef\xbb\xbf{}\n").unwrap();
    let note = dir.path().join("note.json");
    std::fs::write(&note, br#"{"note": "from a file"}"#).unwrap();
    for (method, file) in [("register_account", &empty), ("set_note", &note)] {
        let arg = format!("@{}", file.display());
        let (ok, out, err) = crate::common::publica(&[
            "tx", "send", "--key", &key, "--node", &node.url, "--module", "system", "--method",
            method, "--args", &arg,
        ]);
        assert!(ok && out.contains("\"ok\""), "{method}: {out} {err}");
    }
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{not json").unwrap();
    for (arg, says) in [
        (
            format!("@{}", dir.path().join("missing.json").display()),
            "reading --args @",
        ),
        (format!("@{}", bad.display()), "must hold JSON"),
    ] {
        let (ok, _, err) = crate::common::publica(&[
            "tx", "send", "--key", &key, "--node", &node.url, "--module", "system", "--method",
            "set_note", "--args", &arg,
        ]);
        assert!(!ok && err.contains(says), "{arg}: {err}");
    }
    let (ok, _, err) = crate::common::publica(&[
        "programs", "report", "nosuch", "--period", "2027-03", "--format", "csv", "--node",
        &node.url,
    ]);
    assert!(!ok && err.contains("node refused (404 programs."), "{err}");
}
