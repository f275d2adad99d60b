//! A module that panics on a call fails that transaction alone, with
//! `call.module_fault` and nothing it wrote kept; the block goes on, the
//! next transaction succeeds, and replay reproduces the block.

use publica_crypto::Keypair;
use publica_runtime::testkit::TestChain;
use publica_runtime::{Authority, CallContext, Module, Runtime};
use publica_state::StateTree;
use publica_types::{TxError, TxStatus};
use serde_json::{json, Value};

/// Writes a record, then panics when asked to.
struct Faulty;

impl Module for Faulty {
    fn name(&self) -> &'static str {
        "faulty"
    }

    fn authority(&self, _method: &str, _args: &Value) -> Result<Authority, TxError> {
        Ok(Authority::AnySigner)
    }

    fn execute(
        &self,
        ctx: &mut CallContext<'_>,
        method: &str,
        _args: &Value,
    ) -> Result<(), TxError> {
        ctx.put_json(b"faulty/written".to_vec(), &json!(method));
        assert!(method != "panic", "a bug in the module");
        Ok(())
    }
}

#[test]
fn a_panicking_call_fails_alone_and_the_chain_goes_on() {
    let mut rt = Runtime::new();
    rt.register(Box::new(Faulty));
    let mut c = TestChain::new(rt, StateTree::new());
    let kp = Keypair::generate();
    let a = kp.account();
    let txs = vec![
        TestChain::sign(a, &kp, 1, "faulty", "panic", json!({})),
        TestChain::sign(a, &kp, 2, "faulty", "fine", json!({})),
    ];
    let outcomes = c.push(txs);
    assert_eq!(outcomes[0].status, TxStatus::Failed);
    assert_eq!(
        outcomes[0].error.as_ref().unwrap().code,
        "call.module_fault"
    );
    assert_eq!(outcomes[1].status, TxStatus::Ok);
    assert_eq!(c.get("faulty/written"), Some(json!("fine")));
    c.check_replay();
}
