//! Content ids: how ehr-chain names an encrypted record blob, the same way IPFS does.

use alloc::{string::String, vec::Vec};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// The length of a CIDv1 with the raw codec and a sha2-256 multihash: version, codec,
/// hash function, digest length, digest.
pub const CID_LEN: usize = 36;

/// The prefix of every content id ehr-chain accepts: CIDv1 (`0x01`), raw binary codec
/// (`0x55`), sha2-256 (`0x12`), 32-byte digest (`0x20`). The same bytes give the same
/// CID in IPFS tooling.
pub const CID_PREFIX: [u8; 4] = [0x01, 0x55, 0x12, 0x20];

/// The content id of an encrypted record blob (binary CIDv1, raw codec, sha2-256).
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Hash,
	Debug,
)]
pub struct ContentId(pub [u8; CID_LEN]);

impl ContentId {
	/// The CID of content whose SHA-256 is `digest`.
	pub fn from_sha256(digest: [u8; 32]) -> Self {
		let mut bytes = [0u8; CID_LEN];
		bytes[..4].copy_from_slice(&CID_PREFIX);
		bytes[4..].copy_from_slice(&digest);
		Self(bytes)
	}

	/// Whether this is a CIDv1 / raw / sha2-256 id.
	pub fn is_well_formed(&self) -> bool {
		self.0[..4] == CID_PREFIX
	}

	/// The SHA-256 digest the id carries.
	pub fn sha256(&self) -> [u8; 32] {
		let mut digest = [0u8; 32];
		digest.copy_from_slice(&self.0[4..]);
		digest
	}

	/// The id as IPFS tools print it: multibase base32 (lower case, no padding, prefix
	/// `b`), e.g. `bafkrei…`.
	pub fn to_multibase(&self) -> String {
		let mut text = String::with_capacity(1 + (CID_LEN * 8).div_ceil(5));
		text.push('b');
		let (mut buffer, mut bits) = (0u32, 0u32);
		for byte in self.0 {
			buffer = (buffer << 8) | u32::from(byte);
			bits += 8;
			while bits >= 5 {
				bits -= 5;
				text.push(BASE32_ALPHABET[((buffer >> bits) & 31) as usize] as char);
			}
		}
		if bits > 0 {
			text.push(BASE32_ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
		}
		text
	}

	/// Parses the multibase base32 form `to_multibase` writes.
	pub fn from_multibase(text: &str) -> Result<Self, CidParseError> {
		let digits = text.strip_prefix('b').ok_or(CidParseError::NotBase32Multibase)?;
		let mut bytes = Vec::with_capacity(CID_LEN);
		let (mut buffer, mut bits) = (0u32, 0u32);
		for c in digits.bytes() {
			let value = BASE32_ALPHABET
				.iter()
				.position(|&a| a == c.to_ascii_lowercase())
				.ok_or(CidParseError::InvalidCharacter)? as u32;
			buffer = (buffer << 5) | value;
			bits += 5;
			if bits >= 8 {
				bits -= 8;
				bytes.push((buffer >> bits) as u8);
				buffer &= (1 << bits) - 1;
			}
		}
		let cid = Self(bytes.try_into().map_err(|_| CidParseError::WrongLength)?);
		if !cid.is_well_formed() {
			return Err(CidParseError::NotRawSha256);
		}
		Ok(cid)
	}
}

/// RFC 4648 base32, lower case, as multibase `b` uses it.
const BASE32_ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// Why a text is not a content id ehr-chain accepts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CidParseError {
	/// The text does not start with `b` (multibase base32).
	NotBase32Multibase,
	/// A character outside the base32 alphabet.
	InvalidCharacter,
	/// The decoded id is not 36 bytes long.
	WrongLength,
	/// The id is not a CIDv1 with the raw codec and a sha2-256 digest.
	NotRawSha256,
}

impl core::fmt::Display for CidParseError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str(match self {
			Self::NotBase32Multibase => "a content id starts with 'b' (multibase base32)",
			Self::InvalidCharacter => "a content id has only the characters a-z and 2-7",
			Self::WrongLength => "a content id is 36 bytes (CIDv1, raw, sha2-256)",
			Self::NotRawSha256 => "the content id is not CIDv1 with the raw codec and sha2-256",
		})
	}
}

#[cfg(test)]
mod content_id_tests {
	use super::*;

	#[test]
	fn multibase_matches_ipfs_and_round_trips() {
		// The empty input's CIDv1 (raw, sha2-256), as `ipfs add --cid-version 1` prints it.
		// SHA-256 of the empty input.
		let digest = [
			0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f,
			0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b,
			0x78, 0x52, 0xb8, 0x55,
		];
		let empty = ContentId::from_sha256(digest);
		let text = empty.to_multibase();
		assert_eq!(text, "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
		assert_eq!(ContentId::from_multibase(&text), Ok(empty));
		assert_eq!(ContentId::from_multibase("zabc"), Err(CidParseError::NotBase32Multibase));
		assert_eq!(ContentId::from_multibase("b0"), Err(CidParseError::InvalidCharacter));
		assert_eq!(ContentId::from_multibase("bafy"), Err(CidParseError::WrongLength));
	}
}
