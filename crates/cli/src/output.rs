//! Standard output as a Unix tool writes it: when the reader goes away
//! (`publica query … | head`), the process ends quietly with status 0, as
//! ripgrep does, instead of panicking with a backtrace.
//!
//! Rust ignores SIGPIPE, so a write to a closed pipe fails with
//! `BrokenPipe` and `println!` panics on it; restoring SIGPIPE's default
//! action would take `unsafe` (forbidden here). So every line the CLI
//! prints goes through [`write`] (the [`outln!`](crate::outln) and
//! [`out!`](crate::out) macros), and `main` treats a `BrokenPipe` error that
//! reached it the same way.

use std::io::Write as _;

/// Writes to stdout; a closed stdout ends the process quietly (status 0),
/// any other failure to print ends it with status 1.
pub fn write(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        quit_on(&e);
    }
}

/// Ends the process for an error writing to stdout.
fn quit_on(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("error: writing to stdout: {e}");
    std::process::exit(1);
}

/// Whether `e` is, or was caused by, stdout's reader going away.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `println!` through [`write`].
#[macro_export]
macro_rules! outln {
    () => {
        $crate::output::write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` through [`write`].
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write(format_args!($($arg)*))
    };
}
