//! C2SP `tlog-tiles` paths: `tile/<L>/<N>[.p/<W>]` and
//! `tile/entries/<N>[.p/<W>]`, where `<N>` is written in zero-padded
//! 3-digit groups, all but the last prefixed with `x` (1234067 is
//! `x001/x234/067`).

use crate::tree::TILE_WIDTH;

/// Why a tile path was refused (the messages name the rule broken).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TilePathError {
    /// Fewer than two segments.
    #[error("expected <level>/<index>")]
    TooShort,
    /// The level does not fit in a `u32`.
    #[error("level out of range")]
    LevelOutOfRange,
    /// The level is above 63.
    #[error("level must be 0..=63")]
    LevelTooHigh,
    /// The level is neither a plain decimal nor `entries`.
    #[error("level must be a decimal integer without leading zeros, or 'entries'")]
    LevelSyntax,
    /// The partial width is not plain decimal digits.
    #[error("partial width must be 1..=255 without leading zeros")]
    PartialWidthSyntax,
    /// The partial width does not fit in a `u64`.
    #[error("partial width out of range")]
    PartialWidthOutOfRange,
    /// The partial width is not below a full tile's.
    #[error("partial width must be 1..=255")]
    PartialWidth,
    /// An index group other than the last lacks its `x`.
    #[error("non-final index groups start with 'x'")]
    GroupPrefix,
    /// An index group is not exactly three digits.
    #[error("index groups are exactly 3 digits")]
    GroupDigits,
    /// The index does not fit in a `u64`.
    #[error("index out of range")]
    IndexOutOfRange,
    /// The path is not the canonical spelling of its tile.
    #[error("non-canonical tile path")]
    NonCanonical,
}

/// A parsed tile path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TilePath {
    /// Hash-tile level, or `None` for an entry bundle.
    pub level: Option<u32>,
    /// Tile index within its level.
    pub index: u64,
    /// Width of a partial tile; `None` for a full one (256).
    pub partial_width: Option<u64>,
}

impl TilePath {
    /// Hashes (or entries) in the tile.
    pub fn width(&self) -> u64 {
        self.partial_width.unwrap_or(TILE_WIDTH)
    }

    /// The path after the log's prefix, e.g. `tile/0/x001/234.p/5`.
    pub fn to_path(&self) -> String {
        let mut groups = Vec::new();
        let mut n = self.index;
        loop {
            groups.push(n % 1000);
            n /= 1000;
            if n == 0 {
                break;
            }
        }
        let digits: Vec<String> = groups
            .iter()
            .rev()
            .enumerate()
            .map(|(i, g)| {
                if i + 1 < groups.len() {
                    format!("x{g:03}")
                } else {
                    format!("{g:03}")
                }
            })
            .collect();
        let level = self
            .level
            .map(|l| l.to_string())
            .unwrap_or_else(|| "entries".into());
        let mut p = format!("tile/{level}/{}", digits.join("/"));
        if let Some(w) = self.partial_width {
            p.push_str(&format!(".p/{w}"));
        }
        p
    }

    /// Parses the part after `tile/`.
    pub fn parse(rest: &str) -> Result<TilePath, TilePathError> {
        let mut segs: Vec<&str> = rest.split('/').collect();
        if segs.len() < 2 {
            return Err(TilePathError::TooShort);
        }
        let level = match segs.remove(0) {
            "entries" => None,
            l if !l.is_empty()
                && l.bytes().all(|b| b.is_ascii_digit())
                && (l == "0" || !l.starts_with('0')) =>
            {
                let v: u32 = l.parse().map_err(|_| TilePathError::LevelOutOfRange)?;
                if v > 63 {
                    return Err(TilePathError::LevelTooHigh);
                }
                Some(v)
            }
            _ => return Err(TilePathError::LevelSyntax),
        };
        let mut partial_width = None;
        if segs.len() >= 2 && segs[segs.len() - 2].ends_with(".p") {
            let w = segs.pop().expect("checked length");
            if w.is_empty() || !w.bytes().all(|b| b.is_ascii_digit()) || w.starts_with('0') {
                return Err(TilePathError::PartialWidthSyntax);
            }
            let w: u64 = w
                .parse()
                .map_err(|_| TilePathError::PartialWidthOutOfRange)?;
            if !(1..TILE_WIDTH).contains(&w) {
                return Err(TilePathError::PartialWidth);
            }
            partial_width = Some(w);
            let last = segs.pop().expect("checked length");
            segs.push(last.strip_suffix(".p").expect("checked suffix"));
        }
        let mut index: u64 = 0;
        for (i, s) in segs.iter().enumerate() {
            let last = i + 1 == segs.len();
            let digits = if last {
                *s
            } else {
                s.strip_prefix('x').ok_or(TilePathError::GroupPrefix)?
            };
            if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(TilePathError::GroupDigits);
            }
            index = index
                .checked_mul(1000)
                .and_then(|v| v.checked_add(digits.parse::<u64>().expect("3 digits")))
                .ok_or(TilePathError::IndexOutOfRange)?;
        }
        let parsed = TilePath {
            level,
            index,
            partial_width,
        };
        // Only the canonical spelling is accepted (no extra leading groups).
        if parsed.to_path() != format!("tile/{rest}") {
            return Err(TilePathError::NonCanonical);
        }
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip() {
        for (path, level, index, w) in [
            ("0/000", Some(0), 0, None),
            ("1/x001/x234/067", Some(1), 1_234_067, None),
            ("entries/x001/234.p/5", None, 1234, Some(5)),
            ("2/999.p/255", Some(2), 999, Some(255)),
        ] {
            let t = TilePath::parse(path).unwrap();
            assert_eq!(
                (t.level, t.index, t.partial_width),
                (level, index, w),
                "{path}"
            );
            assert_eq!(t.to_path(), format!("tile/{path}"));
        }
        for bad in [
            "0/1",
            "0/x000/001",
            "00/000",
            "64/000",
            "0/000.p/0",
            "0/000.p/256",
            "0/000.p/07",
            "x/000",
            "0/001/002",
            "0",
        ] {
            assert!(TilePath::parse(bad).is_err(), "{bad}");
        }
    }
}
