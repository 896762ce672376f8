//! Who is calling: bearer JWTs verified against a JWKS, and the caller's roles and
//! organisation.
//!
//! Handlers take an [`AuthUser`]; its extractor verifies the token, so a protected
//! handler cannot forget to. What a role may do is decided in each service, next to
//! the rule, with [`AuthUser::require_any`] and the organisation scope.

mod signer;
mod user;
mod verifier;

pub use signer::{DevKeys, JwtSigner};
pub use user::{Audience, AuthUser, Bearer, Claims, Role, bearer};
pub use verifier::{JwksSource, JwtVerifier, VerifyError};
