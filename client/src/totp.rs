// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Time-based one-time passwords (RFC 6238) as a second factor for unlocking a keystore.
//!
//! The parameters are the ones every authenticator app assumes when an `otpauth://` URI leaves
//! them out: HMAC-SHA1, a 30-second step counted from the Unix epoch, and 6 digits. A code is
//! accepted in the step it was made for and one step either side, to allow for clock drift and
//! the time it takes to type it.
//!
//! The secret is shown once, as an `otpauth://` URI and a QR code for the terminal
//! ([`render_qr`]), and is then kept sealed inside the keystore (see
//! [`crate::keys::Keystore`]).

use hmac::{digest::KeyInit, Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// Length of a TOTP secret in bytes (160 bits, the HMAC-SHA1 output size RFC 4226 recommends).
pub const SECRET_LEN: usize = 20;
/// Seconds per time step.
pub const STEP_SECONDS: u64 = 30;
/// Digits in a code.
pub const DIGITS: u32 = 6;
/// How many steps before and after the current one are still accepted.
pub const ACCEPTED_STEP_DRIFT: u64 = 1;
/// The issuer shown by authenticator apps.
pub const ISSUER: &str = "ehr-chain";

/// What can go wrong rendering a QR code.
#[derive(Debug, thiserror::Error)]
pub enum TotpError {
	/// The URI does not fit in a QR code.
	#[error("cannot encode the URI as a QR code: {0}")]
	Qr(#[from] qrcode::types::QrError),
}

/// A fresh random secret.
pub fn generate_secret() -> [u8; SECRET_LEN] {
	crate::crypto::random_array()
}

/// HMAC-SHA1 with a 20-byte key.
fn hmac_sha1(key: &[u8; SECRET_LEN], message: &[u8]) -> [u8; 20] {
	// HMAC zero-pads keys shorter than the 64-byte SHA-1 block, so keying with the padded
	// block is the same MAC and cannot fail the way a variable-length key could.
	let mut block = [0u8; 64];
	block[..SECRET_LEN].copy_from_slice(key);
	let mut mac = <Hmac<Sha1> as KeyInit>::new(&block.into());
	mac.update(message);
	mac.finalize().into_bytes().into()
}

/// The HOTP value (RFC 4226) for `counter`, zero-padded to `digits` digits.
fn hotp(secret: &[u8; SECRET_LEN], counter: u64, digits: u32) -> String {
	let digest = hmac_sha1(secret, &counter.to_be_bytes());
	// Dynamic truncation: the low nibble of the last byte picks four bytes.
	let offset = usize::from(digest[19] & 0x0f);
	let mut word = [0u8; 4];
	word.copy_from_slice(&digest[offset..offset + 4]);
	let binary = u32::from_be_bytes(word) & 0x7fff_ffff;
	let value = u64::from(binary) % 10u64.pow(digits);
	format!("{value:0width$}", width = digits as usize)
}

fn code_with_digits(secret: &[u8; SECRET_LEN], unix_seconds: u64, digits: u32) -> String {
	hotp(secret, unix_seconds / STEP_SECONDS, digits)
}

/// The 6-digit code for the step containing `unix_seconds`.
pub fn code_at(secret: &[u8; SECRET_LEN], unix_seconds: u64) -> String {
	code_with_digits(secret, unix_seconds, DIGITS)
}

/// Whether `code` is the code of the step containing `unix_seconds` or of a neighbouring step.
///
/// Surrounding whitespace is ignored; each comparison takes the same time whatever the digits.
pub fn verify(secret: &[u8; SECRET_LEN], code: &str, unix_seconds: u64) -> bool {
	let code = code.trim();
	if code.len() != DIGITS as usize || !code.bytes().all(|byte| byte.is_ascii_digit()) {
		return false;
	}
	let step = unix_seconds / STEP_SECONDS;
	let first = step.saturating_sub(ACCEPTED_STEP_DRIFT);
	let last = step.saturating_add(ACCEPTED_STEP_DRIFT);
	let mut accepted = subtle::Choice::from(0);
	// Check every step in the window, so the time taken does not tell which one matched.
	for counter in first..=last {
		accepted |= hotp(secret, counter, DIGITS).as_bytes().ct_eq(code.as_bytes());
	}
	accepted.into()
}

/// Percent-encodes everything except RFC 3986 unreserved characters.
fn percent_encode(text: &str) -> String {
	let mut out = String::with_capacity(text.len());
	for byte in text.bytes() {
		if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
			out.push(char::from(byte));
		} else {
			out.push_str(&format!("%{byte:02X}"));
		}
	}
	out
}

/// The `otpauth://` URI an authenticator app imports (Key URI Format).
///
/// The label is `ehr-chain:<account_label>`; the secret is upper-case base32 without padding.
pub fn otpauth_uri(secret: &[u8; SECRET_LEN], account_label: &str) -> String {
	let secret = data_encoding::BASE32_NOPAD.encode(secret);
	format!(
		"otpauth://totp/{issuer}:{label}?secret={secret}&issuer={issuer}&algorithm=SHA1\
		 &digits={DIGITS}&period={STEP_SECONDS}",
		issuer = percent_encode(ISSUER),
		label = percent_encode(account_label),
	)
}

/// The QR code of `uri` drawn with Unicode half blocks, two modules per character row.
///
/// The colours are inverted for the usual light-on-dark terminal, so the code reads as dark
/// modules on a light background with its quiet zone, as phone cameras expect.
pub fn render_qr(uri: &str) -> Result<String, TotpError> {
	use qrcode::render::unicode::Dense1x2;
	let code = qrcode::QrCode::new(uri.as_bytes())?;
	Ok(code
		.render::<Dense1x2>()
		.dark_color(Dense1x2::Light)
		.light_color(Dense1x2::Dark)
		.quiet_zone(true)
		.build())
}

#[cfg(test)]
mod tests {
	use super::*;

	const RFC_SECRET: &[u8; 20] = b"12345678901234567890";

	// RFC 6238 Appendix B, SHA1 column (8-digit codes).
	#[test]
	fn rfc6238_sha1_vectors() {
		let vectors = [
			(59, "94287082"),
			(1_111_111_109, "07081804"),
			(1_111_111_111, "14050471"),
			(1_234_567_890, "89005924"),
			(2_000_000_000, "69279037"),
			(20_000_000_000, "65353130"),
		];
		for (time, expected) in vectors {
			assert_eq!(code_with_digits(RFC_SECRET, time, 8), expected, "time {time}");
		}
	}

	#[test]
	fn six_digit_code_is_the_low_digits() {
		// 94287082 mod 10^6, zero-padded where needed.
		assert_eq!(code_at(RFC_SECRET, 59), "287082");
		assert_eq!(code_at(RFC_SECRET, 1_111_111_109), "081804");
	}

	#[test]
	fn one_step_drift_accepted_two_refused() {
		// A fixed secret and time keep this deterministic (a random secret could, once in a
		// few hundred thousand runs, give equal codes in neighbouring steps).
		let now = 1_111_111_111;
		let code = code_at(RFC_SECRET, now);
		assert!(verify(RFC_SECRET, &code, now));
		assert!(verify(RFC_SECRET, &format!(" {code}\n"), now));
		assert!(verify(RFC_SECRET, &code, now + STEP_SECONDS));
		assert!(verify(RFC_SECRET, &code, now - STEP_SECONDS));
		assert!(!verify(RFC_SECRET, &code, now + 2 * STEP_SECONDS));
		assert!(!verify(RFC_SECRET, &code, now - 2 * STEP_SECONDS));
	}

	#[test]
	fn refuses_malformed_codes() {
		let secret = generate_secret();
		let code = code_at(&secret, 1000);
		assert!(!verify(&secret, &code[..5], 1000));
		assert!(!verify(&secret, &format!("{code}0"), 1000));
		assert!(!verify(&secret, "abcdef", 1000));
		assert!(!verify(&secret, "", 1000));
	}

	#[test]
	fn early_times_do_not_underflow() {
		assert!(verify(RFC_SECRET, &code_at(RFC_SECRET, 0), 0));
		assert!(verify(RFC_SECRET, &code_at(RFC_SECRET, 31), 0));
	}

	#[test]
	fn otpauth_uri_format() {
		let uri = otpauth_uri(RFC_SECRET, "dr alice@hospital");
		assert_eq!(
			uri,
			"otpauth://totp/ehr-chain:dr%20alice%40hospital?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
			 &issuer=ehr-chain&algorithm=SHA1&digits=6&period=30"
		);
	}

	#[test]
	fn qr_renders_as_half_blocks() {
		let qr =
			render_qr(&otpauth_uri(RFC_SECRET, "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"))
				.unwrap();
		let rows: Vec<&str> = qr.lines().collect();
		assert!(rows.len() > 10);
		let width = rows[0].chars().count();
		assert!(rows.iter().all(|row| row.chars().count() == width));
		assert!(qr.chars().all(|c| matches!(c, ' ' | '\n' | '█' | '▀' | '▄')));
	}

	#[test]
	fn qr_refuses_oversized_input() {
		assert!(render_qr(&"x".repeat(8000)).is_err());
	}
}
