//! Identities (account and encryption keys) and the password-protected keystore file.
//!
//! An [`Identity`] is derived from a Substrate secret URI exactly as `subkey` and Polkadot.js
//! derive an sr25519 key, so the account a user sees in Polkadot.js apps is the one this client
//! signs with:
//!
//! 1. The phrase's BIP-39 *entropy* (not the BIP-39 seed) goes through PBKDF2-HMAC-SHA512 with
//!    salt `"mnemonic" ‖ password` and 2048 rounds; the first 32 bytes are the schnorrkel
//!    mini secret key. A `0x…` SURI gives the 32-byte mini secret directly.
//! 2. Each hard junction `//name` replaces the mini secret with schnorrkel's hard derivation
//!    under the junction's chain code: the SCALE encoding of the junction (a `u64` when it is a
//!    number, else a length-prefixed string), zero-padded to 32 bytes or, when longer,
//!    hashed with blake2b-256.
//! 3. The mini secret is expanded Ed25519-style into the sr25519 key pair; signatures use the
//!    signing context `b"substrate"` so the runtime's `MultiSignature::Sr25519` verifies them.
//!
//! Soft junctions (`/name`) are refused: they cannot be applied to a mini secret, and the
//! encryption key is derived from the mini secret.
//!
//! The x25519 **encryption key** is HKDF-SHA256 of the (derived) mini secret with salt
//! `b"ehr-chain"` and info [`ENCRYPTION_KEY_INFO`]: the same SURI always gives the same
//! encryption key, and knowing it reveals nothing about the signing key.
//!
//! The password-protected keystore file that holds a SURI is in [`keystore`].

mod keystore;

pub use keystore::*;
use std::path::PathBuf;

use blake2::{digest::consts::U32, Blake2b, Digest};
use ehr_primitives::AccountId;
use hmac::Hmac;
use schnorrkel::{derive::ChainCode, ExpansionMode, Keypair, MiniSecretKey, PublicKey, Signature};
use sha2::Sha512;
use sp_core::crypto::Ss58Codec;
use x25519_dalek::StaticSecret;
use zeroize::Zeroizing;

use crate::crypto;

/// The Substrate development phrase; a SURI that starts with `/` is taken relative to it.
pub const DEV_PHRASE: &str =
	"bottom drive obey lake curtain smoke basket hold race lonely fit walk";
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
	/// The sealed secret does not derive the address the keystore names.
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
	keypair: Keypair,
	encryption_secret: StaticSecret,
}

impl core::fmt::Debug for Identity {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.debug_struct("Identity").field("address", &self.ss58()).finish_non_exhaustive()
	}
}

/// A parsed secret URI.
struct SecretUri<'a> {
	phrase: &'a str,
	junctions: Vec<&'a str>,
	password: Option<&'a str>,
}

/// Splits a SURI into phrase, hard junctions and password, following sp-core's grammar.
fn parse_suri(suri: &str) -> Result<SecretUri<'_>, KeyError> {
	let phrase_end =
		suri.find(|c: char| !(c.is_ascii_alphanumeric() || c == ' ')).unwrap_or(suri.len());
	let phrase = suri[..phrase_end].trim();
	let mut rest = &suri[phrase_end..];
	let mut junctions = Vec::new();
	let mut password = None;
	while !rest.is_empty() {
		if let Some(after) = rest.strip_prefix("///") {
			password = Some(after);
			rest = "";
		} else if let Some(after) = rest.strip_prefix("//") {
			let end = after.find('/').unwrap_or(after.len());
			if end == 0 {
				return Err(KeyError::InvalidSuri("empty hard junction".into()));
			}
			junctions.push(&after[..end]);
			rest = &after[end..];
		} else if let Some(after) = rest.strip_prefix('/') {
			let end = after.find('/').unwrap_or(after.len());
			return Err(KeyError::SoftDerivationUnsupported(after[..end].into()));
		} else {
			// Name the position only: echoing characters would put secret material in logs.
			let position = suri.len() - rest.len();
			return Err(KeyError::InvalidSuri(format!(
				"unexpected character at byte {position} (phrases are words of letters and digits)"
			)));
		}
	}
	Ok(SecretUri {
		phrase: if phrase.is_empty() { DEV_PHRASE } else { phrase },
		junctions,
		password,
	})
}

/// SCALE compact encoding of a length.
fn scale_compact(value: u64, out: &mut Vec<u8>) {
	match value {
		0..=0x3f => out.push((value as u8) << 2),
		0x40..=0x3fff => out.extend_from_slice(&(((value as u16) << 2) | 1).to_le_bytes()),
		0x4000..=0x3fff_ffff => out.extend_from_slice(&(((value as u32) << 2) | 2).to_le_bytes()),
		_ => {
			let bytes = value.to_le_bytes();
			let length = 8 - (value.leading_zeros() / 8) as usize;
			out.push((((length - 4) as u8) << 2) | 3);
			out.extend_from_slice(&bytes[..length]);
		}
	}
}

/// The chain code of a junction, as sp-core's `DeriveJunction::soft(…)` computes it.
fn junction_chain_code(junction: &str) -> [u8; 32] {
	let mut encoded = Vec::with_capacity(junction.len() + 5);
	// Numeric junctions are the SCALE encoding of a u64, others of a string.
	if let Ok(number) = junction.parse::<u64>() {
		encoded.extend_from_slice(&number.to_le_bytes());
	} else {
		scale_compact(junction.len() as u64, &mut encoded);
		encoded.extend_from_slice(junction.as_bytes());
	}
	let mut chain_code = [0u8; 32];
	if encoded.len() > 32 {
		chain_code.copy_from_slice(&Blake2b::<U32>::digest(&encoded));
	} else {
		chain_code[..encoded.len()].copy_from_slice(&encoded);
	}
	chain_code
}

/// The schnorrkel mini secret of a BIP-39 phrase, Substrate style (see the module docs).
fn mini_secret_from_phrase(phrase: &str, password: &str) -> Result<MiniSecretKey, KeyError> {
	let mnemonic = bip39::Mnemonic::parse_in(bip39::Language::English, phrase)
		.map_err(|error| KeyError::InvalidMnemonic(error.to_string()))?;
	let (entropy, entropy_len) = mnemonic.to_entropy_array();
	let entropy = Zeroizing::new(entropy);
	let salt = Zeroizing::new(format!("mnemonic{password}"));
	let mut seed = Zeroizing::new([0u8; 64]);
	pbkdf2::pbkdf2::<Hmac<Sha512>>(&entropy[..entropy_len], salt.as_bytes(), 2048, seed.as_mut())
		.map_err(|_| KeyError::KeyDerivation)?;
	MiniSecretKey::from_bytes(&seed[..32]).map_err(|_| KeyError::KeyDerivation)
}

/// A fresh 12-word English BIP-39 phrase for a new account.
pub fn generate_phrase() -> Result<String, KeyError> {
	let entropy = Zeroizing::new(crypto::random_array::<16>());
	bip39::Mnemonic::from_entropy(entropy.as_ref())
		.map(|mnemonic| mnemonic.to_string())
		.map_err(|error| KeyError::InvalidMnemonic(error.to_string()))
}

impl Identity {
	/// Derives the identity of a secret URI: `<phrase>`, `<phrase>//hard//path`, `//Alice`
	/// (relative to [`DEV_PHRASE`]) or `0x<64 hex digits>`, each optionally followed by
	/// `///password` (the BIP-39 passphrase; ignored for hex seeds, as in Substrate).
	pub fn from_suri(suri: &str) -> Result<Identity, KeyError> {
		let parsed = parse_suri(suri)?;
		let mut mini_secret = match parsed.phrase.strip_prefix("0x") {
			Some(hex_seed) => {
				let mut seed = Zeroizing::new([0u8; 32]);
				hex::decode_to_slice(hex_seed, seed.as_mut())
					.map_err(|_| KeyError::InvalidHexSeed)?;
				MiniSecretKey::from_bytes(seed.as_ref()).map_err(|_| KeyError::InvalidHexSeed)?
			}
			None => mini_secret_from_phrase(parsed.phrase, parsed.password.unwrap_or(""))?,
		};
		for junction in parsed.junctions {
			let chain_code = ChainCode(junction_chain_code(junction));
			mini_secret = mini_secret
				.hard_derive_mini_secret_key(Some(chain_code), b"", ExpansionMode::Ed25519)
				.0;
		}
		Self::from_mini_secret(&mini_secret)
	}

	fn from_mini_secret(mini_secret: &MiniSecretKey) -> Result<Identity, KeyError> {
		let seed = Zeroizing::new(mini_secret.to_bytes());
		let encryption_secret =
			crypto::encryption_secret(&seed).map_err(|_| KeyError::KeyDerivation)?;
		Ok(Identity {
			keypair: mini_secret.expand_to_keypair(ExpansionMode::Ed25519),
			encryption_secret,
		})
	}

	/// The sr25519 public key: the account id.
	pub fn account_public(&self) -> [u8; 32] {
		self.keypair.public.to_bytes()
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
		let context = schnorrkel::signing_context(SIGNING_CONTEXT);
		self.keypair.sign(context.bytes(message)).to_bytes()
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
	let (Ok(public), Ok(signature)) =
		(PublicKey::from_bytes(account), Signature::from_bytes(signature))
	else {
		return false;
	};
	public.verify_simple(SIGNING_CONTEXT, message, &signature).is_ok()
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
	std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map(|elapsed| elapsed.as_millis() as u64)
		.unwrap_or(0)
}

#[cfg(test)]
mod tests;
