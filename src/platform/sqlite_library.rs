//! Process-wide SQLite settings, made once before SQLite initializes (before the first
//! connection; later `sqlite3_config` is refused with SQLITE_MISUSE and changes nothing).
//!
//! - Memory statistics off: they take a process-wide mutex on every allocation (every value
//!   read), and sqlx runs each connection on a thread of its own, so they contend on it.
//! - SQLite allocates through mimalloc, as the rest of the process does, instead of glibc's
//!   malloc: sqlx copies every value of every row (`sqlite3_value_dup`) on the connection's
//!   thread and frees it on another, and glibc's arenas spent a sixth of a list query's CPU in
//!   `malloc`/`malloc_consolidate` doing so (perf, 2026-11-26).

use std::ffi::{c_int, c_void};

use libmimalloc_sys as mi;
use libsqlite3_sys as sqlite;

unsafe extern "C" fn x_malloc(n: c_int) -> *mut c_void {
    // SAFETY: mi_malloc accepts any size; SQLite never asks for a negative one.
    unsafe { mi::mi_malloc(usize::try_from(n).unwrap_or(0)) }
}

unsafe extern "C" fn x_free(p: *mut c_void) {
    // SAFETY: SQLite frees only what x_malloc/x_realloc returned.
    unsafe { mi::mi_free(p) }
}

unsafe extern "C" fn x_realloc(p: *mut c_void, n: c_int) -> *mut c_void {
    // SAFETY: `p` came from x_malloc/x_realloc (SQLite's contract for xRealloc).
    unsafe { mi::mi_realloc(p, usize::try_from(n).unwrap_or(0)) }
}

unsafe extern "C" fn x_size(p: *mut c_void) -> c_int {
    // SAFETY: `p` is a live allocation of ours (SQLite asks only about those).
    let size = unsafe { mi::mi_usable_size(p) };
    c_int::try_from(size).unwrap_or(c_int::MAX)
}

extern "C" fn x_roundup(n: c_int) -> c_int {
    // What x_malloc would really hand out is at least `n` rounded to mimalloc's 8-byte grain.
    n.saturating_add(7) & !7
}

extern "C" fn x_init(_: *mut c_void) -> c_int {
    sqlite::SQLITE_OK
}

extern "C" fn x_shutdown(_: *mut c_void) {}

/// Applies the settings once per process; a refusal (SQLite already initialized) is logged.
pub fn configure() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let methods = sqlite::sqlite3_mem_methods {
            xMalloc: Some(x_malloc),
            xFree: Some(x_free),
            xRealloc: Some(x_realloc),
            xSize: Some(x_size),
            xRoundup: Some(x_roundup),
            xInit: Some(x_init),
            xShutdown: Some(x_shutdown),
            pAppData: std::ptr::null_mut(),
        };
        // SAFETY: `sqlite3_config` is documented as callable before `sqlite3_initialize` from
        // one thread; `Once` makes these the only calls. SQLITE_CONFIG_MEMSTATUS takes one int;
        // SQLITE_CONFIG_MALLOC copies the struct it is given. Called after initialization
        // each only returns SQLITE_MISUSE.
        let (memstatus, malloc) = unsafe {
            (
                sqlite::sqlite3_config(sqlite::SQLITE_CONFIG_MEMSTATUS, c_int::from(0u8)),
                sqlite::sqlite3_config(
                    sqlite::SQLITE_CONFIG_MALLOC,
                    &methods as *const sqlite::sqlite3_mem_methods,
                ),
            )
        };
        if memstatus != sqlite::SQLITE_OK || malloc != sqlite::SQLITE_OK {
            tracing::debug!(memstatus, malloc, "SQLite was already initialized");
        }
    });
}
