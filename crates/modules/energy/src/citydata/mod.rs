//! The `citydata` module (issue 31, items 7–8; `docs/city-data.md`): data
//! sets and sensor feeds an agency publishes for the others, and who read
//! what.
//!
//! - an agency's data publisher (an [`Role::Oracle`]) **registers** a data
//!   set or feed with its schema, licence and access (open, agencies
//!   granted, or granted by purpose), and **publishes** batches: the ledger
//!   holds each batch's SHA-256, size, time window and media type; the
//!   content is served by the publisher's node from its content-addressed
//!   store, checked against that hash (`POST /v1/data-store`);
//! - the publisher **grants** a restricted data set to another agency
//!   (for a purpose, until a date) and revokes grants; every grant is
//!   public;
//! - a member of a granted agency **records an access** to a batch before
//!   downloading it; the publisher's node serves the content to that
//!   member only, within the hour, and the reader checks it against the
//!   ledger's hash (`publica data get`).

pub mod calls;
pub mod codes;
pub mod events;
pub mod model;
pub mod routes;

use codes::CityDataRejection as R;
use events::CityDataEvent;
use publica_runtime::authz::Role;
use publica_runtime::{CallContext, IndexFiler, Need, TypedModule};
use publica_types::TxError;

/// The `citydata` module.
#[derive(Debug, Default)]
pub struct CityData;

publica_runtime::calls! {
    /// The calls of `citydata`.
    #[derive(Debug)]
    pub enum CityDataCall {
        /// Register a data set or feed (an oracle of the agency).
        Register(calls::RegisterArgs) = "register" => Need::Role(Role::Oracle, "agency"),
        /// Publish a batch by its hash (an oracle).
        Publish(calls::PublishArgs) = "publish" => Need::Role(Role::Oracle, "agency"),
        /// Grant a restricted data set to an agency, or revoke (an oracle).
        Grant(calls::GrantArgs) = "grant" => Need::Role(Role::Oracle, "agency"),
        /// Record an access to a batch (a member of a granted agency).
        Access(calls::AccessArgs) = "access" => Need::Any,
    }
}

impl TypedModule for CityData {
    const NAME: &'static str = "citydata";
    type Call = CityDataCall;
    type Rejection = R;
    type Event = CityDataEvent;
    const ROUTES: &'static [publica_runtime::Route] = routes::ROUTES;

    fn execute(&self, ctx: &mut CallContext<'_>, call: CityDataCall) -> Result<(), TxError> {
        match call {
            CityDataCall::Register(a) => calls::register(ctx, a),
            CityDataCall::Publish(a) => calls::publish(ctx, a),
            CityDataCall::Grant(a) => calls::grant(ctx, a),
            CityDataCall::Access(a) => calls::access(ctx, a),
        }
    }

    fn index_event(&self, event: &CityDataEvent, filer: &mut IndexFiler<'_>) {
        use CityDataEvent as E;
        let (_, data) = publica_runtime::kit::split_event(event);
        match event {
            E::Registered { agency, .. } => filer.file(&format!("datasets/{agency}"), &data),
            E::Published {
                agency, dataset, ..
            } => filer.file(&format!("batches/{agency}/{dataset}"), &data),
            E::Granted {
                agency, dataset, ..
            } => filer.file(&format!("grants/{agency}/{dataset}"), &data),
            E::Accessed {
                agency, dataset, ..
            } => filer.file(&format!("accesses/{agency}/{dataset}"), &data),
        }
    }
}
