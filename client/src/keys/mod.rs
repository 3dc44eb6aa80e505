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
//! ## Keystore file
//! A JSON file holding the SURI sealed with XChaCha20-Poly1305 under scrypt(password, salt),
//! with the SS58 address as associated data; see [`Keystore`]. It can also hold a TOTP secret
//! (sealed together with the SURI): then unlocking needs the current code from the user's
//! authenticator app as well, as the seed paper's patient login does. What this factor does
//! and does not do: it stops someone who learnt the password (shoulder-surfing, a reused
//! password) from using the keystore through this client without the user's phone. It is
//! not a second encryption layer — the TOTP secret is sealed under the password with the
//! SURI, since the client must check codes offline — so someone holding both the file and
//! the password can decrypt it with other software. It is not checked on chain either,
//! where the account key alone authorises transactions.

use std::{
	fs,
	io::Write,
	path::{Path, PathBuf},
};

use blake2::{digest::consts::U32, Blake2b, Digest};
use ehr_primitives::AccountId;
use hmac::Hmac;
use schnorrkel::{derive::ChainCode, ExpansionMode, Keypair, MiniSecretKey, PublicKey, Signature};
use serde::{Deserialize, Serialize};
use sha2::Sha512;
use sp_core::crypto::Ss58Codec;
use x25519_dalek::StaticSecret;
use zeroize::Zeroizing;

use crate::{crypto, totp};

/// The Substrate development phrase; a SURI that starts with `/` is taken relative to it.
pub const DEV_PHRASE: &str =
	"bottom drive obey lake curtain smoke basket hold race lonely fit walk";
/// The SS58 address format of ehr-chain (the generic Substrate prefix).
pub const SS58_FORMAT: u8 = 42;
/// The schnorrkel signing context Substrate uses for sr25519.
pub const SIGNING_CONTEXT: &[u8] = b"substrate";
/// HKDF `info` of the x25519 encryption key.
pub const ENCRYPTION_KEY_INFO: &[u8] = b"ehr-chain/x25519-encryption-key/v1";
/// HKDF salt of the x25519 encryption key.
pub const ENCRYPTION_KEY_SALT: &[u8] = b"ehr-chain";
/// The keystore file format version this code writes and reads.
pub const KEYSTORE_VERSION: u32 = 1;
/// Default scrypt cost: N = 2^15, r = 8, p = 1 (32 MiB, a fraction of a second).
pub const DEFAULT_SCRYPT_LOG_N: u8 = 15;
/// Largest scrypt memory a keystore file may ask for, so a hostile file cannot exhaust memory.
const MAX_SCRYPT_MEMORY: u64 = 1 << 30;

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
		let encryption_seed =
			crypto::hkdf_sha256(ENCRYPTION_KEY_SALT, seed.as_ref(), ENCRYPTION_KEY_INFO)
				.map_err(|_| KeyError::KeyDerivation)?;
		Ok(Identity {
			keypair: mini_secret.expand_to_keypair(ExpansionMode::Ed25519),
			encryption_secret: StaticSecret::from(*encryption_seed),
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

/// scrypt parameters as stored in the keystore file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KdfParams {
	/// Always `"scrypt"`.
	pub name: String,
	/// log2 of the scrypt cost N.
	pub log_n: u8,
	/// scrypt block size.
	pub r: u32,
	/// scrypt parallelism.
	pub p: u32,
	/// Random salt, hex.
	pub salt: String,
}

/// The (public) parameters of a keystore's TOTP second factor; the secret itself is sealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TotpParams {
	/// Always `"SHA1"`.
	pub algorithm: String,
	/// Digits per code.
	pub digits: u32,
	/// Seconds per step.
	pub period: u64,
}

/// Options for [`Keystore::create_with`].
#[derive(Clone)]
pub struct KeystoreOptions {
	/// log2 of the scrypt cost N (tests use a small value).
	pub scrypt_log_n: u8,
	/// A TOTP secret to require at unlock, if any.
	pub totp_secret: Option<[u8; totp::SECRET_LEN]>,
}

impl Default for KeystoreOptions {
	fn default() -> Self {
		Self { scrypt_log_n: DEFAULT_SCRYPT_LOG_N, totp_secret: None }
	}
}

/// A password-protected identity, as stored in a JSON keystore file.
///
/// The sealed plaintext is `totp_len (1 byte, 0 or 20) ‖ totp secret ‖ SURI (UTF-8)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Keystore {
	version: u32,
	address: String,
	encryption_public_key: String,
	kdf: KdfParams,
	nonce: String,
	ciphertext: String,
	#[serde(default, skip_serializing_if = "Option::is_none")]
	totp: Option<TotpParams>,
}

/// What a keystore's ciphertext holds.
struct SealedSecrets {
	suri: Zeroizing<String>,
	totp_secret: Option<Zeroizing<[u8; totp::SECRET_LEN]>>,
}

fn decode_hex_array<const N: usize>(field: &str, value: &str) -> Result<[u8; N], KeyError> {
	let mut bytes = [0u8; N];
	hex::decode_to_slice(value, &mut bytes)
		.map_err(|_| KeyError::MalformedKeystore(format!("{field} must be {N} bytes of hex")))?;
	Ok(bytes)
}

fn scrypt_key(
	password: &str,
	salt: &[u8],
	kdf: &KdfParams,
) -> Result<Zeroizing<[u8; 32]>, KeyError> {
	if kdf.name != "scrypt" {
		return Err(KeyError::UnsupportedKdf(format!("{:?} (only scrypt is supported)", kdf.name)));
	}
	let memory = 128u64.saturating_mul(u64::from(kdf.r)).checked_shl(u32::from(kdf.log_n));
	if kdf.log_n >= 32 || memory.is_none_or(|bytes| bytes > MAX_SCRYPT_MEMORY) || kdf.p > 16 {
		return Err(KeyError::UnsupportedKdf(format!(
			"scrypt logN={} r={} p={} exceeds the 1 GiB / p<=16 limit",
			kdf.log_n, kdf.r, kdf.p
		)));
	}
	let params = scrypt::Params::new(kdf.log_n, kdf.r, kdf.p, 32).map_err(|_| {
		KeyError::UnsupportedKdf(format!(
			"invalid scrypt logN={} r={} p={}",
			kdf.log_n, kdf.r, kdf.p
		))
	})?;
	let mut key = Zeroizing::new([0u8; 32]);
	scrypt::scrypt(password.as_bytes(), salt, &params, key.as_mut())
		.map_err(|_| KeyError::KeyDerivation)?;
	Ok(key)
}

fn unix_now() -> u64 {
	std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map(|elapsed| elapsed.as_secs())
		.unwrap_or(0)
}

impl Keystore {
	/// Seals `suri` under `password` with the default scrypt cost and no second factor.
	pub fn create(suri: &str, password: &str) -> Result<Keystore, KeyError> {
		Self::create_with(suri, password, &KeystoreOptions::default())
	}

	/// Seals `suri` under `password` with the given options.
	pub fn create_with(
		suri: &str,
		password: &str,
		options: &KeystoreOptions,
	) -> Result<Keystore, KeyError> {
		let identity = Identity::from_suri(suri)?;
		let address = identity.ss58();
		let salt: [u8; 32] = crypto::random_array();
		let kdf = KdfParams {
			name: "scrypt".into(),
			log_n: options.scrypt_log_n,
			r: 8,
			p: 1,
			salt: hex::encode(salt),
		};
		let key = scrypt_key(password, &salt, &kdf)?;
		let mut plaintext = Zeroizing::new(Vec::with_capacity(1 + totp::SECRET_LEN + suri.len()));
		match &options.totp_secret {
			Some(secret) => {
				plaintext.push(totp::SECRET_LEN as u8);
				plaintext.extend_from_slice(secret);
			}
			None => plaintext.push(0),
		}
		plaintext.extend_from_slice(suri.as_bytes());
		let nonce: [u8; crypto::NONCE_LEN] = crypto::random_array();
		let ciphertext = crypto::aead_seal(&key, &nonce, &plaintext, address.as_bytes())
			.map_err(|_| KeyError::KeyDerivation)?;
		Ok(Keystore {
			version: KEYSTORE_VERSION,
			encryption_public_key: hex::encode(identity.encryption_public()),
			address,
			kdf,
			nonce: hex::encode(nonce),
			ciphertext: hex::encode(ciphertext),
			totp: options.totp_secret.map(|_| TotpParams {
				algorithm: "SHA1".into(),
				digits: totp::DIGITS,
				period: totp::STEP_SECONDS,
			}),
		})
	}

	/// The account's SS58 address (readable without the password).
	pub fn address(&self) -> &str {
		&self.address
	}

	/// The account's x25519 encryption public key (readable without the password).
	pub fn encryption_public_key(&self) -> Result<[u8; 32], KeyError> {
		decode_hex_array("encryptionPublicKey", &self.encryption_public_key)
	}

	/// Whether unlocking asks for a TOTP code.
	pub fn has_totp(&self) -> bool {
		self.totp.is_some()
	}

	fn open(&self, password: &str) -> Result<SealedSecrets, KeyError> {
		if self.version != KEYSTORE_VERSION {
			return Err(KeyError::UnsupportedVersion(self.version));
		}
		let salt = hex::decode(&self.kdf.salt)
			.map_err(|_| KeyError::MalformedKeystore("kdf.salt must be hex".into()))?;
		let nonce: [u8; crypto::NONCE_LEN] = decode_hex_array("nonce", &self.nonce)?;
		let ciphertext = hex::decode(&self.ciphertext)
			.map_err(|_| KeyError::MalformedKeystore("ciphertext must be hex".into()))?;
		let key = scrypt_key(password, &salt, &self.kdf)?;
		let plaintext = crypto::aead_open(&key, &nonce, &ciphertext, self.address.as_bytes())
			.ok_or(KeyError::WrongPassword)?;
		let malformed = || KeyError::MalformedKeystore("the sealed secrets are malformed".into());
		let (totp_len, rest) = plaintext.split_first().ok_or_else(malformed)?;
		let (totp_secret, suri) = match usize::from(*totp_len) {
			0 => (None, rest),
			totp::SECRET_LEN if rest.len() >= totp::SECRET_LEN => {
				let mut secret = Zeroizing::new([0u8; totp::SECRET_LEN]);
				secret.copy_from_slice(&rest[..totp::SECRET_LEN]);
				(Some(secret), &rest[totp::SECRET_LEN..])
			}
			_ => return Err(malformed()),
		};
		let suri = std::str::from_utf8(suri).map_err(|_| malformed())?;
		Ok(SealedSecrets { suri: Zeroizing::new(suri.to_owned()), totp_secret })
	}

	/// Opens the sealed secrets and checks the second factor, if the keystore has one.
	fn open_checked(
		&self,
		password: &str,
		totp_code: Option<&str>,
		unix_seconds: u64,
	) -> Result<SealedSecrets, KeyError> {
		let secrets = self.open(password)?;
		// The sealed secret, not the public `totp` field, decides: editing the file cannot
		// remove the second factor.
		if let Some(secret) = &secrets.totp_secret {
			let code = totp_code.ok_or(KeyError::TotpRequired)?;
			if !totp::verify(secret, code, unix_seconds) {
				return Err(KeyError::TotpInvalid);
			}
		}
		Ok(secrets)
	}

	/// Decrypts the identity with `password` and, if the keystore has a second factor, the
	/// current TOTP code.
	pub fn unlock(&self, password: &str, totp_code: Option<&str>) -> Result<Identity, KeyError> {
		self.unlock_at(password, totp_code, unix_now())
	}

	/// [`Keystore::unlock`] at a given time (seconds since the Unix epoch).
	pub fn unlock_at(
		&self,
		password: &str,
		totp_code: Option<&str>,
		unix_seconds: u64,
	) -> Result<Identity, KeyError> {
		let secrets = self.open_checked(password, totp_code, unix_seconds)?;
		let identity = Identity::from_suri(&secrets.suri)?;
		let derived = identity.ss58();
		if derived != self.address {
			return Err(KeyError::AddressMismatch { stored: self.address.clone(), derived });
		}
		Ok(identity)
	}

	/// A copy of this keystore with the second factor replaced (`None` removes it), resealed
	/// with a fresh salt and nonce. Needs the password and, if one is set, the current code.
	pub fn with_totp(
		&self,
		password: &str,
		totp_code: Option<&str>,
		new_secret: Option<[u8; totp::SECRET_LEN]>,
	) -> Result<Keystore, KeyError> {
		let secrets = self.open_checked(password, totp_code, unix_now())?;
		let options = KeystoreOptions { scrypt_log_n: self.kdf.log_n, totp_secret: new_secret };
		Self::create_with(&secrets.suri, password, &options)
	}

	/// Writes the keystore to `path` atomically (temporary file, then rename), readable only
	/// by the owner on Unix.
	pub fn save(&self, path: &Path) -> Result<(), KeyError> {
		let io_error = |source| KeyError::Io { path: path.to_path_buf(), source };
		let json = serde_json::to_vec_pretty(self)
			.map_err(|source| KeyError::Parse { path: path.to_path_buf(), source })?;
		let file_name = path.file_name().ok_or_else(|| {
			io_error(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file path"))
		})?;
		let mut temporary_name = std::ffi::OsString::from(".");
		temporary_name.push(file_name);
		temporary_name.push(format!(".tmp-{}", std::process::id()));
		let temporary = path.with_file_name(temporary_name);
		// A leftover from an interrupted save would keep its old permissions; start afresh.
		let _ = fs::remove_file(&temporary);
		let write = || -> std::io::Result<()> {
			let mut options = fs::OpenOptions::new();
			options.write(true).create_new(true);
			#[cfg(unix)]
			std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
			let mut file = options.open(&temporary)?;
			file.write_all(&json)?;
			file.write_all(b"\n")?;
			file.sync_all()?;
			fs::rename(&temporary, path)
		};
		write().map_err(|source| {
			let _ = fs::remove_file(&temporary);
			io_error(source)
		})
	}

	/// Reads a keystore file.
	pub fn load(path: &Path) -> Result<Keystore, KeyError> {
		let bytes =
			fs::read(path).map_err(|source| KeyError::Io { path: path.to_path_buf(), source })?;
		serde_json::from_slice(&bytes)
			.map_err(|source| KeyError::Parse { path: path.to_path_buf(), source })
	}
}

#[cfg(test)]
mod tests;
