//! The findings link codec (versioned, compact, compressed, base64url).
