//! The integration tests of `publica-credentials`, in one binary.

mod flows;
mod offline;
mod rdfc;
mod vectors;
