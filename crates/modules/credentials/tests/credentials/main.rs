//! The integration tests of `publica-credentials`, in one binary.

mod flows;
mod rdfc;
mod vectors;
