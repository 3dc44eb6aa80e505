// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Content ids: how ehr-chain names an encrypted record blob, the same way IPFS does.

use alloc::string::String;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use data_encoding::{DecodeKind, Encoding};
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
		let mut text = String::with_capacity(1 + MULTIBASE_BASE32.encode_len(CID_LEN));
		text.push('b');
		MULTIBASE_BASE32.encode_append(&self.0, &mut text);
		text
	}

	/// Parses the multibase base32 form `to_multibase` writes, and only that form: one text
	/// per id, so a text that is not canonical (upper case, an extra character, a last
	/// character with bits the id does not have) is refused rather than read as the same id.
	pub fn from_multibase(text: &str) -> Result<Self, CidParseError> {
		let body = text.strip_prefix('b').ok_or(CidParseError::NotBase32Multibase)?;
		// Characters before length: data-encoding checks the length first, and a stray
		// character says more about the text than the length it happens to have.
		if !body.bytes().all(|c| matches!(c, b'a'..=b'z' | b'2'..=b'7')) {
			return Err(CidParseError::InvalidCharacter);
		}
		if MULTIBASE_BASE32.decode_len(body.len()) != Ok(CID_LEN) {
			return Err(CidParseError::WrongLength);
		}
		let mut bytes = [0u8; CID_LEN];
		MULTIBASE_BASE32.decode_mut(body.as_bytes(), &mut bytes).map_err(
			|partial| match partial.error.kind {
				DecodeKind::Trailing => CidParseError::NonCanonical,
				DecodeKind::Length => CidParseError::WrongLength,
				DecodeKind::Symbol | DecodeKind::Padding => CidParseError::InvalidCharacter,
			},
		)?;
		let cid = Self(bytes);
		if !cid.is_well_formed() {
			return Err(CidParseError::NotRawSha256);
		}
		Ok(cid)
	}
}

/// RFC 4648 base32, lower case, no padding, as multibase `b` uses it. Decoding accepts only
/// these symbols and refuses non-zero trailing bits (`check_trailing_bits`, on by default),
/// so each id has exactly one text form.
const MULTIBASE_BASE32: Encoding = data_encoding_macro::new_encoding! {
	symbols: "abcdefghijklmnopqrstuvwxyz234567",
	check_trailing_bits: true,
};

/// Why a text is not a content id ehr-chain accepts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CidParseError {
	/// The text does not start with `b` (multibase base32).
	NotBase32Multibase,
	/// A character outside the lower-case base32 alphabet.
	InvalidCharacter,
	/// The text is not the length of a 36-byte id (58 characters after the `b`).
	WrongLength,
	/// The last character has bits set past the end of the id: another spelling of an id,
	/// not the one every tool prints.
	NonCanonical,
	/// The id is not a CIDv1 with the raw codec and a sha2-256 digest.
	NotRawSha256,
}

impl core::fmt::Display for CidParseError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str(match self {
			Self::NotBase32Multibase => "a content id starts with 'b' (multibase base32)",
			Self::InvalidCharacter => {
				"a content id has only the characters a-z and 2-7 (lower case)"
			}
			Self::WrongLength => "a content id is 36 bytes (CIDv1, raw, sha2-256)",
			Self::NonCanonical => {
				"the content id's last character is not the canonical one (non-zero trailing bits)"
			}
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

	/// `bafkrei…vyku`: the empty input's CID, as IPFS prints it.
	const EMPTY: &str = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";

	#[test]
	fn canonical_text_parses() {
		let cid = ContentId::from_multibase(EMPTY).unwrap();
		assert_eq!(cid.to_multibase(), EMPTY);
		assert_eq!(EMPTY.len(), 59);
	}

	#[test]
	fn extra_character_is_refused() {
		// 59 base32 characters are no whole number of bytes; 60 are 37 bytes.
		for extra in ["a", "aa", "q", "7"] {
			let text = format!("{EMPTY}{extra}");
			assert_eq!(ContentId::from_multibase(&text), Err(CidParseError::WrongLength), "{text}");
		}
	}

	#[test]
	fn wrong_last_character_is_refused() {
		// 36 bytes are 288 bits: the 58th character carries 3 bits of the id and 2 that must be
		// zero. `u` is 0b10100; `v`, `w` and `x` differ only in those two bits, so a lenient
		// decoder reads them as the same id.
		let stem = &EMPTY[..EMPTY.len() - 1];
		assert!(EMPTY.ends_with('u'));
		for last in ['v', 'w', 'x'] {
			let text = format!("{stem}{last}");
			assert_eq!(
				ContentId::from_multibase(&text),
				Err(CidParseError::NonCanonical),
				"{text}"
			);
		}
		// A last character that changes the id's bits is a different (well-formed) id.
		let other = ContentId::from_multibase(&format!("{stem}y")).unwrap();
		assert_ne!(other, ContentId::from_multibase(EMPTY).unwrap());
	}

	#[test]
	fn upper_case_is_refused() {
		let upper_body = format!("b{}", EMPTY[1..].to_ascii_uppercase());
		assert_eq!(ContentId::from_multibase(&upper_body), Err(CidParseError::InvalidCharacter));
		// One upper-case character is enough.
		let mixed = EMPTY.replace("vyku", "vyKu");
		assert_eq!(ContentId::from_multibase(&mixed), Err(CidParseError::InvalidCharacter));
		// `B` is multibase base32upper: another encoding, not this one.
		assert_eq!(
			ContentId::from_multibase(&EMPTY.to_ascii_uppercase()),
			Err(CidParseError::NotBase32Multibase)
		);
	}

	#[test]
	fn wrong_multibase_prefix_is_refused() {
		for prefix in ["", "B", "f", "z", "u", "m", " b"] {
			let text = format!("{prefix}{}", &EMPTY[1..]);
			assert_eq!(
				ContentId::from_multibase(&text),
				Err(CidParseError::NotBase32Multibase),
				"{text:?}"
			);
		}
		assert_eq!(ContentId::from_multibase(""), Err(CidParseError::NotBase32Multibase));
	}

	#[test]
	fn wrong_length_is_refused() {
		// Too short by one character (no whole number of bytes) and by two (35 bytes), an
		// empty body, and a whole second id appended.
		for text in [
			EMPTY[..EMPTY.len() - 1].to_string(),
			EMPTY[..EMPTY.len() - 2].to_string(),
			"b".to_string(),
			format!("{EMPTY}{}", &EMPTY[1..]),
		] {
			assert_eq!(ContentId::from_multibase(&text), Err(CidParseError::WrongLength), "{text}");
		}
		// Padding is not part of the multibase form.
		assert_eq!(
			ContentId::from_multibase(&format!("{EMPTY}======")),
			Err(CidParseError::InvalidCharacter)
		);
	}
}
