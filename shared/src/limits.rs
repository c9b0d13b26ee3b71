//! Size limits both sides respect.

/// Default largest WebSocket frame the server accepts (configurable on the server).
pub const DEFAULT_MAX_FRAME_BYTES: usize = 16 * 1024 * 1024;

/// Longest peer id accepted in a `join`.
pub const MAX_PEER_ID_LEN: usize = 256;

/// Largest presence payload relayed in an `ephemeral` message.
pub const MAX_EPHEMERAL_BYTES: usize = 64 * 1024;
