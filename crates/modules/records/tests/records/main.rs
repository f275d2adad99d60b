//! The integration tests of `publica-records`, in one binary.

mod consent;
mod fhir_examples;
mod lifecycle;
