//! CSV and XLSX imports of the cross-check inputs (documented in
//! `docs/crosscheck-inputs.md`), with the same guarantees as the uploads: a bad
//! row is rejected with file, row and reason, the others are kept. Pure: bytes in.
