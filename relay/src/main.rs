//! The `relay` binary: parses the command line and hands over to the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    cap_allocator_arenas();
    relay::cli::run(relay::cli::Cli::parse())
}

/// glibc's allocator gives a thread that finds the arenas busy an arena of its own, up to eight
/// per core, and keeps each arena's freed pages for its next allocations: with the runtime's
/// workers and the SQLite threads (sqlx's, the writer, the checkpointer) all allocating, a
/// campaign's peak memory was 101 MB, and 63 MB with two arenas at the same sending rate
/// (docs/benchmarks.md, issue 16; mimalloc, tried, stayed at 98-103 MB). glibc reads
/// `MALLOC_ARENA_MAX` only as the process starts, so the relay starts itself again, in the same
/// process, with it set, unless it is set already (a value of one's own is kept). Elsewhere
/// than glibc the variable means nothing.
fn cap_allocator_arenas() {
    use std::os::unix::process::CommandExt;

    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    let Ok(program) = std::env::current_exe() else {
        return;
    };
    // `exec` returns only when it failed; the relay then runs on with glibc's default.
    let error = std::process::Command::new(program)
        .args(std::env::args_os().skip(1))
        .env("MALLOC_ARENA_MAX", "2")
        .exec();
    eprintln!("relay: running without MALLOC_ARENA_MAX=2 ({error})");
}
