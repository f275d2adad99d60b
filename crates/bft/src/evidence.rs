//! Evidence of Byzantine behaviour the engine proves: conflicting
//! notarize or finalize votes, or nullify and finalize for one view, each
//! with both signed votes so anyone with the validator set can check it.

use commonware_codec::Encode;
use commonware_consensus::simplex::{
    scheme::ed25519,
    types::{Activity, Attributable},
};
use commonware_consensus::{Reporter, Viewable};
use commonware_cryptography::sha256::Digest;
use std::sync::{Arc, Mutex};

/// Most evidence records kept in memory.
pub const EVIDENCE_MAX: usize = 10_000;

/// One proven misbehaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// `conflicting_notarize`, `conflicting_finalize` or `nullify_finalize`.
    pub kind: &'static str,
    /// The consensus view.
    pub view: u64,
    /// Index of the offender in the validator set.
    pub offender: u32,
    /// The engine's encoding of the two signed votes.
    pub proof: Vec<u8>,
}

/// Records evidence from the engine's activity, then passes every activity
/// on to `inner` (the marshal wrapper).
#[derive(Clone)]
pub struct EvidenceReporter<R> {
    inner: R,
    log: Arc<Mutex<Vec<Evidence>>>,
}

impl<R> EvidenceReporter<R> {
    /// Wraps `inner`, recording into `log`.
    pub fn new(inner: R, log: Arc<Mutex<Vec<Evidence>>>) -> Self {
        EvidenceReporter { inner, log }
    }
}

impl<R> Reporter for EvidenceReporter<R>
where
    R: Reporter<Activity = Activity<ed25519::Scheme, Digest>>,
{
    type Activity = Activity<ed25519::Scheme, Digest>;

    fn report(&mut self, activity: Self::Activity) -> commonware_actor::Feedback {
        let found = match &activity {
            Activity::ConflictingNotarize(e) => Some((
                "conflicting_notarize",
                e.view().get(),
                e.signer().get(),
                e.encode(),
            )),
            Activity::ConflictingFinalize(e) => Some((
                "conflicting_finalize",
                e.view().get(),
                e.signer().get(),
                e.encode(),
            )),
            Activity::NullifyFinalize(e) => Some((
                "nullify_finalize",
                e.view().get(),
                e.signer().get(),
                e.encode(),
            )),
            _ => None,
        };
        if let Some((kind, view, offender, proof)) = found {
            tracing::warn!(kind, view, offender, "validator misbehaviour proven");
            let mut log = self.log.lock().expect("evidence");
            if log.len() < EVIDENCE_MAX {
                log.push(Evidence {
                    kind,
                    view,
                    offender,
                    proof: proof.to_vec(),
                });
            }
        }
        self.inner.report(activity)
    }
}
