// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The password-protected keystore file.
//!
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

use std::{fs, io::Write, path::Path};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{Identity, KeyError};
use crate::{crypto, totp};

/// The keystore file format version this code writes and reads.
pub const KEYSTORE_VERSION: u32 = 1;
/// Default scrypt cost: N = 2^15, r = 8, p = 1 (32 MiB, a fraction of a second).
pub const DEFAULT_SCRYPT_LOG_N: u8 = 15;
/// Largest scrypt memory a keystore file may ask for, so a hostile file cannot exhaust memory.
const MAX_SCRYPT_MEMORY: u64 = 1 << 30;

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
	// `pub(super)`: the keys module's tests inspect a written file.
	pub(super) version: u32,
	pub(super) address: String,
	encryption_public_key: String,
	pub(super) kdf: KdfParams,
	nonce: String,
	ciphertext: String,
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub(super) totp: Option<TotpParams>,
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

/// Now, in whole seconds since the Unix epoch (TOTP counts in seconds).
pub(super) fn unix_now() -> u64 {
	ehr_primitives::unix_millis_now() / 1000
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
