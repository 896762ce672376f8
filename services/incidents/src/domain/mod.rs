//! The rules of the incidents service: plain types and checks, no I/O.

pub mod establishment;
