//! What the `energy` module keeps: each agency's certificate registry
//! (its settings and running totals), meters, certificate lots (one per
//! meter and interval that produced at least one unit) and who holds how
//! many units of each.

use publica_types::AccountId;
use serde::{Deserialize, Serialize};

/// Most readings in one signed batch (a week of 15-minute intervals).
pub const BATCH_MAX: usize = 672;
/// Largest rated capacity of a meter: 10 GW.
pub const CAPACITY_W_MAX: u64 = 10_000_000_000;

/// An agency's certificate registry: its settings and totals.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registry {
    /// The agency (the grid operator's).
    pub agency: String,
    /// Watt-hours per certificate unit (1,000: one unit per kWh).
    pub unit_wh: u64,
    /// The metering interval (ms): 15 minutes is 900,000.
    pub interval_ms: u64,
    /// How long a certificate stays usable after its interval ends (days).
    pub validity_days: u64,
    /// The country of the registry's devices (ISO 3166-1 alpha-2).
    pub country: String,
    /// Meters registered.
    pub meters: u64,
    /// Renewable energy exported by producing meters (Wh).
    pub generated_wh: u64,
    /// Units issued.
    pub issued_units: u64,
    /// Units cancelled (claimed for consumption).
    pub cancelled_units: u64,
    /// Generation not yet making up a whole unit, over all meters (Wh).
    pub carry_wh: u64,
}

impl Registry {
    /// Whether the totals reconcile: every watt-hour of renewable
    /// generation is in an issued unit or in a meter's remainder.
    pub fn reconciles(&self) -> bool {
        u128::from(self.issued_units) * u128::from(self.unit_wh) + u128::from(self.carry_wh)
            == u128::from(self.generated_wh)
    }
}

/// What a meter measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeterRole {
    /// A generator's export meter.
    Producer,
    /// A consumer's import meter.
    Consumer,
    /// Both ways (a home with solar panels).
    Prosumer,
}

/// The energy source of a producing meter (the technology field of the
/// established registries).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Technology {
    /// Photovoltaic.
    Solar,
    /// Wind turbines.
    Wind,
    /// Hydro power.
    Hydro,
    /// Biomass.
    Biomass,
    /// Geothermal.
    Geothermal,
    /// Not renewable (or no generation): no certificate is issued.
    None,
}

/// A meter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meter {
    /// Its id.
    pub id: String,
    /// The key that signs its readings (Ed25519).
    pub key: AccountId,
    /// Who receives its certificates (and settles for it).
    pub holder: AccountId,
    /// What it measures.
    pub role: MeterRole,
    /// Its source.
    pub technology: Technology,
    /// Where (a reference: a geohash, a site code).
    pub location: String,
    /// Rated capacity (W): a reading is at most this for one interval.
    pub capacity_w: u64,
    /// Flagged faulty by the grid operator (with its reason).
    pub faulty: Option<String>,
    /// The last interval read (its start, ms).
    pub last_start_ms: Option<u64>,
    /// Energy imported so far (Wh).
    pub imported_wh: u64,
    /// Energy exported so far (Wh).
    pub exported_wh: u64,
    /// Generation not yet making up a whole unit (Wh).
    pub carry_wh: u64,
    /// Registered at.
    pub height: u64,
}

impl Meter {
    /// Whether its exports earn certificates.
    pub fn renewable(&self) -> bool {
        self.technology != Technology::None && self.role != MeterRole::Consumer
    }
}

/// A certificate lot: the units issued for one meter's interval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lot {
    /// Its id: `<meter>/<start_ms>`.
    pub id: String,
    /// The production device.
    pub meter: String,
    /// Its technology.
    pub technology: Technology,
    /// Its location.
    pub location: String,
    /// The registry's country.
    pub country: String,
    /// The production interval: start (ms).
    pub start_ms: u64,
    /// The production interval: end (ms).
    pub end_ms: u64,
    /// Units issued.
    pub units: u64,
    /// Units cancelled so far.
    pub cancelled: u64,
    /// Issued at (height).
    pub height: u64,
    /// Issued at (block time).
    pub issued_ms: u64,
    /// Usable until (block time).
    pub expires_ms: u64,
}

/// State key of an agency's registry.
pub fn registry_key(agency: &str) -> Vec<u8> {
    format!("energy/registry/{agency}").into_bytes()
}

/// State key of a meter.
pub fn meter_key(agency: &str, id: &str) -> Vec<u8> {
    format!("energy/meter/{agency}/{id}").into_bytes()
}

/// State key naming the meter a key signs for (one meter per key).
pub fn meter_by_key(agency: &str, key: &AccountId) -> Vec<u8> {
    format!("energy/meter_key/{agency}/{}", key.to_hex()).into_bytes()
}

/// State key of a lot.
pub fn lot_key(agency: &str, lot: &str) -> Vec<u8> {
    format!("energy/lot/{agency}/{lot}").into_bytes()
}

/// State key of what `holder` holds of a lot.
pub fn holding_key(agency: &str, lot: &str, holder: &AccountId) -> Vec<u8> {
    format!("energy/holding/{agency}/{lot}/{}", holder.to_hex()).into_bytes()
}

/// An id: 1..=64 of `[a-z0-9_-]`.
pub fn valid_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// A reading of one interval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reading {
    /// The interval's start (ms since the epoch, a multiple of the
    /// registry's interval).
    pub start_ms: u64,
    /// Energy taken from the grid (Wh).
    pub import_wh: u64,
    /// Energy fed into the grid (Wh).
    pub export_wh: u64,
}

/// A made-up day of a 5 kW solar array for benchmarks and demos: 96
/// quarter-hour readings from `day_ms`, 120 Wh imported at night, up to
/// 1,250 Wh exported around noon; `salt` varies the figures between
/// meters.
pub fn sample_solar_day(day_ms: u64, salt: u64) -> Vec<Reading> {
    (0..96u64)
        .map(|k| {
            let export = if (28..76).contains(&k) {
                let x = k.abs_diff(52);
                (1_200u64.saturating_sub(x * x * 2) + salt % 97).min(1_250)
            } else {
                0
            };
            Reading {
                start_ms: day_ms + k * 900_000,
                import_wh: if export == 0 { 120 } else { 0 },
                export_wh: export,
            }
        })
        .collect()
}

/// The bytes a meter signs for a batch: the domain
/// `publica/energy/v1/readings`, then chain id, agency and meter, each
/// followed by a NUL, then the readings as canonical JSON (RFC 8785).
pub fn signing_bytes(chain_id: &str, agency: &str, meter: &str, readings: &[Reading]) -> Vec<u8> {
    let mut out = b"publica/energy/v1/readings\0".to_vec();
    for part in [chain_id, agency, meter] {
        out.extend_from_slice(part.as_bytes());
        out.push(0);
    }
    out.extend(
        publica_types::canonical::canonicalize(readings).expect("readings are plain numbers"),
    );
    out
}
