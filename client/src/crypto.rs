// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Record encryption and key wrapping: the shared [`ehr_crypto`] crate (the nodes that
//! release keys use the very same code), re-exported for the client's users.
//!
//! ## Content ids
//! A blob's CID is CIDv1 with the raw codec and a sha2-256 multihash
//! ([`ehr_primitives::records::ContentId`], shared with the chain and the nodes), printed as
//! multibase base32 (lower case, no padding, prefix `b`): the `bafkrei…` form
//! `ipfs add --cid-version 1 --raw-leaves` gives a small file.

pub use ehr_crypto::*;

#[cfg(test)]
mod tests {
	use super::*;
	use ehr_primitives::records::{CidParseError, ContentId};

	// Expected CIDs: the empty-string one is the well-known `bafkrei…vyku` of IPFS; the others
	// were computed with Python (`hashlib.sha256` and `base64.b32encode`, lower-cased, padding
	// stripped) over bytes [0x01, 0x55, 0x12, 0x20] ‖ sha256(input).
	#[test]
	fn cid_of_known_inputs() {
		let cases: [(&[u8], &str); 3] = [
			(b"", "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"),
			(b"hello world\n", "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"),
			(b"EHR1", "bafkreibrazi74my4buyuue3ifwxp2fkfp2orodtyndtkirch4xu6hyoqby"),
		];
		for (input, expected) in cases {
			let cid = ContentId::from_sha256(sha256(input));
			assert_eq!(cid.to_multibase(), expected);
			assert_eq!(ContentId::from_multibase(expected), Ok(cid));
		}
	}

	// Cross-check of the base32 and multihash framing against an independent tool: Debian's
	// `ipfs-cid` (command `ipfs_cid`) prints dag-pb CIDs, i.e. codec 0x70 over the sha256 of the
	// UnixFS node. For an empty file that node is 0a 04 08 02 18 00 and `ipfs_cid` printed
	// bafybeif7ztnhq65lumvvtr4ekcwd2ifwgm3awq4zfr3srh462rwyinlb4y; for "hello world\n" the node
	// is 0a 12 08 02 12 0c "hello world\n" 18 0c and it printed
	// bafybeicg2rebjoofv4kbyovkw7af3rpiitvnl6i7ckcywaq6xjcxnc2mby.
	#[test]
	fn base32_matches_ipfs_cid_tool() {
		let mut hello_node = vec![0x0a, 0x12, 0x08, 0x02, 0x12, 0x0c];
		hello_node.extend_from_slice(b"hello world\n");
		hello_node.extend_from_slice(&[0x18, 0x0c]);
		let cases = [
			(
				vec![0x0a, 0x04, 0x08, 0x02, 0x18, 0x00],
				"bafybeif7ztnhq65lumvvtr4ekcwd2ifwgm3awq4zfr3srh462rwyinlb4y",
			),
			(hello_node, "bafybeicg2rebjoofv4kbyovkw7af3rpiitvnl6i7ckcywaq6xjcxnc2mby"),
		];
		for (node, expected) in cases {
			let mut cid = ContentId::from_sha256(sha256(&node));
			cid.0[1] = 0x70;
			assert_eq!(cid.to_multibase(), expected);
			// A dag-pb CID is well-formed base32 but not a blob address.
			assert_eq!(ContentId::from_multibase(expected), Err(CidParseError::NotRawSha256));
		}
	}
}
