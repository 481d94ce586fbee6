//! The dashboard: one round trip for the figures the desktop's home shows, each read through
//! the domain that owns it. It owns no table; each field costs one statement, and only the
//! fields asked for run, so the statement count is constant whatever the viewer holds.

pub mod graphql;
