//! Randomness from the operating system's CSPRNG, for ids and tokens (the core takes the bytes).

use portcullis_core::token::TOKEN_BYTES;
use portcullis_core::{OrgId, PlainToken, TokenKind, UserId};

use super::AppError;

pub fn bytes<const N: usize>() -> Result<[u8; N], AppError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| AppError::Internal(format!("the OS random generator failed: {e}")))?;
    Ok(buf)
}

pub fn token(kind: TokenKind) -> Result<PlainToken, AppError> {
    Ok(PlainToken::from_random(kind, bytes::<TOKEN_BYTES>()?))
}

pub fn user_id() -> Result<UserId, AppError> {
    Ok(UserId::from_random_bytes(bytes()?))
}

pub fn org_id() -> Result<OrgId, AppError> {
    Ok(OrgId::from_random_bytes(bytes()?))
}
