// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Identities (account and encryption keys) and the password-protected keystore file.
//!
//! An [`Identity`] is derived from a Substrate secret URI by sp-core, the code `subkey` and the
//! node use, so the account a user sees in Polkadot.js apps is the one this client signs with:
//! sp-core parses the SURI ([`AddressUri`]), turns the BIP-39 phrase into the schnorrkel mini
//! secret ([`sr25519::Pair::from_phrase`]: PBKDF2-HMAC-SHA512 of the phrase's entropy with salt
//! `"mnemonic" ‖ password`), applies each hard junction `//name` ([`DeriveJunction`]) and
//! signs with the context `b"substrate"` that the runtime's `MultiSignature::Sr25519` checks. A
//! `0x…` SURI gives the 32-byte mini secret directly.
//!
//! Soft junctions (`/name`) are refused: a soft-derived key has no mini secret, and the
//! encryption key is derived from the mini secret.
//!
//! The x25519 **encryption key** is HKDF-SHA256 of the (derived) mini secret with salt
//! `b"ehr-chain"` and info [`ENCRYPTION_KEY_INFO`]: the same SURI always gives the same
//! encryption key, and knowing it reveals nothing about the signing key.
//!
//! An account exported from Polkadot.js apps (a JSON file) can be imported with
//! [`Identity::from_polkadot_js_json`]; such an export holds the expanded secret key, not the
//! mini secret, so its encryption key is derived differently (see [`polkadot_js`]).
//!
//! The password-protected keystore file that holds a SURI is in [`keystore`].

mod keystore;
pub mod polkadot_js;

pub use keystore::*;
use std::path::PathBuf;

use ehr_primitives::AccountId;
use sp_core::{
	crypto::{AddressUri, AddressUriError, DeriveJunction, Pair as _, Ss58Codec},
	sr25519,
};
use x25519_dalek::StaticSecret;
use zeroize::Zeroizing;

use crate::crypto;

/// The Substrate development phrase; a SURI that starts with `/` is taken relative to it.
pub const DEV_PHRASE: &str = sp_core::crypto::DEV_PHRASE;
/// The SS58 address format of ehr-chain (the generic Substrate prefix).
pub const SS58_FORMAT: u8 = 42;
/// The schnorrkel signing context Substrate uses for sr25519.
pub const SIGNING_CONTEXT: &[u8] = b"substrate";
pub use crate::crypto::{ENCRYPTION_KEY_INFO, ENCRYPTION_KEY_SALT};

/// What can go wrong deriving keys or using a keystore.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
	/// The secret URI does not have the `<phrase|0xseed>//hard//path///password` shape.
	#[error("malformed secret URI: {0}")]
	InvalidSuri(String),
	/// The SURI has a soft junction, which this client cannot use.
	#[error("soft derivation (\"/{0}\") is not supported; use hard junctions (\"//{0}\")")]
	SoftDerivationUnsupported(String),
	/// The phrase is not a valid English BIP-39 mnemonic.
	#[error("invalid BIP-39 phrase: {0}")]
	InvalidMnemonic(String),
	/// A `0x…` seed is not 64 hex digits.
	#[error("a hex seed must be 0x followed by 64 hex digits")]
	InvalidHexSeed,
	/// A key derivation function refused its parameters.
	#[error("key derivation failed")]
	KeyDerivation,
	/// The file is not a Polkadot.js account export this client reads.
	#[error("not a Polkadot.js sr25519 account export this client reads: {0}")]
	PolkadotJsFormat(String),
	/// The string is not an SS58 address of this chain.
	#[error("invalid SS58 address: {0}")]
	InvalidAddress(String),
	/// The password does not open the keystore.
	#[error("wrong password")]
	WrongPassword,
	/// The keystore has a second factor and no TOTP code was given.
	#[error("this keystore needs a TOTP code from your authenticator app")]
	TotpRequired,
	/// The TOTP code is wrong or too old.
	#[error("the TOTP code is wrong or expired")]
	TotpInvalid,
	/// The keystore file was written by a newer format version.
	#[error("unsupported keystore version {0} (this client reads version {KEYSTORE_VERSION})")]
	UnsupportedVersion(u32),
	/// The keystore asks for a KDF or cost this client does not accept.
	#[error("unsupported keystore KDF: {0}")]
	UnsupportedKdf(String),
	/// A keystore field has the wrong encoding or length.
	#[error("malformed keystore: {0}")]
	MalformedKeystore(String),
	/// The sealed secret does not derive the address the keystore (or export) names.
	#[error("the keystore's secret derives {derived}, not the address {stored} it names")]
	AddressMismatch {
		/// The address stored in the file.
		stored: String,
		/// The address the sealed SURI derives.
		derived: String,
	},
	/// Reading or writing the keystore file failed.
	#[error("{}: {source}", path.display())]
	Io {
		/// The file.
		path: PathBuf,
		/// The underlying error.
		source: std::io::Error,
	},
	/// The keystore file is not valid keystore JSON.
	#[error("{}: not a keystore file: {source}", path.display())]
	Parse {
		/// The file.
		path: PathBuf,
		/// The underlying error.
		source: serde_json::Error,
	},
}

/// An account's signing key and encryption key.
#[derive(Clone)]
pub struct Identity {
	pair: sr25519::Pair,
	encryption_secret: StaticSecret,
}

impl core::fmt::Debug for Identity {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.debug_struct("Identity").field("address", &self.ss58()).finish_non_exhaustive()
	}
}

/// Why a SURI does not parse, without echoing it: sp-core's message quotes the whole SURI,
/// which would put secret material in logs.
fn suri_error(error: AddressUriError) -> KeyError {
	KeyError::InvalidSuri(
		match error {
			AddressUriError::InvalidCharacterInPhrase(_) => {
				"unexpected character (phrases are words of letters and digits)"
			}
			AddressUriError::InvalidCharacterInPass(_) => "the password has a line break",
			AddressUriError::MissingCharacterInHardPath(_) => "empty hard junction",
			AddressUriError::MissingCharacterInSoftPath(_) => "empty soft junction",
		}
		.into(),
	)
}

/// A fresh 12-word English BIP-39 phrase for a new account.
pub fn generate_phrase() -> Result<String, KeyError> {
	Ok(sr25519::Pair::generate_with_phrase(None).1)
}

impl Identity {
	/// Derives the identity of a secret URI: `<phrase>`, `<phrase>//hard//path`, `//Alice`
	/// (relative to [`DEV_PHRASE`]) or `0x<64 hex digits>`, each optionally followed by
	/// `///password` (the BIP-39 passphrase; ignored for hex seeds, as in Substrate).
	///
	/// This is sp-core's `Pair::from_string_with_seed` for sr25519, taken step by step so that
	/// a soft junction is refused by name before anything is derived.
	pub fn from_suri(suri: &str) -> Result<Identity, KeyError> {
		let uri = AddressUri::parse(suri).map_err(suri_error)?;
		// sp-core keeps the leading `/` of a hard junction: a path without one is soft.
		if let Some(soft) = uri.paths.iter().find(|path| !path.starts_with('/')) {
			return Err(KeyError::SoftDerivationUnsupported((*soft).into()));
		}
		let phrase = uri.phrase.map(str::trim).filter(|phrase| !phrase.is_empty());
		let phrase = phrase.unwrap_or(DEV_PHRASE);
		let (root, seed) = match phrase.strip_prefix("0x") {
			Some(hex_seed) => {
				let mut seed = Zeroizing::new([0u8; 32]);
				hex::decode_to_slice(hex_seed, seed.as_mut())
					.map_err(|_| KeyError::InvalidHexSeed)?;
				(sr25519::Pair::from_seed(&seed), *seed)
			}
			None => sr25519::Pair::from_phrase(phrase, uri.pass).map_err(|_| {
				KeyError::InvalidMnemonic(
					"not an English BIP-39 phrase (a word, the word count or the checksum is wrong)"
						.into(),
				)
			})?,
		};
		let seed = Zeroizing::new(seed);
		let junctions = uri.paths.iter().map(DeriveJunction::from);
		// With hard junctions only, sp-core returns the derived pair's mini secret.
		let (pair, derived_seed) =
			root.derive(junctions, Some(*seed)).map_err(|_| KeyError::KeyDerivation)?;
		let derived_seed = Zeroizing::new(derived_seed.ok_or(KeyError::KeyDerivation)?);
		let encryption_secret =
			crypto::encryption_secret(&derived_seed).map_err(|_| KeyError::KeyDerivation)?;
		Ok(Identity { pair, encryption_secret })
	}

	/// The sr25519 public key: the account id.
	pub fn account_public(&self) -> [u8; 32] {
		self.pair.public().0
	}

	/// The account id, as the chain types it.
	pub fn account_id(&self) -> AccountId {
		AccountId::from(self.account_public())
	}

	/// The account's SS58 address (format 42).
	pub fn ss58(&self) -> String {
		ss58_encode(&self.account_public())
	}

	/// An sr25519 signature of `message`, as sp-core's `sr25519::Pair::sign` makes it.
	pub fn sign(&self, message: &[u8]) -> [u8; 64] {
		self.pair.sign(message).0
	}

	/// The x25519 secret that unwraps record keys sent to this account.
	pub fn encryption_secret(&self) -> &StaticSecret {
		&self.encryption_secret
	}

	/// The x25519 public key to register on chain.
	pub fn encryption_public(&self) -> [u8; 32] {
		x25519_dalek::PublicKey::from(&self.encryption_secret).to_bytes()
	}
}

/// Whether `signature` is an sr25519 signature of `message` by `account` (signing context
/// `b"substrate"`).
pub fn verify_signature(account: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
	sr25519::Pair::verify(
		&sr25519::Signature::from_raw(*signature),
		message,
		&sr25519::Public::from_raw(*account),
	)
}

/// The SS58 address (format 42) of an account id.
pub fn ss58_encode(account: &[u8; 32]) -> String {
	AccountId::from(*account).to_ss58check()
}

/// The account id of an SS58 address.
pub fn ss58_decode(address: &str) -> Result<[u8; 32], KeyError> {
	AccountId::from_ss58check(address)
		.map(Into::into)
		.map_err(|e| KeyError::InvalidAddress(format!("{address:?}: {e}")))
}

/// Milliseconds since the Unix epoch, as the chain counts time.
pub fn now_ms() -> u64 {
	ehr_primitives::unix_millis_now()
}

#[cfg(test)]
mod tests;
