// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! # ehr-client
//!
//! The client side of ehr-chain, as a library and the `ehr` command.
//!
//! ## Overview
//! A health record never reaches the chain or a node in plaintext. The client builds the
//! record as a FHIR R4 Bundle ([`fhir`]), encrypts it under a fresh record key and wraps
//! that key to each reader's x25519 key ([`crypto`]), puts the ciphertext into a hospital
//! node's blob store ([`blobs`]) and anchors its content id on chain ([`records`]).
//! Readers fetch the blob with a request signed by their account and get the record key
//! from any hospital node, which releases it (wrapped to them, audited on chain) only if
//! the chain allows the read ([`records::record_key`], `docs/keys.md`). The patient decides
//! who may read ([`consent`]); a patient who lost their phrase recovers ([`recovery`]).
//!
//! Everything on chain goes through subxt against the node's metadata ([`chain`]): no
//! generated code to fall out of step with the runtime, no custom types.
//!
//! ## Terminology
//! - **Account key**: the sr25519 key an account signs transactions with (what Polkadot.js
//!   apps holds).
//! - **Encryption key**: an x25519 key derived from the same secret seed with a labelled
//!   KDF ([`keys`]); its public half is registered on chain ([`registry`]).
//! - **Record key**: a random 32-byte XChaCha20-Poly1305 key, fresh for every version.
//! - **Wrapped key**: a record key sealed to one reader's encryption key.
//! - **Blob**: the encrypted record as stored off chain, addressed by its CIDv1.

pub mod blobs;
pub mod chain;
pub mod consent;
pub mod crypto;
mod error;
pub mod fhir;
pub mod keys;
pub mod pins;
pub mod records;
pub mod recovery;
pub mod registry;
pub mod totp;

pub use error::Error;
