//! The block log: one framed record per block, appended and fsync'd once.
//!
//! Frame: `magic "PBK1" | payload length u32 LE | CRC-32 of payload u32 LE |
//! CRC-32 of the previous 12 bytes u32 LE | payload (the block's JSON)`.
//! The header has its own checksum so that a damaged length is never trusted.
//!
//! Crash policy. An append that a crash interrupts leaves a prefix of its
//! frame, possibly followed by zeros where the file system grew the file
//! without writing its data. Nothing else is a torn write, so opening the
//! log tells the two apart:
//! - **torn tail**, cut off when a node opens the log: the last frame is
//!   incomplete (the file ends inside its header, or before the end its
//!   intact header claims), its header is all zeros, or its payload, which
//!   is JSON text and so never holds a zero byte, has a run of zeros
//!   filling a whole 512-byte disk sector (or all of its part of one);
//! - **corruption**, anywhere else and in a complete last frame: a flipped
//!   bit, a damaged header. The log refuses to open, names the block and
//!   the byte, and leaves the file as it is: that block was durable, and
//!   its receipts may be in users' hands.
//!
//! [`BlockLog::open_read_only`] reads the same way and never writes: it
//! reports a torn tail without cutting it (`publica admin verify-chain`).

use crate::{io_err, StoreError};
use publica_types::{Block, BlockHeader};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 4] = b"PBK1";
const HEADER_BYTES: u64 = 16;
/// Largest block payload accepted when reading, in bytes (1 GiB).
const PAYLOAD_BYTES_MAX: u32 = 1 << 30;

/// What opening the log found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct OpenReport {
    /// Blocks found intact.
    pub blocks: u64,
    /// Bytes of a torn final record that were cut off.
    pub discarded_tail_bytes: u64,
}

/// Writes the frame header of `frame` (16 bytes of room, then a payload of
/// `len` bytes): magic, length, the payload's CRC-32, the header's CRC-32.
fn seal(frame: &mut [u8], len: u32) {
    let payload_crc = crc32fast::hash(&frame[HEADER_BYTES as usize..]);
    frame[0..4].copy_from_slice(MAGIC);
    frame[4..8].copy_from_slice(&len.to_le_bytes());
    frame[8..12].copy_from_slice(&payload_crc.to_le_bytes());
    let header_crc = crc32fast::hash(&frame[0..12]);
    frame[12..16].copy_from_slice(&header_crc.to_le_bytes());
}

/// `payload` in a frame as [`BlockLog::append`] writes one, checksums
/// included: for tools and fuzzers that build a log from payloads of
/// their own. `None` for a payload over the 1 GiB a frame may hold.
#[must_use]
pub fn frame(payload: &[u8]) -> Option<Vec<u8>> {
    let len = u32::try_from(payload.len())
        .ok()
        .filter(|l| *l <= PAYLOAD_BYTES_MAX)?;
    let mut f = vec![0u8; HEADER_BYTES as usize];
    f.extend_from_slice(payload);
    seal(&mut f, len);
    Some(f)
}

/// The append-only block log. Height `h` is record `h - 1`.
pub struct BlockLog {
    path: PathBuf,
    file: File,
    /// (offset of payload, payload length) per block.
    frames: Vec<(u64, u32)>,
    end: u64,
    /// Encoding buffer kept between appends.
    scratch: Vec<u8>,
    /// True when a failed append may have left bytes after `end` that
    /// could not be cut off yet: the next append cuts them first.
    dirty_tail: bool,
}

impl std::fmt::Debug for BlockLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "BlockLog({}, {} blocks)",
            self.path.display(),
            self.frames.len()
        )
    }
}

/// Disk sectors: the unit a lost write leaves as zeros.
const SECTOR_BYTES: u64 = 512;

enum Frame {
    Ok {
        payload_at: u64,
        len: u32,
    },
    /// Not a valid frame.
    Bad {
        reason: String,
        torn: Torn,
    },
}

/// Whether a bad frame looks like an interrupted append.
enum Torn {
    /// Only a crash during an append leaves this (incomplete frame, or
    /// zeros where data was never written) — if nothing valid follows.
    IfLast,
    /// Damage that no append leaves: corruption wherever it is.
    Never,
}

fn read_frame(file: &File, at: u64, file_len: u64) -> Result<Frame, std::io::Error> {
    if file_len - at < HEADER_BYTES {
        return Ok(Frame::Bad {
            reason: "incomplete frame header".into(),
            torn: Torn::IfLast,
        });
    }
    let mut h = [0u8; HEADER_BYTES as usize];
    file.read_exact_at(&mut h, at)?;
    let header_crc = u32::from_le_bytes(h[12..16].try_into().expect("4 bytes"));
    if &h[0..4] != MAGIC || crc32fast::hash(&h[0..12]) != header_crc {
        let zeros = h.iter().all(|b| *b == 0);
        return Ok(Frame::Bad {
            reason: if zeros {
                "frame header of zeros".into()
            } else {
                "bad frame header".into()
            },
            torn: if zeros { Torn::IfLast } else { Torn::Never },
        });
    }
    let len = u32::from_le_bytes(h[4..8].try_into().expect("4 bytes"));
    let crc = u32::from_le_bytes(h[8..12].try_into().expect("4 bytes"));
    let end = at + HEADER_BYTES + u64::from(len);
    if len > PAYLOAD_BYTES_MAX {
        return Ok(Frame::Bad {
            reason: format!("frame header claims {len} bytes, more than a block may hold"),
            torn: Torn::Never,
        });
    }
    if end > file_len {
        return Ok(Frame::Bad {
            reason: format!("frame of {len} bytes runs past the end of the file"),
            torn: Torn::IfLast,
        });
    }
    let mut payload = vec![0u8; len as usize];
    file.read_exact_at(&mut payload, at + HEADER_BYTES)?;
    if crc32fast::hash(&payload) != crc {
        let lost = has_zeroed_sector(&payload, at + HEADER_BYTES);
        return Ok(Frame::Bad {
            reason: if lost {
                "payload with a sector of zeros (never written)".into()
            } else {
                "payload checksum mismatch".into()
            },
            torn: if lost { Torn::IfLast } else { Torn::Never },
        });
    }
    Ok(Frame::Ok {
        payload_at: at + HEADER_BYTES,
        len,
    })
}

/// True when some part of `payload` (which starts at file offset `at`)
/// that fills one disk sector, or all of the payload's share of one, is
/// all zeros. A payload is JSON text, which never holds a zero byte, and a
/// bit flip cannot zero a run of two bytes; a sector the disk never wrote
/// reads as zeros.
fn has_zeroed_sector(payload: &[u8], at: u64) -> bool {
    let mut i = 0usize;
    while i < payload.len() {
        let offset = at + i as u64;
        let to_boundary = (SECTOR_BYTES - offset % SECTOR_BYTES) as usize;
        let chunk = &payload[i..payload.len().min(i + to_boundary)];
        // A one-byte share could be a single damaged byte: not evidence.
        if chunk.len() >= 2 && chunk.iter().all(|b| *b == 0) {
            return true;
        }
        i += chunk.len();
    }
    false
}

/// True when some intact frame header starts after `from`.
fn valid_header_after(file: &File, from: u64, file_len: u64) -> Result<bool, std::io::Error> {
    let mut buf = vec![0u8; (file_len - from) as usize];
    file.read_exact_at(&mut buf, from)?;
    for i in 1..buf.len() {
        if buf.len() - i >= HEADER_BYTES as usize && &buf[i..i + 4] == MAGIC {
            let h = &buf[i..i + 16];
            if crc32fast::hash(&h[0..12]) == u32::from_le_bytes(h[12..16].try_into().expect("4")) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// The frames of a log file, and where a torn tail starts, if it has one.
struct Scan {
    frames: Vec<(u64, u32)>,
    /// Offset of the torn tail's first byte (the file's length if none).
    end: u64,
}

/// Reads every frame of `file`; fails on corruption (see the crash policy
/// at the top), naming the block whose frame is damaged.
fn scan(file: &File, file_len: u64, shown: &str) -> Result<Scan, StoreError> {
    let read_err = |e| io_err(format!("reading {shown}"))(e);
    let mut frames = Vec::new();
    let mut at = 0u64;
    while at < file_len {
        match read_frame(file, at, file_len).map_err(read_err)? {
            Frame::Ok { payload_at, len } => {
                frames.push((payload_at, len));
                at = payload_at + u64::from(len);
            }
            Frame::Bad { reason, torn } => {
                let torn = match torn {
                    Torn::Never => false,
                    Torn::IfLast => !valid_header_after(file, at, file_len).map_err(read_err)?,
                };
                if !torn {
                    return Err(StoreError::Corrupted {
                        path: shown.to_string(),
                        offset: at,
                        reason: format!("block {}: {reason}", frames.len() + 1),
                    });
                }
                tracing::warn!(
                    path = %shown,
                    offset = at,
                    bytes = file_len - at,
                    %reason,
                    "a torn final block record, left by a crash during an append"
                );
                return Ok(Scan { frames, end: at });
            }
        }
    }
    Ok(Scan { frames, end: at })
}

impl BlockLog {
    /// Opens (or creates) `blocks.log` in `dir`, checks every frame, cuts off
    /// a torn final frame, and fails on corruption anywhere, the last
    /// complete frame included.
    pub fn open(dir: &Path) -> Result<(BlockLog, OpenReport), StoreError> {
        let path = dir.join("blocks.log");
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io_err(format!("opening {}", path.display())))?;
        Self::load(path, file, true)
    }

    /// Opens an existing `blocks.log` in `dir` to read it, with the checks
    /// of [`BlockLog::open`], and writes nothing: a torn tail is reported
    /// in `discarded_tail_bytes` (what [`BlockLog::open`] would cut) and
    /// left in place. Appending to the result fails.
    pub fn open_read_only(dir: &Path) -> Result<(BlockLog, OpenReport), StoreError> {
        let path = dir.join("blocks.log");
        let file = File::open(&path).map_err(io_err(format!("opening {}", path.display())))?;
        Self::load(path, file, false)
    }

    fn load(
        path: PathBuf,
        file: File,
        cut_torn_tail: bool,
    ) -> Result<(BlockLog, OpenReport), StoreError> {
        let shown = path.display().to_string();
        let file_len = file
            .metadata()
            .map_err(io_err(format!("reading {shown}")))?
            .len();
        let scan = scan(&file, file_len, &shown)?;
        let report = OpenReport {
            blocks: scan.frames.len() as u64,
            discarded_tail_bytes: file_len - scan.end,
        };
        if cut_torn_tail && scan.end < file_len {
            file.set_len(scan.end)
                .map_err(io_err(format!("truncating {shown}")))?;
            file.sync_all()
                .map_err(io_err(format!("syncing {shown}")))?;
        }
        Ok((
            BlockLog {
                path,
                file,
                frames: scan.frames,
                end: scan.end,
                scratch: Vec::new(),
                dirty_tail: false,
            },
            report,
        ))
    }

    /// Height of the last block, 0 when empty.
    pub fn height(&self) -> u64 {
        self.frames.len() as u64
    }

    /// Appends a block and makes it durable (one `fdatasync`). The block's
    /// height must be the next one.
    pub fn append(&mut self, block: &Block) -> Result<(), StoreError> {
        self.append_all(std::slice::from_ref(block))
    }

    /// Appends blocks in height order and makes them durable with one
    /// `fdatasync` (a state sync writes thousands).
    ///
    /// All or nothing: when a write or the sync fails (a full disk, an I/O
    /// error) the log cuts what it wrote back off and stays as it was, so
    /// the same blocks can be appended again once the cause is gone. A
    /// failed sync is never retried on the same bytes: after one, the
    /// kernel may have dropped the pages it could not write and report the
    /// next sync clean, so the frames are written anew.
    pub fn append_all(&mut self, blocks: &[Block]) -> Result<(), StoreError> {
        self.cut_dirty_tail()?;
        let (frames, end) = (self.frames.len(), self.end);
        let mut written = Ok(());
        for b in blocks {
            written = self.append_unsynced(b);
            if written.is_err() {
                break;
            }
        }
        if written.is_ok() {
            if let Some(b) = blocks.last() {
                written = self.sync(b.header.height);
            }
        }
        if written.is_err() {
            self.frames.truncate(frames);
            self.end = end;
            self.dirty_tail = true;
            // If this fails too, the next append tries again before writing.
            let _ = self.cut_dirty_tail();
        }
        written
    }

    /// Cuts off what a failed append left after the last whole block.
    fn cut_dirty_tail(&mut self) -> Result<(), StoreError> {
        if self.dirty_tail {
            self.file.set_len(self.end).map_err(io_err(format!(
                "cutting a failed append off {}",
                self.path.display()
            )))?;
            self.dirty_tail = false;
        }
        Ok(())
    }

    fn sync(&mut self, height: u64) -> Result<(), StoreError> {
        self.file.sync_data().map_err(io_err(format!(
            "syncing block {height} to {}",
            self.path.display()
        )))
    }

    /// Writes a block's frame without syncing.
    fn append_unsynced(&mut self, block: &Block) -> Result<(), StoreError> {
        let height = block.header.height;
        assert_eq!(
            height,
            self.height() + 1,
            "blocks are appended in height order"
        );
        // Encode straight after a placeholder header into a buffer reused
        // from block to block: no copy of the payload, no fresh pages.
        let mut frame = std::mem::take(&mut self.scratch);
        frame.clear();
        frame.reserve(HEADER_BYTES as usize + block.transactions.len() * 768 + 1024);
        frame.extend_from_slice(&[0u8; HEADER_BYTES as usize]);
        serde_json::to_writer(&mut frame, block).map_err(|e| StoreError::Codec {
            height,
            reason: e.to_string(),
        })?;
        let payload_len = frame.len() - HEADER_BYTES as usize;
        let len = u32::try_from(payload_len)
            .ok()
            .filter(|l| *l <= PAYLOAD_BYTES_MAX)
            .ok_or_else(|| StoreError::Codec {
                height,
                reason: "block larger than 1 GiB".into(),
            })?;
        seal(&mut frame, len);
        let shown = self.path.display().to_string();
        self.file
            .write_all(&frame)
            .map_err(io_err(format!("appending block {height} to {shown}")))?;
        let frame_len = frame.len() as u64;
        self.scratch = frame;
        self.frames.push((self.end + HEADER_BYTES, len));
        self.end += frame_len;
        Ok(())
    }

    /// The encoded size in bytes of the block at `height`, if it exists.
    pub fn record_len(&self, height: u64) -> Option<u64> {
        let i = usize::try_from(height.checked_sub(1)?).ok()?;
        self.frames.get(i).map(|(_, len)| u64::from(*len))
    }

    /// Reads the block at `height`, if it exists.
    pub fn read(&self, height: u64) -> Result<Option<Block>, StoreError> {
        self.read_record(height)?
            .map(BlockRecord::decode)
            .transpose()
    }

    /// Reads the encoded block at `height` without decoding it: a reader
    /// can decode a large block after releasing a lock it holds on the log.
    pub fn read_record(&self, height: u64) -> Result<Option<BlockRecord>, StoreError> {
        if height == 0 || height > self.height() {
            return Ok(None);
        }
        let (at, len) = self.frames[(height - 1) as usize];
        let mut payload = vec![0u8; len as usize];
        self.file
            .read_exact_at(&mut payload, at)
            .map_err(io_err(format!("reading block {height}")))?;
        Ok(Some(BlockRecord {
            height,
            at,
            payload,
            path: self.path.display().to_string(),
        }))
    }
    /// Reads only the header of the block at `height`, if it exists: a
    /// block is stored as JSON whose first member is its header, so this
    /// reads the record's first bytes and decodes the header alone, however
    /// many transactions the block holds (a page listing blocks reads
    /// dozens of headers).
    pub fn read_header(&self, height: u64) -> Result<Option<BlockHeader>, StoreError> {
        if height == 0 || height > self.height() {
            return Ok(None);
        }
        let (at, len) = self.frames[(height - 1) as usize];
        let mut payload = vec![0u8; (len as usize).min(HEADER_READ_BYTES)];
        self.file
            .read_exact_at(&mut payload, at)
            .map_err(io_err(format!("reading block {height}")))?;
        let header = payload.strip_prefix(HEADER_PREFIX).and_then(|rest| {
            serde_json::Deserializer::from_slice(rest)
                .into_iter::<BlockHeader>()
                .next()?
                .ok()
        });
        // Not the usual layout (or a header longer than the bytes read):
        // decode the whole record.
        let Some(header) = header else {
            return Ok(self.read(height)?.map(|b| b.header));
        };
        if header.height != height {
            return Err(StoreError::Corrupted {
                path: self.path.display().to_string(),
                offset: at,
                reason: format!("record {height} holds block {}", header.height),
            });
        }
        Ok(Some(header))
    }
}

/// How a stored block starts: its header is the first member.
const HEADER_PREFIX: &[u8] = b"{\"header\":";
/// Bytes read for a header: a header's JSON is about 700 bytes.
const HEADER_READ_BYTES: usize = 4096;

/// One block as stored, read by [`BlockLog::read_record`].
#[derive(Debug)]
pub struct BlockRecord {
    height: u64,
    at: u64,
    payload: Vec<u8>,
    path: String,
}

impl BlockRecord {
    /// Decodes the block and checks it is the one its place says.
    pub fn decode(self) -> Result<Block, StoreError> {
        let height = self.height;
        let block: Block =
            serde_json::from_slice(&self.payload).map_err(|e| StoreError::Codec {
                height,
                reason: e.to_string(),
            })?;
        if block.header.height != height {
            return Err(StoreError::Corrupted {
                path: self.path,
                offset: self.at,
                reason: format!("record {height} holds block {}", block.header.height),
            });
        }
        Ok(block)
    }
}

/// Part of a block: its header, how many transactions and ledger events
/// it holds, and the transactions (with their outcomes) of one range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockPage {
    /// The header.
    pub header: BlockHeader,
    /// Transactions in the whole block.
    pub tx_total: usize,
    /// Ledger events in the whole block.
    pub ledger_events: usize,
    /// The range's transactions and their outcomes, in block order.
    pub transactions: Vec<(publica_types::Envelope, publica_types::TxOutcome)>,
}

/// A stored block with its transactions and outcomes left as JSON text:
/// only the ones a page shows are decoded.
#[derive(serde::Deserialize)]
struct LazyBlock<'a> {
    header: BlockHeader,
    #[serde(borrow)]
    transactions: Vec<&'a serde_json::value::RawValue>,
    #[serde(borrow)]
    outcomes: Vec<&'a serde_json::value::RawValue>,
    #[serde(default, borrow)]
    ledger_events: Vec<&'a serde_json::value::RawValue>,
}

impl BlockRecord {
    /// Decodes the header and the transactions `from .. from + count`
    /// only: a page of a block of 10,000 transfers decodes a hundred.
    pub fn decode_page(&self, from: usize, count: usize) -> Result<BlockPage, StoreError> {
        let codec = |reason: String| StoreError::Codec {
            height: self.height,
            reason,
        };
        let lazy: LazyBlock<'_> =
            serde_json::from_slice(&self.payload).map_err(|e| codec(e.to_string()))?;
        if lazy.header.height != self.height {
            return Err(StoreError::Corrupted {
                path: self.path.clone(),
                offset: self.at,
                reason: format!("record {} holds block {}", self.height, lazy.header.height),
            });
        }
        let end = from.saturating_add(count).min(lazy.transactions.len());
        let transactions = (from.min(end)..end)
            .map(|i| {
                let env = serde_json::from_str(lazy.transactions[i].get());
                let out = lazy
                    .outcomes
                    .get(i)
                    .ok_or_else(|| codec(format!("transaction {i} has no outcome")))?;
                let out = serde_json::from_str(out.get());
                Ok((
                    env.map_err(|e| codec(e.to_string()))?,
                    out.map_err(|e| codec(e.to_string()))?,
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(BlockPage {
            header: lazy.header,
            tx_total: lazy.transactions.len(),
            ledger_events: lazy.ledger_events.len(),
            transactions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use publica_types::{BlockHeader, Hash32};

    fn block(height: u64) -> Block {
        Block {
            header: BlockHeader {
                chain_id: "t".into(),
                height,
                parent_hash: Hash32::ZERO,
                time_ms: height,
                tx_count: 0,
                tx_root: Hash32::ZERO,
                results_root: Hash32::ZERO,
                state_root: Hash32::ZERO,
                log_size: 0,
                log_root: Hash32::ZERO,
            },
            transactions: vec![],
            outcomes: vec![],
            ledger_events: vec![],
        }
    }

    fn write_blocks(dir: &Path, n: u64) {
        let (mut log, _) = BlockLog::open(dir).unwrap();
        for h in 1..=n {
            log.append(&block(h)).unwrap();
        }
    }

    #[test]
    fn append_read_reopen() {
        let dir = tempfile::tempdir().unwrap();
        write_blocks(dir.path(), 3);
        let (log, report) = BlockLog::open(dir.path()).unwrap();
        assert_eq!(
            report,
            OpenReport {
                blocks: 3,
                discarded_tail_bytes: 0
            }
        );
        assert_eq!(log.read(2).unwrap().unwrap(), block(2));
        // Several at once, one sync: the same frames.
        let other = tempfile::tempdir().unwrap();
        let (mut batch, _) = BlockLog::open(other.path()).unwrap();
        batch.append_all(&[block(1), block(2), block(3)]).unwrap();
        batch.append_all(&[]).unwrap();
        drop(batch);
        assert_eq!(
            std::fs::read(other.path().join("blocks.log")).unwrap(),
            std::fs::read(dir.path().join("blocks.log")).unwrap()
        );
        assert!(log.read(4).unwrap().is_none());
        assert!(log.read(0).unwrap().is_none());
    }

    #[test]
    fn a_page_of_a_block_is_the_whole_blocks_range() {
        let kp = publica_crypto::Keypair::from_seed([3; 32]);
        let mut b = block(1);
        for n in 1..=5 {
            let body = publica_types::TxBody::new(
                "t",
                n,
                publica_types::Expiry::Height(9),
                "system",
                "set_note",
                serde_json::json!({ "note": n.to_string() }),
            );
            let env = kp.sign_tx(kp.account(), body).unwrap();
            b.outcomes.push(publica_types::TxOutcome {
                error: None,
                events: vec![],
                status: publica_types::TxStatus::Ok,
                tx_id: Hash32([u8::try_from(n).unwrap(); 32]),
            });
            b.transactions.push(env);
        }
        b.header.tx_count = 5;
        let dir = tempfile::tempdir().unwrap();
        let (mut log, _) = BlockLog::open(dir.path()).unwrap();
        log.append(&b).unwrap();
        let record = log.read_record(1).unwrap().unwrap();
        let page = record.decode_page(1, 2).unwrap();
        assert_eq!((page.tx_total, page.ledger_events), (5, 0));
        assert_eq!(page.header, b.header);
        let whole: Vec<_> = b
            .transactions
            .iter()
            .cloned()
            .zip(b.outcomes.iter().cloned())
            .collect();
        assert_eq!(page.transactions, whole[1..3].to_vec());
        // Past the end: the rest, or nothing.
        assert_eq!(
            record.decode_page(4, 10).unwrap().transactions,
            whole[4..].to_vec()
        );
        assert!(record.decode_page(9, 10).unwrap().transactions.is_empty());
    }

    #[test]
    fn header_reads_match_whole_reads_for_small_and_large_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, _) = BlockLog::open(dir.path()).unwrap();
        let mut large = block(2);
        // Far more than the bytes a header read takes.
        large.ledger_events = (0..200)
            .map(|i| publica_types::Event {
                data: serde_json::json!({ "i": i, "pad": "x".repeat(100) }),
                kind: "k".into(),
                module: "m".into(),
            })
            .collect();
        log.append_all(&[block(1), large.clone()]).unwrap();
        assert!(log.record_len(2).unwrap() > HEADER_READ_BYTES as u64);
        assert_eq!(log.read_header(1).unwrap().unwrap(), block(1).header);
        assert_eq!(log.read_header(2).unwrap().unwrap(), large.header);
        assert!(log.read_header(0).unwrap().is_none());
        assert!(log.read_header(3).unwrap().is_none());
    }

    /// A log of three blocks: its directory, its path, its bytes, and
    /// where the last frame starts.
    fn three_blocks() -> (tempfile::TempDir, PathBuf, Vec<u8>, u64) {
        let dir = tempfile::tempdir().unwrap();
        write_blocks(dir.path(), 3);
        let path = dir.path().join("blocks.log");
        let full = std::fs::read(&path).unwrap();
        let (log, _) = BlockLog::open(dir.path()).unwrap();
        let third_start = log.frames[2].0 - HEADER_BYTES;
        (dir, path, full, third_start)
    }

    #[test]
    fn torn_tail_is_discarded_at_every_cut() {
        let (dir, path, full, third_start) = three_blocks();
        for cut in third_start + 1..full.len() as u64 {
            std::fs::write(&path, &full[..cut as usize]).unwrap();
            let (mut log, report) = BlockLog::open(dir.path()).unwrap();
            assert_eq!(report.blocks, 2, "cut at {cut}");
            assert_eq!(report.discarded_tail_bytes, cut - third_start);
            // The log is writable again after the cut.
            log.append(&block(3)).unwrap();
            drop(log);
            let (log, _) = BlockLog::open(dir.path()).unwrap();
            assert_eq!(log.read(3).unwrap().unwrap(), block(3));
        }
        // Zeros instead of the last record (size updated, data lost).
        let mut zeroed = full.clone();
        for b in &mut zeroed[third_start as usize..] {
            *b = 0;
        }
        std::fs::write(&path, &zeroed).unwrap();
        assert_eq!(BlockLog::open(dir.path()).unwrap().1.blocks, 2);
    }

    #[test]
    fn corruption_in_the_middle_refuses_to_open() {
        let dir = tempfile::tempdir().unwrap();
        write_blocks(dir.path(), 3);
        let path = dir.path().join("blocks.log");
        let full = std::fs::read(&path).unwrap();
        // Flip a payload byte of block 1, then a header byte of block 2.
        for at in [HEADER_BYTES as usize + 5, full.len() / 2] {
            let mut bad = full.clone();
            bad[at] ^= 0x40;
            std::fs::write(&path, &bad).unwrap();
            let err = BlockLog::open(dir.path()).unwrap_err();
            assert!(matches!(err, StoreError::Corrupted { .. }), "{err}");
            assert!(err.to_string().contains("Refusing to start"));
        }
        // The file was left untouched for an operator to inspect.
        assert_eq!(std::fs::read(&path).unwrap().len(), full.len());
    }

    #[test]
    fn a_flipped_bit_in_the_last_complete_block_is_corruption_not_a_torn_tail() {
        let (dir, path, full, third_start) = three_blocks();
        // Every byte of the last frame, header and payload, each bit.
        for at in third_start as usize..full.len() {
            for bit in 0..8 {
                let mut bad = full.clone();
                bad[at] ^= 1 << bit;
                std::fs::write(&path, &bad).unwrap();
                for read_only in [false, true] {
                    let err = if read_only {
                        BlockLog::open_read_only(dir.path()).unwrap_err()
                    } else {
                        BlockLog::open(dir.path()).unwrap_err()
                    };
                    let text = err.to_string();
                    assert!(
                        matches!(err, StoreError::Corrupted { .. }),
                        "byte {at} bit {bit}: {text}"
                    );
                    assert!(text.contains("block 3"), "byte {at} bit {bit}: {text}");
                }
                // Nothing was cut: the operator keeps the damaged file.
                assert_eq!(std::fs::read(&path).unwrap(), bad, "byte {at} bit {bit}");
            }
        }
    }

    #[test]
    fn a_payload_whose_tail_never_reached_the_disk_is_a_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        write_blocks(dir.path(), 2);
        // A last block spanning several disk sectors.
        let mut big = block(3);
        big.header.chain_id = "x".repeat(2000);
        let (mut log, _) = BlockLog::open(dir.path()).unwrap();
        log.append(&big).unwrap();
        let third_start = log.frames[2].0 - HEADER_BYTES;
        drop(log);
        let path = dir.path().join("blocks.log");
        let full = std::fs::read(&path).unwrap();
        let boundaries: Vec<u64> = (1..)
            .map(|n| n * SECTOR_BYTES)
            .skip_while(|b| *b <= third_start + HEADER_BYTES)
            .take_while(|b| *b + 2 <= full.len() as u64)
            .collect();
        assert!(boundaries.len() >= 3, "{boundaries:?}");
        // The file grew to its full length, but the sectors from one on
        // were never written and read as zeros.
        for zero_from in boundaries {
            let mut torn = full.clone();
            torn[zero_from as usize..].fill(0);
            std::fs::write(&path, &torn).unwrap();
            let (_, report) = BlockLog::open_read_only(dir.path()).unwrap();
            assert_eq!(report.blocks, 2);
            assert_eq!(
                std::fs::read(&path).unwrap(),
                torn,
                "a read-only open never cuts"
            );
            let (_, report) = BlockLog::open(dir.path()).unwrap();
            assert_eq!(report.blocks, 2);
            assert_eq!(report.discarded_tail_bytes, full.len() as u64 - third_start);
            assert_eq!(std::fs::read(&path).unwrap().len() as u64, third_start);
        }
    }

    #[test]
    fn zeroed_sectors_are_found_and_single_bytes_are_not_evidence() {
        let json = vec![b'x'; 2000];
        assert!(!has_zeroed_sector(&json, 100));
        let mut one = json.clone();
        one[700] = 0;
        assert!(
            !has_zeroed_sector(&one, 0),
            "one zero byte is damage, not a lost sector"
        );
        // The payload's share of the sector 512..1024 (it starts at 100).
        let mut sector = json.clone();
        sector[412..924].fill(0);
        assert!(has_zeroed_sector(&sector, 100));
        // The last two bytes, alone in their sector.
        let mut tail = json.clone();
        tail[1998..].fill(0);
        assert!(has_zeroed_sector(&tail, 2048 - 1998));
    }
}
