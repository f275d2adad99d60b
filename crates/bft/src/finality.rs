//! Finality evidence: after executing a block, each validator cosigns the
//! block's transparency-log checkpoint (C2SP `cosignature/v1`) and sends its
//! line to the others; a checkpoint with lines from a quorum (2f + 1) of the
//! validator set is the block's final checkpoint, which a receipt carries and
//! anyone checks offline against the set's cosigner keys alone.
//!
//! The gossip is three messages on one channel: a cosignature line, a
//! request for a height's final checkpoint (sent every second by a
//! validator that lacks it, e.g. after catching up or a partition), answered
//! with the final checkpoint (self-verifying) or, by a validator that has
//! none either, with its own line.

use publica_log::cosign::check_line;
use publica_log::{open_cosigned, quorum, Checkpoint, Cosigner, CosignerKey};
use std::collections::{BTreeMap, VecDeque};

/// Most bytes of one gossip message.
pub const MESSAGE_BYTES_MAX: usize = 16 * 1024;
/// Heights ahead of the executed one for which lines are kept.
const AHEAD_MAX: u64 = 256;
/// Missing final checkpoints asked for per request round.
const ASK_MAX: usize = 32;
/// Heights behind the executed one whose texts and lines are kept once
/// final (only final checkpoints are kept for good).
const KEEP_BEHIND: u64 = 64;

const LINE: u8 = 0;
const ASK: u8 = 1;
const FINAL: u8 = 2;

/// A gossip message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gossip {
    /// A validator's cosignature line for a height's checkpoint.
    Line(u64, String),
    /// "Send me the final checkpoint of this height."
    Ask(u64),
    /// A height's final checkpoint.
    Final(u64, String),
}

impl Gossip {
    /// Wire form: tag, height (big-endian), UTF-8 text.
    pub fn encode(&self) -> Vec<u8> {
        let (tag, h, text) = match self {
            Gossip::Line(h, t) => (LINE, h, t.as_str()),
            Gossip::Ask(h) => (ASK, h, ""),
            Gossip::Final(h, t) => (FINAL, h, t.as_str()),
        };
        let mut out = vec![tag];
        out.extend_from_slice(&h.to_be_bytes());
        out.extend_from_slice(text.as_bytes());
        out
    }

    /// Parses the wire form; `None` for anything malformed or too large.
    pub fn decode(b: &[u8]) -> Option<Gossip> {
        if b.len() < 9 || b.len() > MESSAGE_BYTES_MAX {
            return None;
        }
        let h = u64::from_be_bytes(b[1..9].try_into().ok()?);
        let text = std::str::from_utf8(&b[9..]).ok()?.to_string();
        match b[0] {
            LINE => Some(Gossip::Line(h, text)),
            ASK if text.is_empty() => Some(Gossip::Ask(h)),
            FINAL => Some(Gossip::Final(h, text)),
            _ => None,
        }
    }
}

/// One validator's cosigning and collection of cosignatures.
pub struct Finality {
    origin: String,
    me: Cosigner,
    /// Cosigner keys by the first height each set finalizes, increasing.
    sets: Vec<(u64, Vec<CosignerKey>)>,
    /// Checkpoint text of each executed height.
    texts: BTreeMap<u64, String>,
    /// Valid lines per height, by cosigner name (executed heights).
    lines: BTreeMap<u64, BTreeMap<String, String>>,
    /// Lines for heights not executed yet, checked on execution.
    early: BTreeMap<u64, Vec<String>>,
    finals: BTreeMap<u64, String>,
    outbox: VecDeque<Gossip>,
    on_final: Option<FinalHook>,
}

/// Called with each new final checkpoint (height, cosigned note).
pub type FinalHook = Box<dyn Fn(u64, &str) + Send>;

impl Finality {
    /// Cosigning as `me` for the log `origin`, with `set` the validators'
    /// cosigner keys from genesis (until [`Finality::set_history`]).
    pub fn new(origin: &str, me: Cosigner, set: Vec<CosignerKey>) -> Self {
        Finality {
            origin: origin.into(),
            me,
            sets: vec![(0, set)],
            texts: BTreeMap::new(),
            lines: BTreeMap::new(),
            early: BTreeMap::new(),
            finals: BTreeMap::new(),
            outbox: VecDeque::new(),
            on_final: None,
        }
    }

    /// Calls `hook` with every new final checkpoint (a node stores them
    /// for its receipts).
    pub fn on_final(mut self, hook: FinalHook) -> Self {
        self.on_final = Some(hook);
        self
    }

    fn finalize(&mut self, height: u64, note: String) {
        if let Some(hook) = &self.on_final {
            hook(height, &note);
        }
        self.finals.insert(height, note);
    }

    /// The sets of a validator history (each epoch's cosigner keys from
    /// its first height); a set whose keys do not parse is skipped.
    pub fn set_history(&mut self, history: &publica_identity::ValidatorHistory) {
        let mut sets = Vec::new();
        for e in &history.epochs {
            let keys: Result<Vec<CosignerKey>, _> = e
                .validators
                .iter()
                .map(publica_identity::Validator::cosigner)
                .collect();
            match keys {
                Ok(keys) => sets.push((e.first_height, keys)),
                Err(err) => tracing::error!(epoch = e.epoch, "a validator set: {err}"),
            }
        }
        if !sets.is_empty() {
            self.sets = sets;
        }
    }

    /// The cosigner keys that finalize `height`.
    pub fn set_at(&self, height: u64) -> &[CosignerKey] {
        self.sets
            .iter()
            .rev()
            .find(|(from, _)| *from <= height)
            .map_or(&self.sets[0].1, |(_, keys)| keys)
    }

    /// The latest validator set's cosigner keys.
    pub fn set(&self) -> &[CosignerKey] {
        &self.sets.last().expect("a set").1
    }

    /// Cosignatures a final checkpoint of the latest set needs.
    pub fn quorum(&self) -> usize {
        quorum(self.set().len())
    }

    /// The log origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Heights whose texts and lines are still held (for tests of pruning).
    pub fn held(&self) -> usize {
        self.texts.len()
    }

    /// The final checkpoint of `height`, once a quorum cosigned it.
    pub fn final_checkpoint(&self, height: u64) -> Option<&String> {
        self.finals.get(&height)
    }

    /// The highest height with a final checkpoint held here.
    pub fn latest_final(&self) -> Option<u64> {
        self.finals.keys().next_back().copied()
    }

    /// Called after executing `height`: cosign its checkpoint (at the block
    /// time, so every replay cosigns the same bytes), queue the line for the
    /// others, and check the lines that came early.
    pub fn executed(&mut self, height: u64, checkpoint: &Checkpoint, time_s: u64) {
        let text = checkpoint.to_text();
        self.texts.insert(height, text.clone());
        // Only the set of this height cosigns it.
        if self.set_at(height).contains(&self.me.key()) {
            let mine = self.me.cosign(&text, time_s);
            self.outbox.push_back(Gossip::Line(height, mine.clone()));
            self.accept_line(height, &mine);
        }
        for line in self.early.remove(&height).unwrap_or_default() {
            self.accept_line(height, &line);
        }
        self.early.retain(|h, _| *h > height);
        // Texts and lines of old final heights are no longer needed.
        let finals = &self.finals;
        let old = |h: &u64| *h + KEEP_BEHIND < height && finals.contains_key(h);
        self.texts.retain(|h, _| !old(h));
        self.lines.retain(|h, _| !old(h));
    }

    fn accept_line(&mut self, height: u64, line: &str) {
        let Some(text) = self.texts.get(&height) else {
            return;
        };
        let set = self.set_at(height);
        let Some(key) = set.iter().find(|k| check_line(k, text, line).is_ok()) else {
            tracing::debug!(height, "dropping a cosignature that does not verify");
            return;
        };
        let (name, needed) = (key.name.clone(), quorum(set.len()));
        let lines = self.lines.entry(height).or_default();
        lines.insert(name, line.to_string());
        if lines.len() >= needed && !self.finals.contains_key(&height) {
            let note = format!("{text}\n{}", lines.values().cloned().collect::<String>());
            self.finalize(height, note);
        }
    }

    /// Handles a message from a peer; may queue an answer for `reply`.
    pub fn receive(&mut self, msg: Gossip, reply: &mut Vec<Gossip>) {
        let executed = self.texts.keys().next_back().copied().unwrap_or(0);
        match msg {
            Gossip::Line(h, line) if self.texts.contains_key(&h) => self.accept_line(h, &line),
            Gossip::Line(h, line) if h > executed && h <= executed + AHEAD_MAX => {
                let most = self.set_at(h).len() * 2;
                let early = self.early.entry(h).or_default();
                if early.len() < most {
                    early.push(line);
                }
            }
            Gossip::Line(..) => {}
            Gossip::Ask(h) => {
                // The final checkpoint if there is one; otherwise this
                // validator's own line, which may complete a quorum (lines
                // sent while the asker was cut off were lost).
                if let Some(note) = self.finals.get(&h) {
                    reply.push(Gossip::Final(h, note.clone()));
                } else if let Some(line) = self
                    .lines
                    .get(&h)
                    .and_then(|l| l.get(self.me.key().name.as_str()))
                {
                    reply.push(Gossip::Line(h, line.clone()));
                }
            }
            Gossip::Final(h, note) => {
                let Some(text) = self.texts.get(&h) else {
                    return;
                };
                if self.finals.contains_key(&h) {
                    return;
                }
                let set = self.set_at(h);
                match open_cosigned(&note, set, quorum(set.len()), &self.origin) {
                    Ok(cp) if cp.to_text() == *text => self.finalize(h, note),
                    _ => tracing::warn!(height = h, "a final checkpoint that does not match ours"),
                }
            }
        }
    }

    /// Messages to send to every peer: this validator's new lines, and a
    /// request for executed heights still lacking a final checkpoint.
    pub fn drain(&mut self, ask: bool) -> Vec<Gossip> {
        let mut out: Vec<Gossip> = self.outbox.drain(..).collect();
        if ask {
            out.extend(
                self.texts
                    .keys()
                    .filter(|h| !self.finals.contains_key(h))
                    .take(ASK_MAX)
                    .map(|h| Gossip::Ask(*h)),
            );
        }
        out
    }
}

/// Runs a validator's cosignature gossip over one channel until the
/// channel closes: sends its new lines as they come, answers requests, and
/// every second asks for final checkpoints it lacks.
pub async fn run_gossip<E, S, R, X>(
    clock: E,
    app: crate::PublicaApp<X>,
    mut sender: S,
    mut receiver: R,
) where
    X: crate::Executor,
    E: commonware_runtime::Clock,
    S: commonware_p2p::Sender<PublicKey = commonware_cryptography::ed25519::PublicKey>,
    R: commonware_p2p::Receiver<PublicKey = S::PublicKey>,
{
    use commonware_p2p::Recipients;
    use std::time::Duration;
    let tick = Duration::from_millis(20);
    let mut ticks = 0u64;
    loop {
        commonware_macros::select! {
            msg = receiver.recv() => {
                let Ok((from, raw)) = msg else { return };
                let now = clock
                    .current()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as u64);
                app.heard_from(&commonware_codec::Encode::encode(&from), now);
                if let Some(Gossip::Line(h, _) | Gossip::Final(h, _)) = Gossip::decode(raw.as_ref()) {
                    app.peer_at(h, &from);
                }
                for answer in app.gossip_in(raw.as_ref()) {
                    sender.send(Recipients::One(from.clone()), answer.encode(), false);
                }
            },
            _ = clock.sleep(tick) => {
                ticks += 1;
                for msg in app.gossip_out(ticks.is_multiple_of(50)) {
                    sender.send(Recipients::All, msg.encode(), false);
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use publica_crypto::Keypair;
    use publica_types::Hash32;

    fn cosigner(i: u8) -> Cosigner {
        Cosigner::new(&format!("v{i}.test"), Keypair::from_seed([i; 32])).unwrap()
    }

    fn node(i: u8) -> Finality {
        Finality::new(
            "o/log",
            cosigner(i),
            (0..4).map(|j| cosigner(j).key()).collect(),
        )
    }

    fn cp(size: u64) -> Checkpoint {
        Checkpoint {
            origin: "o/log".into(),
            size,
            root: Hash32([size as u8; 32]),
            state: None,
        }
    }

    #[test]
    fn gossip_wire_form_is_bounded() {
        for g in [
            Gossip::Line(7, "— a b\n".into()),
            Gossip::Ask(9),
            Gossip::Final(1, "x".into()),
        ] {
            assert_eq!(Gossip::decode(&g.encode()), Some(g));
        }
        assert_eq!(Gossip::decode(&[0; 8]), None);
        assert_eq!(Gossip::decode(&[9; 12]), None);
        let mut ask_with_text = Gossip::Ask(1).encode();
        ask_with_text.push(b'x');
        assert_eq!(Gossip::decode(&ask_with_text), None);
        let mut huge = Gossip::Line(1, String::new()).encode();
        huge.resize(MESSAGE_BYTES_MAX + 1, b'a');
        assert_eq!(Gossip::decode(&huge), None);
        assert_eq!(Gossip::decode(&[0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff]), None);
    }

    #[test]
    fn a_quorum_of_valid_lines_makes_the_final_checkpoint() {
        let mut nodes: Vec<Finality> = (0..4).map(node).collect();
        // Node 0 hears node 1's line before executing height 1.
        nodes[1].executed(1, &cp(3), 100);
        let line1 = nodes[1].drain(false);
        let mut reply = vec![];
        nodes[0].receive(line1[0].clone(), &mut reply);
        nodes[0].executed(1, &cp(3), 100);
        assert!(nodes[0].final_checkpoint(1).is_none(), "two of four");
        // An outsider's line and a line over another checkpoint are dropped.
        let outsider = Cosigner::new("v9.test", Keypair::from_seed([9; 32])).unwrap();
        nodes[0].receive(
            Gossip::Line(1, outsider.cosign(&cp(3).to_text(), 1)),
            &mut reply,
        );
        nodes[0].receive(
            Gossip::Line(1, cosigner(2).cosign(&cp(4).to_text(), 1)),
            &mut reply,
        );
        assert!(nodes[0].final_checkpoint(1).is_none());
        nodes[2].executed(1, &cp(3), 100);
        for g in nodes[2].drain(true) {
            nodes[0].receive(g, &mut reply);
        }
        let note = nodes[0].final_checkpoint(1).unwrap().clone();
        let keys = nodes[0].set().to_vec();
        assert_eq!(open_cosigned(&note, &keys, 3, "o/log").unwrap(), cp(3));
        // Asked, node 0 answers with the final checkpoint; node 3, which
        // executed differently, refuses it.
        let mut reply = vec![];
        nodes[0].receive(Gossip::Ask(1), &mut reply);
        assert_eq!(reply, vec![Gossip::Final(1, note.clone())]);
        nodes[3].executed(1, &cp(5), 100);
        nodes[3].receive(Gossip::Final(1, note.clone()), &mut vec![]);
        assert!(nodes[3].final_checkpoint(1).is_none());
        // Without a final checkpoint, an ask gets the node's own line.
        let mut r = vec![];
        nodes[3].receive(Gossip::Ask(1), &mut r);
        assert!(matches!(&r[..], [Gossip::Line(1, _)]));
        assert_eq!(nodes[0].quorum(), 3);
    }

    #[test]
    fn old_final_heights_keep_only_their_final_checkpoint() {
        let mut nodes: Vec<Finality> = (0..3).map(node).collect();
        for h in 1..=200u64 {
            let mut out = vec![];
            for n in &mut nodes {
                n.executed(h, &cp(h), h);
                out.extend(n.drain(false));
            }
            for n in &mut nodes {
                for g in &out {
                    n.receive(g.clone(), &mut vec![]);
                }
            }
        }
        for n in &nodes {
            assert!(n.held() <= KEEP_BEHIND as usize + 2, "{}", n.held());
            assert!((1..=200).all(|h| n.final_checkpoint(h).is_some()));
        }
        let mut reply = vec![];
        nodes[0].receive(Gossip::Ask(1), &mut reply);
        assert!(matches!(&reply[..], [Gossip::Final(1, _)]));
    }
}
