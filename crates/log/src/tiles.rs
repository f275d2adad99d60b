//! C2SP `tlog-tiles` paths: `tile/<L>/<N>[.p/<W>]` and
//! `tile/entries/<N>[.p/<W>]`, where `<N>` is written in zero-padded
//! 3-digit groups, all but the last prefixed with `x` (1234067 is
//! `x001/x234/067`).

use crate::tree::TILE_WIDTH;

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
    pub fn parse(rest: &str) -> Result<TilePath, String> {
        let mut segs: Vec<&str> = rest.split('/').collect();
        if segs.len() < 2 {
            return Err("expected <level>/<index>".into());
        }
        let level = match segs.remove(0) {
            "entries" => None,
            l if !l.is_empty()
                && l.bytes().all(|b| b.is_ascii_digit())
                && (l == "0" || !l.starts_with('0')) =>
            {
                let v: u32 = l.parse().map_err(|_| "level out of range")?;
                if v > 63 {
                    return Err("level must be 0..=63".into());
                }
                Some(v)
            }
            _ => {
                return Err(
                    "level must be a decimal integer without leading zeros, or 'entries'".into(),
                )
            }
        };
        let mut partial_width = None;
        if segs.len() >= 2 && segs[segs.len() - 2].ends_with(".p") {
            let w = segs.pop().expect("checked length");
            if w.is_empty() || !w.bytes().all(|b| b.is_ascii_digit()) || w.starts_with('0') {
                return Err("partial width must be 1..=255 without leading zeros".into());
            }
            let w: u64 = w.parse().map_err(|_| "partial width out of range")?;
            if !(1..TILE_WIDTH).contains(&w) {
                return Err("partial width must be 1..=255".into());
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
                s.strip_prefix('x')
                    .ok_or("non-final index groups start with 'x'")?
            };
            if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err("index groups are exactly 3 digits".into());
            }
            index = index
                .checked_mul(1000)
                .and_then(|v| v.checked_add(digits.parse::<u64>().expect("3 digits")))
                .ok_or("index out of range")?;
        }
        let parsed = TilePath {
            level,
            index,
            partial_width,
        };
        // Only the canonical spelling is accepted (no extra leading groups).
        if parsed.to_path() != format!("tile/{rest}") {
            return Err("non-canonical tile path".into());
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
