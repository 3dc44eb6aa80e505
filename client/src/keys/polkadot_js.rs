// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Accounts exported from Polkadot.js apps ("Export account": a JSON file and its password).
//!
//! The format, as `@polkadot/keyring` 14 writes it (`pair.toJson(password)`) and as
//! `subxt-signer`'s `polkadot-js-compat` reads it:
//!
//! ```json
//! { "encoded": "<base64>", "address": "<SS58>", "meta": { "name": … },
//!   "encoding": { "content": ["pkcs8", "sr25519"],
//!                 "type": ["scrypt", "xsalsa20-poly1305"], "version": "3" } }
//! ```
//!
//! `encoded` is `salt (32) ‖ N ‖ p ‖ r (u32 little-endian each) ‖ nonce (24) ‖ secretbox`:
//! the secretbox (XSalsa20-Poly1305) key is the first 32 bytes of scrypt(password, salt, N, r,
//! p), and only Polkadot.js's own six (N, p, r) sets are accepted, as Polkadot.js does, so a
//! hostile file cannot ask for unbounded memory. The plaintext is PKCS#8-framed:
//! `header (16) ‖ secret key (64) ‖ divider (5) ‖ public key (32)`, the secret key being
//! schnorrkel's expanded key in its Ed25519 form (scalar × 8 ‖ nonce).
//!
//! ## The encryption key of an imported account
//! An export holds the expanded secret key, not the 32-byte mini secret it was expanded from
//! (SHA-512 does not run backwards), so the encryption key a SURI gives, HKDF of the mini
//! secret, cannot be computed from it. An imported identity's x25519 encryption key is instead
//! HKDF-SHA256 of the 64-byte secret key exactly as the export holds it, with the same salt
//! [`ENCRYPTION_KEY_SALT`] and the distinct info [`POLKADOT_JS_ENCRYPTION_KEY_INFO`]. It is as
//! deterministic (every import of the same account gives it) and as separate from the signing
//! key, but it is **not** the encryption key the account's phrase gives in this client: an
//! account uses one of the two, and registers that one on chain. Someone who registered the
//! phrase's key and then signs in with the export cannot unwrap what was wrapped to the
//! registered key (compare [`Identity::encryption_public`] with the registered key first).

use crypto_secretbox::{
	aead::{Aead, KeyInit},
	Key, Nonce, XSalsa20Poly1305,
};
use serde::Deserialize;
use sp_core::crypto::{AccountId32, Ss58Codec};
use zeroize::Zeroizing;

use super::{Identity, KeyError};
use crate::crypto::{self, ENCRYPTION_KEY_SALT};

/// HKDF `info` of the x25519 encryption key of an account imported from a Polkadot.js export
/// (the input key material being its 64-byte secret key; see the module docs).
pub const POLKADOT_JS_ENCRYPTION_KEY_INFO: &[u8] =
	b"ehr-chain/x25519-encryption-key/polkadot-js-secret-key/v1";

/// The scrypt (N, p, r) sets Polkadot.js writes and accepts (`@polkadot/util-crypto`
/// `scrypt/defaults`); the default is N = 2^17, p = 1, r = 8.
const ALLOWED_SCRYPT_PARAMS: [(u32, u32, u32); 6] = [
	(1 << 13, 10, 8),
	(1 << 14, 5, 8),
	(1 << 15, 3, 8),
	(1 << 15, 1, 8),
	(1 << 16, 2, 8),
	(1 << 17, 1, 8),
];
const SALT_LEN: usize = 32;
/// Salt and the three scrypt parameters.
const SCRYPT_LEN: usize = SALT_LEN + 3 * 4;
const NONCE_LEN: usize = 24;
/// The PKCS#8 framing of the plaintext (`@polkadot/keyring` `pair/defaults`).
const PKCS8_HEADER: [u8; 16] = [48, 83, 2, 1, 1, 48, 5, 6, 3, 43, 101, 112, 4, 34, 4, 32];
const PKCS8_DIVIDER: [u8; 5] = [161, 35, 3, 33, 0];
const SECRET_KEY_LEN: usize = 64;
const PUBLIC_KEY_LEN: usize = 32;
const PLAINTEXT_LEN: usize =
	PKCS8_HEADER.len() + SECRET_KEY_LEN + PKCS8_DIVIDER.len() + PUBLIC_KEY_LEN;

/// The fields of an export this client reads (`meta` is ignored).
#[derive(Deserialize)]
struct Export {
	encoded: String,
	encoding: Encoding,
	address: String,
}

#[derive(Deserialize)]
struct Encoding {
	content: Vec<String>,
	#[serde(rename = "type")]
	kind: OneOrMany,
	version: String,
}

/// `encoding.type` is an array in current exports and was a string in old ones.
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
	One(String),
	Many(Vec<String>),
}

impl OneOrMany {
	fn contains(&self, wanted: &str) -> bool {
		match self {
			Self::One(one) => one == wanted,
			Self::Many(many) => many.iter().any(|item| item == wanted),
		}
	}
}

fn format_error(reason: impl Into<String>) -> KeyError {
	KeyError::PolkadotJsFormat(reason.into())
}

fn u32_le(bytes: &[u8]) -> u32 {
	let mut word = [0u8; 4];
	word.copy_from_slice(bytes);
	u32::from_le_bytes(word)
}

impl Identity {
	/// The identity of an account exported from Polkadot.js apps: the export's JSON text and
	/// the password it was exported with. Only sr25519 accounts in the current format
	/// (version 3, scrypt and xsalsa20-poly1305) are read.
	///
	/// The account is the export's: it signs as the address the file names, whatever SS58
	/// format that address is written in. Its encryption key is derived from the exported
	/// secret key, not from a phrase: see the [module docs](self) for what that means.
	pub fn from_polkadot_js_json(json: &str, password: &str) -> Result<Identity, KeyError> {
		let export: Export =
			serde_json::from_str(json).map_err(|error| format_error(error.to_string()))?;
		let encoding = &export.encoding;
		if encoding.version != "3" {
			return Err(format_error(format!(
				"encoding version {:?} (this client reads version \"3\")",
				encoding.version
			)));
		}
		if encoding.content != ["pkcs8", "sr25519"] {
			return Err(format_error(format!(
				"content {:?} (only sr25519 accounts, [\"pkcs8\", \"sr25519\"], are supported)",
				encoding.content
			)));
		}
		if !(encoding.kind.contains("scrypt") && encoding.kind.contains("xsalsa20-poly1305")) {
			return Err(format_error(
				"the secret is not encrypted with scrypt and xsalsa20-poly1305 (an unencrypted or \
				 old export)",
			));
		}
		let encoded = match export.encoded.strip_prefix("0x") {
			Some(hex_text) => hex::decode(hex_text).ok(),
			None => {
				use base64::Engine;
				base64::engine::general_purpose::STANDARD.decode(&export.encoded).ok()
			}
		}
		.ok_or_else(|| format_error("\"encoded\" is neither base64 nor 0x-prefixed hex"))?;
		if encoded.len() < SCRYPT_LEN + NONCE_LEN {
			return Err(format_error("\"encoded\" is too short"));
		}
		let (scrypt_part, rest) = encoded.split_at(SCRYPT_LEN);
		let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
		let salt = &scrypt_part[..SALT_LEN];
		let n = u32_le(&scrypt_part[SALT_LEN..SALT_LEN + 4]);
		let p = u32_le(&scrypt_part[SALT_LEN + 4..SALT_LEN + 8]);
		let r = u32_le(&scrypt_part[SALT_LEN + 8..SCRYPT_LEN]);
		if !ALLOWED_SCRYPT_PARAMS.contains(&(n, p, r)) {
			return Err(KeyError::UnsupportedKdf(format!(
				"scrypt N={n} p={p} r={r} is not one of Polkadot.js's parameter sets"
			)));
		}
		// The first 32 bytes of Polkadot.js's 64-byte scrypt output: scrypt's last step is
		// PBKDF2, whose first block does not depend on the length asked for.
		let params = scrypt::Params::new(n.trailing_zeros() as u8, r, p, 32)
			.map_err(|_| KeyError::UnsupportedKdf(format!("scrypt N={n} p={p} r={r}")))?;
		let mut key = Zeroizing::new([0u8; 32]);
		scrypt::scrypt(password.as_bytes(), salt, &params, key.as_mut())
			.map_err(|_| KeyError::KeyDerivation)?;
		let plaintext = Zeroizing::new(
			XSalsa20Poly1305::new(Key::from_slice(key.as_ref()))
				.decrypt(Nonce::from_slice(nonce), ciphertext)
				.map_err(|_| KeyError::WrongPassword)?,
		);

		if plaintext.len() != PLAINTEXT_LEN {
			return Err(format_error(format!(
				"the decrypted key is {} bytes, not {PLAINTEXT_LEN}",
				plaintext.len()
			)));
		}
		let (header, rest) = plaintext.split_at(PKCS8_HEADER.len());
		let (secret_bytes, rest) = rest.split_at(SECRET_KEY_LEN);
		let (divider, public_bytes) = rest.split_at(PKCS8_DIVIDER.len());
		if header != PKCS8_HEADER || divider != PKCS8_DIVIDER {
			return Err(format_error("the decrypted key does not have the PKCS#8 framing"));
		}
		let secret = schnorrkel::SecretKey::from_ed25519_bytes(secret_bytes)
			.map_err(|_| format_error("the decrypted secret key is not an sr25519 key"))?;
		let public = secret.to_public().to_bytes();
		if public[..] != *public_bytes {
			return Err(format_error("the decrypted secret key does not match its public key"));
		}
		let (stored, format) = AccountId32::from_ss58check_with_version(&export.address)
			.map_err(|error| KeyError::InvalidAddress(format!("{:?}: {error}", export.address)))?;
		if <[u8; 32]>::from(stored) != public {
			return Err(KeyError::AddressMismatch {
				stored: export.address,
				derived: AccountId32::from(public).to_ss58check_with_version(format),
			});
		}

		let seed =
			crypto::hkdf_sha256(ENCRYPTION_KEY_SALT, secret_bytes, POLKADOT_JS_ENCRYPTION_KEY_INFO)
				.map_err(|_| KeyError::KeyDerivation)?;
		Ok(Identity {
			pair: sp_core::sr25519::Pair::from(secret),
			encryption_secret: crypto::StaticSecret::from(*seed),
		})
	}
}
