//! The demo's city data: the city publishes hourly traffic counts (an
//! open feed, yesterday's last six hours), air quality (a feed for the
//! agencies it grants, granted to the medicines agency) and last month's
//! water use by district (granted to the statistics office for
//! statistics, which records an access). The content goes to the node's
//! data store before the API listens; the ledger holds the hashes.

use super::Seeder;
use anyhow::{anyhow, Result};
use publica_types::now_ms;
use serde_json::json;

const HOUR: u64 = 3_600_000;

impl Seeder<'_> {
    pub(super) fn citydata_demo(&mut self, data_dir: &std::path::Path) -> Result<()> {
        let store = publica_api::citydata::DataStore::open(data_dir)
            .map_err(|e| anyhow!("demo city data: {e}"))?;
        let mut txs = vec![];
        for (id, kind, schema, access) in [
            (
                "traffic-counts",
                "feed",
                "urn:publica:demo:traffic-counts:v1",
                "open",
            ),
            (
                "air-quality",
                "feed",
                "urn:publica:demo:air-quality:v1",
                "agencies",
            ),
            (
                "water-use",
                "dataset",
                "urn:publica:demo:water-use:v1",
                "purpose",
            ),
        ] {
            txs.push(self.tx(
                "citydata",
                "register",
                json!({"agency": "city", "id": id, "kind": kind,
                "schema": schema, "licence": "CC-BY-4.0", "access": access}),
            ));
        }
        let end = (now_ms() / HOUR - 1) * HOUR;
        let mut publish = |s: &mut Self,
                           id: &str,
                           start: u64,
                           end: u64,
                           content: String|
         -> Result<()> {
            let hash = store
                .keep(content.as_bytes())
                .map_err(|e| anyhow!("demo city data: {e}"))?;
            let tx = s.tx("citydata", "publish", json!({"agency": "city", "dataset": id, "hash": hash,
                "bytes": content.len(), "start_ms": start, "end_ms": end, "media_type": "text/csv"}));
            txs.push(tx);
            Ok(())
        };
        for k in 0..6u64 {
            let start = end - (6 - k) * HOUR;
            let mut counts = String::from("sensor,vehicles,bicycles\n");
            for (n, sensor) in ["main-st", "river-rd", "north-gate"].iter().enumerate() {
                let v = 180 + (k * 53 + n as u64 * 97) % 240;
                counts.push_str(&format!("{sensor},{v},{}\n", v / 7));
            }
            publish(self, "traffic-counts", start, start + HOUR, counts)?;
            let pm = 8 + (k * 5) % 11;
            publish(
                self,
                "air-quality",
                start,
                start + HOUR,
                format!("station,pm2_5,no2\ncentre,{pm},{}\n", 20 + k),
            )?;
        }
        let month = end - 30 * 24 * HOUR;
        publish(
            self,
            "water-use",
            month,
            end,
            "district,m3\nnorth,18250\ncentre,24110\nriverside,15980\n".into(),
        )?;
        self.phase("city data sets and batches", std::mem::take(&mut txs))?;
        let grants = vec![
            self.tx("citydata", "grant", json!({"agency": "city", "dataset": "air-quality", "grantee": "health", "purpose": "*"})),
            self.tx("citydata", "grant", json!({"agency": "city", "dataset": "water-use", "grantee": "stats", "purpose": "statistics"})),
            // The dev key is the statistics office's oracle: it records
            // an access, as its analyst's client would before downloading.
            self.tx("citydata", "access", json!({"agency": "city", "dataset": "water-use", "batch": 1,
                "grantee": "stats", "purpose": "statistics"})),
        ];
        self.phase("city data grants and an access", grants)
    }
}
