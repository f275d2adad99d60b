//! The block log: one framed record per block, appended and fsync'd once.
//!
//! Frame: `magic "PBK1" | payload length u32 LE | CRC-32 of payload u32 LE |
//! CRC-32 of the previous 12 bytes u32 LE | payload (the block's JSON)`.
//! The header has its own checksum so that a damaged length is never trusted.

use crate::{io_err, StoreError};
use publica_types::Block;
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

/// The append-only block log. Height `h` is record `h - 1`.
pub struct BlockLog {
    path: PathBuf,
    file: File,
    /// (offset of payload, payload length) per block.
    frames: Vec<(u64, u32)>,
    end: u64,
    /// Encoding buffer kept between appends.
    scratch: Vec<u8>,
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

enum Frame {
    Ok {
        payload_at: u64,
        len: u32,
    },
    /// Not a valid frame; `claimed_end` is where it says it ends, if its
    /// header could be trusted.
    Bad {
        reason: String,
        claimed_end: Option<u64>,
    },
}

fn read_frame(file: &File, at: u64, file_len: u64) -> Result<Frame, std::io::Error> {
    if file_len - at < HEADER_BYTES {
        return Ok(Frame::Bad {
            reason: "incomplete frame header".into(),
            claimed_end: Some(file_len + 1),
        });
    }
    let mut h = [0u8; HEADER_BYTES as usize];
    file.read_exact_at(&mut h, at)?;
    let header_crc = u32::from_le_bytes(h[12..16].try_into().expect("4 bytes"));
    if &h[0..4] != MAGIC || crc32fast::hash(&h[0..12]) != header_crc {
        return Ok(Frame::Bad {
            reason: "bad frame header".into(),
            claimed_end: None,
        });
    }
    let len = u32::from_le_bytes(h[4..8].try_into().expect("4 bytes"));
    let crc = u32::from_le_bytes(h[8..12].try_into().expect("4 bytes"));
    let end = at + HEADER_BYTES + len as u64;
    if len > PAYLOAD_BYTES_MAX || end > file_len {
        return Ok(Frame::Bad {
            reason: format!("frame of {len} bytes runs past the end of the file"),
            claimed_end: Some(end),
        });
    }
    let mut payload = vec![0u8; len as usize];
    file.read_exact_at(&mut payload, at + HEADER_BYTES)?;
    if crc32fast::hash(&payload) != crc {
        return Ok(Frame::Bad {
            reason: "payload checksum mismatch".into(),
            claimed_end: Some(end),
        });
    }
    Ok(Frame::Ok {
        payload_at: at + HEADER_BYTES,
        len,
    })
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

impl BlockLog {
    /// Opens (or creates) `blocks.log` in `dir`, checks every frame, cuts off
    /// a torn final frame, and fails on damage anywhere else.
    pub fn open(dir: &Path) -> Result<(BlockLog, OpenReport), StoreError> {
        let path = dir.join("blocks.log");
        let shown = path.display().to_string();
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io_err(format!("opening {shown}")))?;
        let file_len = file
            .metadata()
            .map_err(io_err(format!("reading {shown}")))?
            .len();
        let mut frames = Vec::new();
        let mut at = 0u64;
        let mut report = OpenReport::default();
        while at < file_len {
            match read_frame(&file, at, file_len).map_err(io_err(format!("reading {shown}")))? {
                Frame::Ok { payload_at, len } => {
                    frames.push((payload_at, len));
                    at = payload_at + len as u64;
                }
                Frame::Bad {
                    reason,
                    claimed_end,
                } => {
                    let torn = match claimed_end {
                        Some(end) => end >= file_len,
                        None => !valid_header_after(&file, at, file_len)
                            .map_err(io_err(format!("reading {shown}")))?,
                    };
                    if !torn {
                        return Err(StoreError::Corrupted {
                            path: shown,
                            offset: at,
                            reason,
                        });
                    }
                    tracing::warn!(
                        path = %shown,
                        offset = at,
                        bytes = file_len - at,
                        %reason,
                        "discarding a torn final block record left by a crash during an append"
                    );
                    report.discarded_tail_bytes = file_len - at;
                    file.set_len(at)
                        .map_err(io_err(format!("truncating {shown}")))?;
                    file.sync_all()
                        .map_err(io_err(format!("syncing {shown}")))?;
                    break;
                }
            }
        }
        report.blocks = frames.len() as u64;
        let end = at.min(file_len);
        Ok((
            BlockLog {
                path,
                file,
                frames,
                end,
                scratch: Vec::new(),
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
        self.append_unsynced(block)?;
        self.sync(block.header.height)
    }

    /// Appends blocks in height order and makes them durable with one
    /// `fdatasync` (a state sync writes thousands).
    pub fn append_all(&mut self, blocks: &[Block]) -> Result<(), StoreError> {
        for b in blocks {
            self.append_unsynced(b)?;
        }
        match blocks.last() {
            Some(b) => self.sync(b.header.height),
            None => Ok(()),
        }
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
        let payload_crc = crc32fast::hash(&frame[HEADER_BYTES as usize..]);
        frame[0..4].copy_from_slice(MAGIC);
        frame[4..8].copy_from_slice(&len.to_le_bytes());
        frame[8..12].copy_from_slice(&payload_crc.to_le_bytes());
        let header_crc = crc32fast::hash(&frame[0..12]);
        frame[12..16].copy_from_slice(&header_crc.to_le_bytes());
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
}

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
    fn torn_tail_is_discarded_at_every_cut() {
        let dir = tempfile::tempdir().unwrap();
        write_blocks(dir.path(), 3);
        let path = dir.path().join("blocks.log");
        let full = std::fs::read(&path).unwrap();
        let (log, _) = BlockLog::open(dir.path()).unwrap();
        let third_start = log.frames[2].0 - HEADER_BYTES;
        drop(log);
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
}
