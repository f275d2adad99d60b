//! `medicines.capture`: one EPCIS 2.0 event, signed by an account that
//! captures for a licensed party, checked against the registry and the
//! custody of every object it names, then committed with its event hash.
//!
//! The rules (see `docs/medicines.md`, "Custody"):
//! - an `ObjectEvent` that ADDs (commissioning) creates packs whose
//!   numbers begin with one of the party's company prefixes, once each;
//! - `shipping` is by the custodian of objects it holds, not packed in a
//!   container (ship the container); the destination, when the event names
//!   one by GLN, must receive them: a destination that is not a licensed
//!   party marks the objects as having left the licensed chain;
//! - `receiving` (or `accepting`) is by the destination;
//! - `dispensing` (pharmacies and hospitals), `decommissioning` (or action
//!   DELETE) and `destroying` end an object's life: no event touches it
//!   again;
//! - an `AggregationEvent` packs objects the party holds into a parent it
//!   holds (created on first use when its number is the party's), or
//!   unpacks them; a packed object follows its outermost container;
//! - a `TransformationEvent` consumes inputs the party holds and
//!   commissions its outputs;
//! - `TransactionEvent` and `AssociationEvent` are recorded only;
//! - an event may not be older than the latest event on an object it
//!   touches, nor name a location (SGLN) of another party.

use crate::codes::MedicinesRejection as R;
use crate::epcis::{self, Action, Event, EventType};
use crate::events::MedicinesEvent;
use crate::gs1::Id;
use crate::model::{
    account_key, event_id_key, event_key, gln_key, item_key, prefix_key, EventRecord, Hop, Item,
    Kind, Licensee, Status, CHILDREN_MAX, FUTURE_SKEW_MS, HOPS_MAX,
};
use publica_runtime::{CallContext, Rejections};
use publica_types::TxError;
use serde::Deserialize;
use serde_json::Value;

/// Arguments of `medicines.capture`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capture {
    /// The EPCIS 2.0 event (JSON, as in an `EPCISDocument`'s event list,
    /// with the `@context` its extension prefixes need).
    pub event: Value,
}

/// Most events in one `medicines.capture_batch`.
pub const BATCH_EVENTS_MAX: usize = 500;

/// Arguments of `medicines.capture_batch`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureBatch {
    /// The events (1..=[`BATCH_EVENTS_MAX`]; the transaction's size bounds
    /// them too), each captured or refused on its own, in order.
    pub events: Vec<Value>,
}

/// Executes `medicines.capture_batch`: each event as `medicines.capture`
/// would, in order; a refused event changes nothing and is reported by a
/// `capture_refused` event with its index and reason, the others stay
/// captured (EPCIS capture's "proceed" behaviour). The receipt's events
/// give each event's result in order: `captured` or `capture_refused`.
pub(crate) fn capture_batch(ctx: &mut CallContext<'_>, a: CaptureBatch) -> Result<(), TxError> {
    if a.events.is_empty() || a.events.len() > BATCH_EVENTS_MAX {
        return Err(R::InvalidEvent.err(format!("a batch holds 1..={BATCH_EVENTS_MAX} events")));
    }
    for (index, event) in a.events.into_iter().enumerate() {
        if let Err(e) = ctx.attempt(|ctx| capture(ctx, Capture { event })) {
            ctx.emit_event(&MedicinesEvent::CaptureRefused {
                index: u32::try_from(index).unwrap_or(u32::MAX),
                code: e.code,
                message: e.message,
            });
        }
    }
    Ok(())
}

/// The party the signer captures for, licensed now and at `at_ms`.
fn capturing_party(ctx: &CallContext<'_>, at_ms: u64) -> Result<Licensee, TxError> {
    let id: String = ctx
        .read(&account_key(&ctx.signer()))
        .ok_or_else(|| R::NotAParty.err("the signer captures for no registered party"))?;
    let p: Licensee = ctx
        .read(&crate::model::party_key(&id))
        .ok_or_else(|| R::NotAParty.err(format!("no party '{id}'")))?;
    if !p.licensed_now_and_at(at_ms) {
        return Err(R::NotLicensed.err(format!(
            "party '{id}' is not licensed now and at the event's time"
        )));
    }
    Ok(p)
}

fn event_err(e: epcis::EventError) -> TxError {
    match e {
        epcis::EventError::Invalid(m) => R::InvalidEvent.err(m),
        epcis::EventError::Unsupported(m) => R::UnsupportedEvent.err(m),
    }
}

/// Executes `medicines.capture`.
pub(crate) fn capture(ctx: &mut CallContext<'_>, a: Capture) -> Result<(), TxError> {
    let size = serde_json::to_vec(&a.event).map_or(usize::MAX, |v| v.len());
    if size > epcis::EVENT_BYTES_MAX {
        return Err(R::InvalidEvent.err(format!(
            "an event is at most {} bytes of JSON",
            epcis::EVENT_BYTES_MAX
        )));
    }
    let e = epcis::read(&a.event).map_err(event_err)?;
    let now = ctx.env().time_ms;
    if e.time_ms > now.saturating_add(FUTURE_SKEW_MS) {
        return Err(R::InvalidEvent.err("eventTime is in the future"));
    }
    let party = capturing_party(ctx, e.time_ms)?;
    let (hash, hash_hex) = crate::hash::event_hash(&a.event).map_err(event_err)?;
    if ctx.contains(&event_key(&party.id, &hash_hex)) {
        return Err(R::DuplicateEvent.err(format!(
            "party '{}' captured event {hash} already",
            party.id
        )));
    }
    let id_key = e
        .event_id
        .as_ref()
        .map(|id| event_id_key(&party.id, &publica_crypto::sha256(id.as_bytes()).to_hex()));
    if let Some(k) = &id_key {
        if ctx.contains(k) {
            return Err(R::DuplicateEvent.err(format!(
                "eventID {} is captured already",
                e.event_id.as_deref().unwrap_or_default()
            )));
        }
    }
    for loc in e.read_point.iter().chain(e.biz_location.iter()) {
        let Id::Sgln { gln, .. } = loc else { continue };
        if !party.glns.contains(gln) {
            return Err(R::NotYourLocation.err(format!(
                "location {gln} is not one of party '{}''s",
                party.id
            )));
        }
    }
    let mut run = Run {
        ctx,
        party: &party,
        e: &e,
        hash: &hash,
        owned: std::collections::HashMap::new(),
    };
    run.apply()?;
    let record = EventRecord {
        hash: hash.clone(),
        party: party.id.clone(),
        tx_id: ctx.tx_id(),
        height: ctx.env().height,
        record_ms: now,
        event: a.event,
    };
    ctx.write(event_key(&party.id, &hash_hex), &record);
    if let Some(k) = id_key {
        ctx.write(k, &hash);
    }
    ctx.emit_event(&MedicinesEvent::Captured {
        hash,
        party: party.id,
        event_type: e.kind.name().to_string(),
        biz_step: e.biz_step.clone(),
        time_ms: e.time_ms,
        objects: e.objects().iter().map(|o| o.key()).collect(),
        commissioned: commissioned(&e),
        location: e.biz_location.as_ref().map(Id::key),
    });
    Ok(())
}

/// The packs an event commissions: `(key, gtin, lot)`.
fn commissioned(e: &Event) -> Vec<(String, String, Option<String>)> {
    let new: &[Id] = match (e.kind, e.action) {
        (EventType::Object, Some(Action::Add)) => &e.epcs,
        (EventType::Transformation, _) => &e.outputs,
        _ => &[],
    };
    new.iter()
        .filter_map(|id| match id {
            Id::Sgtin { gtin, .. } => Some((id.key(), gtin.clone(), e.lot.clone())),
            _ => None,
        })
        .collect()
}

/// One event being applied.
struct Run<'r, 'c> {
    ctx: &'r mut CallContext<'c>,
    party: &'r Licensee,
    e: &'r Event,
    hash: &'r str,
    /// Numbers judged the party's, by their first 12 digits.
    owned: std::collections::HashMap<String, bool>,
}

impl Run<'_, '_> {
    fn apply(&mut self) -> Result<(), TxError> {
        let e = self.e;
        match (e.kind, e.action) {
            (EventType::Object, Some(Action::Add)) => self.commission(&e.epcs),
            (EventType::Object, _) => self.object_event(),
            (EventType::Aggregation, Some(Action::Add)) => self.pack(),
            (EventType::Aggregation, Some(Action::Delete)) => self.unpack(),
            (EventType::Aggregation, _) => {
                if let Some(p) = &e.parent {
                    self.held(p)?;
                }
                Ok(())
            }
            (EventType::Transformation, _) => {
                for input in &e.inputs {
                    let mut item = self.held(input)?;
                    item.status = Status::Transformed;
                    self.save(input, item);
                }
                self.commission(&e.outputs)
            }
            (EventType::Transaction | EventType::Association, _) => Ok(()),
        }
    }

    fn item(&self, id: &Id) -> Result<Item, TxError> {
        let item: Item = self
            .ctx
            .read(&item_key(&id.key()))
            .ok_or_else(|| R::NotCommissioned.err(format!("{id} was never commissioned")))?;
        if item.status.is_final() {
            return Err(R::ObjectRetired.err(format!("{id} is {} already", item.status.name())));
        }
        if self.e.time_ms < item.last_ms {
            return Err(
                R::OutOfOrder.err(format!("the event is older than the latest event on {id}"))
            );
        }
        Ok(item)
    }

    /// `id`, held by the capturing party and in no container.
    fn held(&self, id: &Id) -> Result<Item, TxError> {
        let item = self.item(id)?;
        if let Some(parent) = &item.parent {
            return Err(R::InContainer.err(format!(
                "{id} is packed in {parent}: capture the event on the container, or unpack it first"
            )));
        }
        let custodian = item.hops.last().map(|h| h.party.as_str());
        if custodian != Some(self.party.id.as_str()) || item.status != Status::Held {
            return Err(R::NotCustodian.err(format!(
                "party '{}' does not hold {id} (custodian: {}, {})",
                self.party.id,
                custodian.unwrap_or("none"),
                item.status.name()
            )));
        }
        Ok(item)
    }

    fn save(&mut self, id: &Id, mut item: Item) {
        item.last_ms = item.last_ms.max(self.e.time_ms);
        item.events = item.events.saturating_add(1);
        self.ctx.write(item_key(&id.key()), &item);
    }

    fn commission(&mut self, ids: &[Id]) -> Result<(), TxError> {
        for id in ids {
            if self.ctx.contains(&item_key(&id.key())) {
                return Err(R::AlreadyCommissioned.err(format!("{id} is commissioned already")));
            }
            if !self.owns(id) {
                return Err(R::NotYourPrefix.err(format!(
                    "{id} does not begin with a company prefix of party '{}'",
                    self.party.id
                )));
            }
            let item = self.new_item();
            self.save(id, item);
        }
        Ok(())
    }

    /// The number is the capturing party's: it begins with one of its
    /// prefixes, and no longer registered prefix (a sub-allocation to
    /// another party) covers it. Judged once per GTIN or SSCC prefix run
    /// within an event.
    fn owns(&mut self, id: &Id) -> bool {
        let n = id.prefixed_number();
        let Some(mine) = self
            .party
            .company_prefixes
            .iter()
            .filter(|p| n.starts_with(p.as_str()))
            .map(String::len)
            .max()
        else {
            return false;
        };
        let probe = n[..12.min(n.len())].to_string();
        if let Some(&known) = self.owned.get(&probe) {
            return known;
        }
        let owned =
            !(mine + 1..=12.min(n.len())).any(|len| self.ctx.contains(&prefix_key(&n[..len])));
        self.owned.insert(probe, owned);
        owned
    }

    fn new_item(&self) -> Item {
        Item {
            commissioned_by: self.party.id.clone(),
            commissioned_ms: self.e.time_ms,
            commissioning_event: self.hash.to_string(),
            hops: vec![self.hop()],
            status: Status::Held,
            parent: None,
            packed_ms: None,
            children: Vec::new(),
            lot: self.e.lot.clone(),
            expiry: self.e.expiry.clone(),
            diverted: None,
            last_ms: self.e.time_ms,
            events: 0,
        }
    }

    fn hop(&self) -> Hop {
        Hop {
            party: self.party.id.clone(),
            since_ms: self.e.time_ms,
            event: self.hash.to_string(),
        }
    }

    fn object_event(&mut self) -> Result<(), TxError> {
        let e = self.e;
        let step = e.biz_step.as_deref().unwrap_or_default();
        let disposition = e.disposition.as_deref().unwrap_or_default();
        for id in &e.epcs {
            let item = match step {
                "receiving" | "accepting" => self.receive(id)?,
                _ => {
                    let mut item = self.held(id)?;
                    if step == "shipping" || disposition == "in_transit" {
                        self.ship(&mut item)?;
                    } else if step == "dispensing" || disposition == "dispensed" {
                        if !matches!(self.party.kind, Kind::Pharmacy | Kind::Hospital) {
                            return Err(
                                R::NotCustodian.err("only a pharmacy or a hospital dispenses")
                            );
                        }
                        item.status = Status::Dispensed;
                    } else if step == "destroying" || disposition == "destroyed" {
                        item.status = Status::Destroyed;
                    } else if step == "decommissioning" || e.action == Some(Action::Delete) {
                        item.status = Status::Decommissioned;
                    }
                    item
                }
            };
            self.save(id, item);
        }
        Ok(())
    }

    /// Ships `item`: to the destination party the event names by GLN, if
    /// it is licensed; anywhere else leaves the licensed chain.
    fn ship(&self, item: &mut Item) -> Result<(), TxError> {
        let gln = self
            .e
            .destinations
            .iter()
            .find_map(|d| d.gln.clone().filter(|_| d.kind != "location"))
            .or_else(|| self.e.destinations.iter().find_map(|d| d.gln.clone()));
        // Without a destination, any licensed party could claim to have
        // received the goods.
        let Some(gln) = gln else {
            return Err(R::InvalidEvent.err(
                "a shipment names its destination by GLN in destinationList (owning_party, possessing_party or location)",
            ));
        };
        let to: Option<Licensee> = self
            .ctx
            .read::<String>(&gln_key(&gln))
            .and_then(|id| self.ctx.read(&crate::model::party_key(&id)));
        match to {
            Some(p) if p.licensed_now_and_at(self.e.time_ms) => {
                item.status = Status::InTransit { to: Some(p.id) };
            }
            other => {
                item.status = Status::InTransit { to: None };
                item.diverted.get_or_insert_with(|| match other {
                    Some(p) => format!(
                        "shipped by '{}' to party '{}' (GLN {gln}), not licensed at the time",
                        self.party.id, p.id
                    ),
                    None => format!(
                        "shipped by '{}' to GLN {gln}, no registered party",
                        self.party.id
                    ),
                });
            }
        }
        Ok(())
    }

    fn receive(&self, id: &Id) -> Result<Item, TxError> {
        let mut item = self.item(id)?;
        if let Some(parent) = &item.parent {
            return Err(
                R::InContainer.err(format!("{id} is packed in {parent}: receive the container"))
            );
        }
        match &item.status {
            Status::InTransit { to } => {
                if to.as_ref().is_some_and(|t| *t != self.party.id) {
                    return Err(R::NotDestination.err(format!(
                        "{id} was shipped to party '{}'",
                        to.as_deref().unwrap_or_default()
                    )));
                }
            }
            _ => {
                return Err(R::NotCustodian.err(format!("{id} was not shipped: nothing to receive")))
            }
        }
        if item.hops.len() >= HOPS_MAX {
            return Err(
                R::InvalidEvent.err(format!("{id} has had {HOPS_MAX} custodians, the most kept"))
            );
        }
        item.hops.push(self.hop());
        item.status = Status::Held;
        Ok(item)
    }

    fn pack(&mut self) -> Result<(), TxError> {
        let e = self.e;
        let parent_id = e.parent.as_ref().expect("checked by epcis::read");
        let key = parent_id.key();
        let mut parent = match self.ctx.read::<Item>(&item_key(&key)) {
            Some(_) => self.held(parent_id)?,
            None => {
                self.commission(std::slice::from_ref(parent_id))?;
                self.ctx.read(&item_key(&key)).expect("just written")
            }
        };
        for child in &e.children {
            if child == parent_id {
                return Err(R::InvalidEvent.err(format!("{child} cannot contain itself")));
            }
            let mut item = self.held(child)?;
            if item.children.contains(&key) {
                return Err(R::InvalidEvent.err(format!("{child} contains {parent_id}")));
            }
            item.parent = Some(key.clone());
            item.packed_ms = Some(e.time_ms);
            parent.children.push(child.key());
            self.save(child, item);
        }
        if parent.children.len() > CHILDREN_MAX {
            return Err(
                R::InvalidEvent.err(format!("a container holds at most {CHILDREN_MAX} objects"))
            );
        }
        self.save(parent_id, parent);
        Ok(())
    }

    fn unpack(&mut self) -> Result<(), TxError> {
        let e = self.e;
        let parent_id = e.parent.as_ref().expect("checked by epcis::read");
        let key = parent_id.key();
        let mut parent = self.held(parent_id)?;
        let children: Vec<String> = if e.children.is_empty() {
            parent.children.clone()
        } else {
            e.children.iter().map(Id::key).collect()
        };
        for child_key in &children {
            let mut item: Item = self
                .ctx
                .read(&item_key(child_key))
                .filter(|i: &Item| i.parent.as_deref() == Some(key.as_str()))
                .ok_or_else(|| R::NotCustodian.err(format!("{child_key} is not in {parent_id}")))?;
            let packed = item.packed_ms.unwrap_or(0);
            for hop in parent.hops.iter().filter(|h| h.since_ms > packed) {
                if item.hops.len() >= HOPS_MAX {
                    return Err(R::InvalidEvent.err(format!(
                        "{child_key} has had {HOPS_MAX} custodians, the most kept"
                    )));
                }
                item.hops.push(hop.clone());
            }
            if item.hops.last().map(|h| &h.party) != Some(&self.party.id) {
                item.hops.push(self.hop());
            }
            if item.diverted.is_none() {
                item.diverted.clone_from(&parent.diverted);
            }
            item.parent = None;
            item.packed_ms = None;
            item.status = Status::Held;
            item.last_ms = item.last_ms.max(e.time_ms);
            item.events = item.events.saturating_add(1);
            self.ctx.write(item_key(child_key), &item);
            parent.children.retain(|c| c != child_key);
        }
        self.save(parent_id, parent);
        Ok(())
    }
}
