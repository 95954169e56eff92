//! The alarm lifecycle (being written).
