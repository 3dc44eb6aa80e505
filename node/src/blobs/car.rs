// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Export of the blob store for IPFS: the blobs as files named by content id, and a CAR
//! (content-addressed archive, version 1) that `ipfs dag import` reads and pins.
//!
//! A CARv1 file is a varint-prefixed DAG-CBOR header `{"roots": [CID…], "version": 1}`
//! followed by one varint-prefixed section per block: the binary CID, then the bytes.
//! Every blob is a root, so importing pins each one.

use super::store::BlobStore;
use ehr_primitives::records::ContentId;
use std::{
	fs,
	io::{self, Write},
	path::{Path, PathBuf},
};

/// The `ehr-node export-blobs` command: writes the node's stored blobs out for IPFS.
#[derive(Debug, Clone, clap::Parser)]
pub struct ExportBlobsCmd {
	/// Directory to write each blob to, as a file named by its content id.
	#[arg(long, value_name = "DIR")]
	pub files: Option<PathBuf>,

	/// CAR file to write all blobs to.
	#[arg(long, value_name = "FILE")]
	pub car: Option<PathBuf>,

	#[allow(missing_docs)]
	#[clap(flatten)]
	pub shared_params: sc_cli::SharedParams,
}

impl sc_cli::CliConfiguration for ExportBlobsCmd {
	fn shared_params(&self) -> &sc_cli::SharedParams {
		&self.shared_params
	}
}

impl ExportBlobsCmd {
	/// Exports the store found under the chain's data directory `chain_dir`.
	pub fn run(&self, chain_dir: &Path) -> sc_cli::Result<()> {
		if self.files.is_none() && self.car.is_none() {
			return Err("say where to export to: --files <DIR> and/or --car <FILE>".into());
		}
		// Read-only: the node may be running and writing to its store meanwhile.
		let store = BlobStore::open_to_read(chain_dir.join("blobs"))?;
		let mut cids = store.stored()?;
		if cids.is_empty() {
			return Err("the blob store holds no blobs yet: nothing to export".into());
		}
		cids.sort_by_key(|cid| cid.0);
		if let Some(dir) = &self.files {
			fs::create_dir_all(dir)?;
			for cid in &cids {
				let blob = store.read_stored(cid)?.ok_or_else(|| {
					format!("blob {} vanished or does not match its id", cid.to_multibase())
				})?;
				fs::write(dir.join(cid.to_multibase()), blob)?;
			}
			println!("{} blobs written to {}", cids.len(), dir.display());
		}
		if let Some(path) = &self.car {
			let mut out = io::BufWriter::new(fs::File::create(path)?);
			write_car(&mut out, &store, &cids)?;
			out.flush()?;
			println!("{} blobs written to {}", cids.len(), path.display());
		}
		Ok(())
	}
}

/// Writes a CARv1 of the blobs `cids` (all roots) to `out`.
pub fn write_car(out: &mut impl Write, store: &BlobStore, cids: &[ContentId]) -> io::Result<()> {
	let header = car_header(cids);
	write_varint(out, header.len() as u64)?;
	out.write_all(&header)?;
	for cid in cids {
		let blob = store.read_stored(cid)?.ok_or_else(|| {
			io::Error::other(format!(
				"blob {} vanished or does not match its id",
				cid.to_multibase()
			))
		})?;
		write_varint(out, (cid.0.len() + blob.len()) as u64)?;
		out.write_all(&cid.0)?;
		out.write_all(&blob)?;
	}
	Ok(())
}

/// The DAG-CBOR header `{"roots": [...], "version": 1}` (keys in DAG-CBOR's order: shorter
/// first).
fn car_header(roots: &[ContentId]) -> Vec<u8> {
	let mut cbor = vec![0xa2];
	cbor_text(&mut cbor, "roots");
	cbor_head(&mut cbor, 4, roots.len() as u64);
	for cid in roots {
		// Tag 42 (a CID), as bytes with the multibase identity prefix 0x00.
		cbor.extend_from_slice(&[0xd8, 42]);
		cbor_head(&mut cbor, 2, cid.0.len() as u64 + 1);
		cbor.push(0);
		cbor.extend_from_slice(&cid.0);
	}
	cbor_text(&mut cbor, "version");
	cbor_head(&mut cbor, 0, 1);
	cbor
}

fn cbor_text(cbor: &mut Vec<u8>, text: &str) {
	cbor_head(cbor, 3, text.len() as u64);
	cbor.extend_from_slice(text.as_bytes());
}

/// A CBOR item head: major type and argument, in the shortest form.
fn cbor_head(cbor: &mut Vec<u8>, major: u8, value: u64) {
	let major = major << 5;
	match value {
		0..=23 => cbor.push(major | value as u8),
		24..=0xff => cbor.extend_from_slice(&[major | 24, value as u8]),
		0x100..=0xffff => {
			cbor.push(major | 25);
			cbor.extend_from_slice(&(value as u16).to_be_bytes());
		}
		0x1_0000..=0xffff_ffff => {
			cbor.push(major | 26);
			cbor.extend_from_slice(&(value as u32).to_be_bytes());
		}
		_ => {
			cbor.push(major | 27);
			cbor.extend_from_slice(&value.to_be_bytes());
		}
	}
}

/// An unsigned LEB128 varint, as multiformats use.
fn write_varint(out: &mut impl Write, mut value: u64) -> io::Result<()> {
	loop {
		let byte = (value & 0x7f) as u8;
		value >>= 7;
		if value == 0 {
			return out.write_all(&[byte]);
		}
		out.write_all(&[byte | 0x80])?;
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::blobs::store::{Placement, StoreLimits};

	#[test]
	fn car_has_the_header_then_one_section_per_blob() {
		let dir = tempfile::tempdir().expect("tmp dir");
		let limits = StoreLimits {
			max_blob_bytes: 1 << 20,
			staging_ttl: std::time::Duration::from_secs(1),
			staging_quota: 1 << 20,
		};
		let store = BlobStore::open(dir.path(), limits).expect("store");
		let blob = vec![9u8; 300];
		let cid = ContentId::from_sha256(sp_io::hashing::sha2_256(&blob));
		store.insert(&cid, &blob, Placement::Stored).expect("stored");

		let mut car = Vec::new();
		write_car(&mut car, &store, &[cid]).expect("written");
		let header_len = car[0] as usize;
		let header = &car[1..1 + header_len];
		assert_eq!(&header[..7], &[0xa2, 0x65, b'r', b'o', b'o', b't', b's']);
		assert_eq!(&header[7..11], &[0x81, 0xd8, 42, 0x58]);
		assert_eq!(header[11], 37);
		assert_eq!(&header[13..49], &cid.0);
		assert_eq!(&header[49..], &[0x67, b'v', b'e', b'r', b's', b'i', b'o', b'n', 0x01]);
		// The section: varint(36 + 300 = 336) = [0xd0, 0x02], the CID, the blob.
		let section = &car[1 + header_len..];
		assert_eq!(&section[..2], &[0xd0, 0x02]);
		assert_eq!(&section[2..38], &cid.0);
		assert_eq!(&section[38..], &blob[..]);
	}
}
