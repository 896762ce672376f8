//! Use-cases of the incidents service: authorisation, then one unit of work each.

pub mod establishments;
