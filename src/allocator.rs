//! The allocator of every program that links the launcher (`atvsld`, its tests and the
//! benchmarks): jemalloc, with background threads that return freed pages to the system
//! one second after they fall idle.
//!
//! With glibc's malloc, `atvsld up` kept what an import had freed (a few hundred
//! megabytes of retained arenas after three 20,000-row imports; see the README's
//! "Benchmarks"): giving it back needs `malloc_trim`, an `unsafe` call the workspace
//! forbids. jemalloc's decay does it on its own. The options are compiled in through
//! `JEMALLOC_SYS_WITH_MALLOC_CONF` (`.cargo/config.toml`), since they must hold before
//! the first allocation.

#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
