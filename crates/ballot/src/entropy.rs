//! Where fresh secrets come from. On an operating system, its generator.
//! In a browser (WebAssembly), the page hands in bytes from
//! `crypto.getRandomValues` with [`supply`] before each ballot; a draw
//! beyond them stops the ballot (a trap), never falls back to anything
//! weaker.

/// Fills `out` with random bytes from the operating system.
#[cfg(not(target_arch = "wasm32"))]
pub fn fill(out: &mut [u8]) {
    use rand_core::{OsRng, RngCore};
    OsRng.fill_bytes(out);
}

#[cfg(target_arch = "wasm32")]
thread_local! {
    static POOL: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Fills `out` from the bytes the page supplied, each used once.
///
/// # Panics
/// If fewer remain than `out` needs: the ballot stops.
#[cfg(target_arch = "wasm32")]
pub fn fill(out: &mut [u8]) {
    POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        assert!(pool.len() >= out.len(), "too few random bytes supplied");
        let rest = pool.len() - out.len();
        out.copy_from_slice(&pool[rest..]);
        pool[rest..].fill(0);
        pool.truncate(rest);
    });
}

/// Adds `bytes` (from `crypto.getRandomValues`) to the pool.
#[cfg(target_arch = "wasm32")]
pub fn supply(bytes: &[u8]) {
    POOL.with(|pool| pool.borrow_mut().extend_from_slice(bytes));
}

/// Empties the pool (after a ballot, so no unused byte outlives it).
#[cfg(target_arch = "wasm32")]
pub fn clear() {
    POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        pool.fill(0);
        pool.clear();
    });
}

/// How many random bytes remain supplied.
#[cfg(target_arch = "wasm32")]
pub fn remaining() -> usize {
    POOL.with(|pool| pool.borrow().len())
}
