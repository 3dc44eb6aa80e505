// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! # ehr-crypto
//!
//! The record cryptography of ehr-chain, one implementation shared by the `ehr` client
//! (which seals records and wraps keys) and the hospital nodes (which hold custody keys
//! and re-wrap record keys for authorized readers, see `docs/keys.md`).
//!
//! A record never leaves the client in plaintext. Every version is sealed under a fresh random
//! [`RecordKey`] with XChaCha20-Poly1305 (24-byte random nonces, so there is no nonce
//! bookkeeping), and that key is then wrapped to each reader's x25519 encryption key. The blob
//! is addressed by its CIDv1, which is what the chain anchors.
//!
//! ## Blob format
//! ```text
//! offset  length  field
//!      0       4  magic b"EHR1"
//!      4      16  record uuid (random, chosen when the record is first written; shared by all
//!                 versions)
//!     20       4  version, u32 little-endian
//!     24      24  XChaCha20 nonce
//!     48     n+16 ciphertext of the n-byte plaintext followed by the Poly1305 tag
//! ```
//! The associated data is the 24-byte header (magic ‖ uuid ‖ version), so a ciphertext cannot be
//! passed off as another record or another version of the same record.
//!
//! ## Wrapped-key format (104 bytes; the chain accepts up to 128)
//! ```text
//! offset  length  field
//!      0      32  ephemeral x25519 public key
//!     32      24  XChaCha20 nonce
//!     56      48  the 32-byte record key sealed with XChaCha20-Poly1305 (+16-byte tag)
//! ```
//! The wrapping key is HKDF-SHA256 of the x25519 shared secret between the ephemeral key and
//! the recipient, with salt = ephemeral public ‖ recipient public and info
//! [`WRAP_INFO`]; the AEAD's associated data is also ephemeral public ‖ recipient public, which
//! binds the wrapped key to the recipient it was made for.
//!
//! Escrow shares ([`escrow`]) and other short secrets are wrapped the same way
//! ([`wrap_bytes`]); a wrapped escrow share is 105 bytes.
//!
//! ## Encryption keys
//! An account's x25519 encryption key is HKDF-SHA256 of its (derived) 32-byte mini secret
//! with salt [`ENCRYPTION_KEY_SALT`] and info [`ENCRYPTION_KEY_INFO`]
//! ([`encryption_secret`]): the same secret URI always gives the same encryption key.

use chacha20poly1305::{
	aead::{Aead, KeyInit, Payload},
	Key, XChaCha20Poly1305, XNonce,
};
use hkdf::Hkdf;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use x25519_dalek::EphemeralSecret;
use zeroize::{Zeroize, Zeroizing};

pub use x25519_dalek::{PublicKey, StaticSecret};

/// Length of a record key in bytes.
pub const RECORD_KEY_LEN: usize = 32;
/// The first four bytes of every blob.
pub const BLOB_MAGIC: [u8; 4] = *b"EHR1";
/// Length of the record uuid in a blob header.
pub const RECORD_UUID_LEN: usize = 16;
/// Length of an XChaCha20 nonce.
pub const NONCE_LEN: usize = 24;
/// Length of a Poly1305 tag.
pub const TAG_LEN: usize = 16;
/// Length of the authenticated blob header: magic ‖ uuid ‖ version.
pub const BLOB_HEADER_LEN: usize = BLOB_MAGIC.len() + RECORD_UUID_LEN + 4;
/// Length of the smallest possible blob (empty plaintext).
pub const MIN_BLOB_LEN: usize = BLOB_HEADER_LEN + NONCE_LEN + TAG_LEN;
/// Length of a wrapped record key.
pub const WRAPPED_KEY_LEN: usize = 32 + NONCE_LEN + RECORD_KEY_LEN + TAG_LEN;
/// HKDF `info` of the key-wrapping key; the version suffix lets the scheme change later.
pub const WRAP_INFO: &[u8] = b"ehr-chain/record-key-wrap/v1";
/// HKDF `info` of the x25519 encryption key.
pub const ENCRYPTION_KEY_INFO: &[u8] = b"ehr-chain/x25519-encryption-key/v1";
/// HKDF salt of the x25519 encryption key.
pub const ENCRYPTION_KEY_SALT: &[u8] = b"ehr-chain";

pub mod escrow;

/// What can go wrong opening blobs, unwrapping keys or parsing content ids.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
	/// The bytes are too short or lack the `EHR1` magic, so they are not a record blob.
	#[error("not a record blob (too short or bad magic)")]
	NotABlob,
	/// Authenticated decryption failed.
	#[error("the blob was altered or the key is wrong")]
	Tampered,
	/// The wrapped key does not have the 104-byte layout (or is too short for any payload).
	#[error("malformed wrapped key: expected {WRAPPED_KEY_LEN} bytes, got {0}")]
	MalformedWrappedKey(usize),
	/// The escrow shares do not rebuild a key (too few, of different lengths, malformed).
	#[error("the escrow shares do not rebuild a record key: {0}")]
	Escrow(&'static str),
	/// The wrapped key was made for another encryption key (or was altered).
	#[error("the wrapped key is not for this encryption key (or was altered)")]
	NotForThisKey,
	/// The x25519 exchange gave the all-zero secret: the public key is a low-order point.
	#[error("the x25519 public key is a low-order point (non-contributory key exchange)")]
	NonContributory,
	/// XChaCha20-Poly1305 refuses plaintexts of 256 GiB and more.
	#[error("the plaintext is too large to encrypt")]
	PlaintextTooLarge,
	/// HKDF refused the output length (cannot happen with the fixed 32-byte outputs used here).
	#[error("key derivation failed")]
	KeyDerivation,
}

/// A random XChaCha20-Poly1305 key for one version of one record.
///
/// The bytes are wiped when the key is dropped and are never printed.
#[derive(Clone)]
pub struct RecordKey([u8; RECORD_KEY_LEN]);

impl RecordKey {
	/// A fresh key from the operating system's random number generator.
	pub fn generate() -> Self {
		Self(random_array())
	}

	/// A key from its raw bytes (e.g. after unwrapping).
	pub fn from_bytes(bytes: [u8; RECORD_KEY_LEN]) -> Self {
		Self(bytes)
	}

	/// The raw key bytes.
	pub fn as_bytes(&self) -> &[u8; RECORD_KEY_LEN] {
		&self.0
	}
}

impl Drop for RecordKey {
	fn drop(&mut self) {
		self.0.zeroize();
	}
}

impl core::fmt::Debug for RecordKey {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str("RecordKey(..)")
	}
}

/// A decrypted blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedRecord {
	/// The record uuid from the blob header.
	pub record_uuid: [u8; RECORD_UUID_LEN],
	/// The record version from the blob header.
	pub version: u32,
	/// The decrypted record.
	pub plaintext: Vec<u8>,
}

/// `N` bytes from the operating system's random number generator.
pub fn random_array<const N: usize>() -> [u8; N] {
	let mut bytes = [0u8; N];
	OsRng.fill_bytes(&mut bytes);
	bytes
}

/// A random (version 4, RFC 9562 variant) uuid for a new record.
pub fn new_record_uuid() -> [u8; RECORD_UUID_LEN] {
	let mut uuid: [u8; RECORD_UUID_LEN] = random_array();
	uuid[6] = (uuid[6] & 0x0f) | 0x40;
	uuid[8] = (uuid[8] & 0x3f) | 0x80;
	uuid
}

/// XChaCha20-Poly1305 seal of `plaintext` with associated data `aad`: ciphertext ‖ tag.
pub fn aead_seal(
	key: &[u8; 32],
	nonce: &[u8; NONCE_LEN],
	plaintext: &[u8],
	aad: &[u8],
) -> Result<Vec<u8>, CryptoError> {
	XChaCha20Poly1305::new(Key::from_slice(key))
		.encrypt(XNonce::from_slice(nonce), Payload { msg: plaintext, aad })
		.map_err(|_| CryptoError::PlaintextTooLarge)
}

/// XChaCha20-Poly1305 open; `None` when the tag does not verify.
pub fn aead_open(
	key: &[u8; 32],
	nonce: &[u8; NONCE_LEN],
	sealed: &[u8],
	aad: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
	XChaCha20Poly1305::new(Key::from_slice(key))
		.decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad })
		.ok()
		.map(Zeroizing::new)
}

/// HKDF-SHA256 with a 32-byte output.
pub fn hkdf_sha256(
	salt: &[u8],
	ikm: &[u8],
	info: &[u8],
) -> Result<Zeroizing<[u8; 32]>, CryptoError> {
	let mut okm = Zeroizing::new([0u8; 32]);
	Hkdf::<Sha256>::new(Some(salt), ikm)
		.expand(info, okm.as_mut())
		.map_err(|_| CryptoError::KeyDerivation)?;
	Ok(okm)
}

fn blob_header_bytes(record_uuid: &[u8; RECORD_UUID_LEN], version: u32) -> [u8; BLOB_HEADER_LEN] {
	let mut header = [0u8; BLOB_HEADER_LEN];
	header[..4].copy_from_slice(&BLOB_MAGIC);
	header[4..20].copy_from_slice(record_uuid);
	header[20..24].copy_from_slice(&version.to_le_bytes());
	header
}

/// Encrypts one version of a record under `key` with a fresh random nonce.
pub fn seal_record(
	key: &RecordKey,
	record_uuid: [u8; RECORD_UUID_LEN],
	version: u32,
	plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
	let header = blob_header_bytes(&record_uuid, version);
	let nonce: [u8; NONCE_LEN] = random_array();
	let sealed = aead_seal(key.as_bytes(), &nonce, plaintext, &header)?;
	let mut blob = Vec::with_capacity(BLOB_HEADER_LEN + NONCE_LEN + sealed.len());
	blob.extend_from_slice(&header);
	blob.extend_from_slice(&nonce);
	blob.extend_from_slice(&sealed);
	Ok(blob)
}

/// Reads the record uuid and version from a blob header without decrypting.
///
/// The header is only authenticated by [`open_record`]; use this to route a blob, not to trust
/// it.
pub fn blob_header(blob: &[u8]) -> Result<([u8; RECORD_UUID_LEN], u32), CryptoError> {
	if blob.len() < MIN_BLOB_LEN || blob[..4] != BLOB_MAGIC {
		return Err(CryptoError::NotABlob);
	}
	let mut uuid = [0u8; RECORD_UUID_LEN];
	uuid.copy_from_slice(&blob[4..20]);
	let mut version = [0u8; 4];
	version.copy_from_slice(&blob[20..24]);
	Ok((uuid, u32::from_le_bytes(version)))
}

/// Decrypts and authenticates a blob made by [`seal_record`].
pub fn open_record(key: &RecordKey, blob: &[u8]) -> Result<OpenedRecord, CryptoError> {
	let (record_uuid, version) = blob_header(blob)?;
	let mut nonce = [0u8; NONCE_LEN];
	nonce.copy_from_slice(&blob[BLOB_HEADER_LEN..BLOB_HEADER_LEN + NONCE_LEN]);
	let plaintext = aead_open(
		key.as_bytes(),
		&nonce,
		&blob[BLOB_HEADER_LEN + NONCE_LEN..],
		&blob[..BLOB_HEADER_LEN],
	)
	.ok_or(CryptoError::Tampered)?;
	Ok(OpenedRecord { record_uuid, version, plaintext: plaintext.to_vec() })
}

/// The key-wrapping key for one (ephemeral, recipient) pair, and the associated data.
fn wrapping_key(
	shared_secret: &[u8; 32],
	ephemeral_public: &[u8; 32],
	recipient_public: &[u8; 32],
) -> Result<(Zeroizing<[u8; 32]>, [u8; 64]), CryptoError> {
	// An all-zero secret means the peer key was a low-order point: anyone could compute it.
	if shared_secret.iter().all(|byte| *byte == 0) {
		return Err(CryptoError::NonContributory);
	}
	let mut context = [0u8; 64];
	context[..32].copy_from_slice(ephemeral_public);
	context[32..].copy_from_slice(recipient_public);
	let key = hkdf_sha256(&context, shared_secret, WRAP_INFO)?;
	Ok((key, context))
}

/// Wraps a short secret (a record key, an escrow share) to an x25519 public key:
/// ephemeral public key ‖ nonce ‖ sealed secret and tag.
pub fn wrap_bytes(secret: &[u8], recipient: &PublicKey) -> Result<Vec<u8>, CryptoError> {
	let ephemeral = EphemeralSecret::random_from_rng(OsRng);
	let ephemeral_public = PublicKey::from(&ephemeral);
	let shared = ephemeral.diffie_hellman(recipient);
	let (wrapping, context) =
		wrapping_key(shared.as_bytes(), ephemeral_public.as_bytes(), recipient.as_bytes())?;
	let nonce: [u8; NONCE_LEN] = random_array();
	let sealed = aead_seal(&wrapping, &nonce, secret, &context)?;
	let mut wrapped = Vec::with_capacity(32 + NONCE_LEN + sealed.len());
	wrapped.extend_from_slice(ephemeral_public.as_bytes());
	wrapped.extend_from_slice(&nonce);
	wrapped.extend_from_slice(&sealed);
	Ok(wrapped)
}

/// Recovers a secret wrapped by [`wrap_bytes`] to the public half of `my_secret`.
pub fn unwrap_bytes(
	wrapped: &[u8],
	my_secret: &StaticSecret,
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
	if wrapped.len() < 32 + NONCE_LEN + TAG_LEN {
		return Err(CryptoError::MalformedWrappedKey(wrapped.len()));
	}
	let mut ephemeral_public = [0u8; 32];
	ephemeral_public.copy_from_slice(&wrapped[..32]);
	let mut nonce = [0u8; NONCE_LEN];
	nonce.copy_from_slice(&wrapped[32..32 + NONCE_LEN]);
	let my_public = PublicKey::from(my_secret);
	let shared = my_secret.diffie_hellman(&PublicKey::from(ephemeral_public));
	let (wrapping, context) =
		wrapping_key(shared.as_bytes(), &ephemeral_public, my_public.as_bytes())?;
	aead_open(&wrapping, &nonce, &wrapped[32 + NONCE_LEN..], &context)
		.ok_or(CryptoError::NotForThisKey)
}

/// Wraps a record key to a reader's x25519 encryption key (the 104-byte format above).
pub fn wrap_key(key: &RecordKey, recipient: &PublicKey) -> Result<Vec<u8>, CryptoError> {
	wrap_bytes(key.as_bytes(), recipient)
}

/// Recovers a record key wrapped to the public half of `my_secret`.
pub fn unwrap_key(wrapped: &[u8], my_secret: &StaticSecret) -> Result<RecordKey, CryptoError> {
	if wrapped.len() != WRAPPED_KEY_LEN {
		return Err(CryptoError::MalformedWrappedKey(wrapped.len()));
	}
	let opened = unwrap_bytes(wrapped, my_secret)?;
	let bytes: [u8; RECORD_KEY_LEN] =
		opened.as_slice().try_into().map_err(|_| CryptoError::NotForThisKey)?;
	Ok(RecordKey::from_bytes(bytes))
}

/// The x25519 encryption secret of the account whose (derived) sr25519 mini secret is
/// `mini_secret`, as the `ehr` client derives it.
pub fn encryption_secret(mini_secret: &[u8; 32]) -> Result<StaticSecret, CryptoError> {
	let seed = hkdf_sha256(ENCRYPTION_KEY_SALT, mini_secret, ENCRYPTION_KEY_INFO)?;
	Ok(StaticSecret::from(*seed))
}

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
	Sha256::digest(bytes).into()
}

#[cfg(test)]
mod tests {
	use super::*;

	fn keypair() -> (StaticSecret, PublicKey) {
		let secret = StaticSecret::random_from_rng(OsRng);
		let public = PublicKey::from(&secret);
		(secret, public)
	}

	#[test]
	fn record_round_trip() {
		let key = RecordKey::generate();
		let uuid = new_record_uuid();
		let blob = seal_record(&key, uuid, 7, b"{\"resourceType\":\"Bundle\"}").unwrap();
		assert_eq!(blob.len(), MIN_BLOB_LEN + 25);
		assert_eq!(blob_header(&blob).unwrap(), (uuid, 7));
		let opened = open_record(&key, &blob).unwrap();
		assert_eq!(opened.record_uuid, uuid);
		assert_eq!(opened.version, 7);
		assert_eq!(opened.plaintext, b"{\"resourceType\":\"Bundle\"}");
		// Empty records are blobs too.
		let empty = seal_record(&key, uuid, 0, b"").unwrap();
		assert_eq!(open_record(&key, &empty).unwrap().plaintext, b"");
	}

	#[test]
	fn fresh_nonce_every_seal() {
		let key = RecordKey::generate();
		let uuid = new_record_uuid();
		assert_ne!(
			seal_record(&key, uuid, 1, b"x").unwrap(),
			seal_record(&key, uuid, 1, b"x").unwrap()
		);
	}

	#[test]
	fn flipped_ciphertext_byte_is_tampered() {
		let key = RecordKey::generate();
		let mut blob = seal_record(&key, new_record_uuid(), 1, b"diagnosis").unwrap();
		let last = blob.len() - 1;
		blob[last] ^= 1;
		assert_eq!(open_record(&key, &blob), Err(CryptoError::Tampered));
		blob[last] ^= 1;
		blob[MIN_BLOB_LEN - TAG_LEN] ^= 0x80;
		assert_eq!(open_record(&key, &blob), Err(CryptoError::Tampered));
	}

	#[test]
	fn changed_version_or_uuid_is_tampered() {
		let key = RecordKey::generate();
		let mut blob = seal_record(&key, new_record_uuid(), 1, b"diagnosis").unwrap();
		blob[20] = 2;
		assert_eq!(open_record(&key, &blob), Err(CryptoError::Tampered));
		blob[20] = 1;
		blob[4] ^= 1;
		assert_eq!(open_record(&key, &blob), Err(CryptoError::Tampered));
	}

	#[test]
	fn wrong_record_key_is_tampered() {
		let blob = seal_record(&RecordKey::generate(), new_record_uuid(), 1, b"x").unwrap();
		assert_eq!(open_record(&RecordKey::generate(), &blob), Err(CryptoError::Tampered));
	}

	#[test]
	fn not_a_blob() {
		assert_eq!(blob_header(b"EHR1"), Err(CryptoError::NotABlob));
		let mut blob = seal_record(&RecordKey::generate(), [0; 16], 1, b"x").unwrap();
		blob[0] = b'X';
		assert_eq!(blob_header(&blob), Err(CryptoError::NotABlob));
	}

	#[test]
	fn new_record_uuid_is_version_4() {
		let uuid = new_record_uuid();
		assert_eq!(uuid[6] >> 4, 4);
		assert_eq!(uuid[8] >> 6, 0b10);
	}

	#[test]
	fn wrap_round_trip_and_length() {
		let (secret, public) = keypair();
		let key = RecordKey::generate();
		let wrapped = wrap_key(&key, &public).unwrap();
		assert_eq!(wrapped.len(), 104);
		assert_eq!(WRAPPED_KEY_LEN, 104);
		assert_eq!(unwrap_key(&wrapped, &secret).unwrap().as_bytes(), key.as_bytes());
	}

	#[test]
	fn unwrap_with_another_key_fails() {
		let (_, public) = keypair();
		let (other_secret, _) = keypair();
		let wrapped = wrap_key(&RecordKey::generate(), &public).unwrap();
		assert_eq!(unwrap_key(&wrapped, &other_secret).unwrap_err(), CryptoError::NotForThisKey);
	}

	#[test]
	fn altered_wrapped_key_fails() {
		let (secret, public) = keypair();
		let mut wrapped = wrap_key(&RecordKey::generate(), &public).unwrap();
		wrapped[40] ^= 1;
		assert_eq!(unwrap_key(&wrapped, &secret).unwrap_err(), CryptoError::NotForThisKey);
		assert_eq!(
			unwrap_key(&wrapped[..100], &secret).unwrap_err(),
			CryptoError::MalformedWrappedKey(100)
		);
	}

	#[test]
	fn low_order_points_are_refused() {
		let (secret, _) = keypair();
		// The identity point (u = 0) gives the all-zero shared secret with any scalar.
		let identity = PublicKey::from([0u8; 32]);
		assert_eq!(wrap_key(&RecordKey::generate(), &identity), Err(CryptoError::NonContributory));
		let mut wrapped = vec![0u8; WRAPPED_KEY_LEN];
		wrapped[32] = 1;
		assert_eq!(unwrap_key(&wrapped, &secret).unwrap_err(), CryptoError::NonContributory);
	}

	#[test]
	fn record_key_debug_hides_bytes() {
		assert_eq!(format!("{:?}", RecordKey::from_bytes([7; 32])), "RecordKey(..)");
	}
}
