// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Key derivation, keystore files and their refusals.

use super::{keystore::unix_now, *};
use crate::totp;
use codec::{Compact, Encode};
use schnorrkel::{PublicKey, Signature};
use sp_runtime::traits::{BlakeTwo256, Hash as HashT};
use std::fs;

const ALICE_PUBLIC: &str = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";
const ALICE_SS58: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
const BOB_PUBLIC: &str = "8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48";
const BOB_SS58: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";
const TEST_LOG_N: u8 = 4;

fn cheap(totp_secret: Option<[u8; 20]>) -> KeystoreOptions {
	KeystoreOptions { scrypt_log_n: TEST_LOG_N, totp_secret }
}

#[test]
fn dev_accounts_match_substrate() {
	let alice = Identity::from_suri("//Alice").unwrap();
	assert_eq!(hex::encode(alice.account_public()), ALICE_PUBLIC);
	assert_eq!(alice.ss58(), ALICE_SS58);
	let bob = Identity::from_suri("//Bob").unwrap();
	assert_eq!(hex::encode(bob.account_public()), BOB_PUBLIC);
	// The explicit phrase form is the same key.
	let explicit = Identity::from_suri(&format!("{DEV_PHRASE}//Alice")).unwrap();
	assert_eq!(explicit.account_public(), alice.account_public());
}

// Expected values from an independent implementation: Python `substrate-interface` 1.8.1
// (`Keypair.create_from_uri`, and for the password and hex-seed cases
// `bip39.bip39_to_mini_secret` / `Keypair.create_from_seed` followed by
// `sr25519.hard_derive_keypair`). The root dev key is also sp-core's `DEV_ADDRESS`, and
// 0xe5be… is the secret seed `subkey inspect //Alice` prints.
#[test]
fn derivations_match_substrate_interface() {
	let alice_seed = "0xe5be9a5092b81bca64be81d212e7f2f9eba183bb7a90954f7b76361f6edb5c0a";
	let cases = [
		(
			DEV_PHRASE.to_string(),
			"46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a",
		),
		("//0".into(), "2afba9278e30ccf6a6ceb3a8b6e336b70068f045c666f2e7f4f9cc5f47db8972"),
		(
			format!("{DEV_PHRASE}//ehr//1"),
			"348941dbdcd3cf47eb9cabebeedc83d06bd30e4e652db27edff4a9bd19ec4607",
		),
		(
			format!("//{}", "a".repeat(40)),
			"f664e39a1662f83fcfed934f1e2b70b46d59e011e7e2136cab24c7df8806a00f",
		),
		(
			"//18446744073709551615//hospital-7".into(),
			"0eaa0dc4bb72f574e13976fb522b0d2ef5d7b469018253e698a611c0607f1834",
		),
		(
			"//Alice///secret".into(),
			"08a5e583f74f54f3811cb5f7d74e686d473e3a466fd0e95738707a80c3183b15",
		),
		(alice_seed.into(), ALICE_PUBLIC),
		(
			format!("{alice_seed}//Alice"),
			"58d79a1e1bc353c75f129f59fe7f5253d94bcdd33108e9f32713638925cc9413",
		),
	];
	for (suri, expected) in cases {
		let identity = Identity::from_suri(&suri).unwrap();
		assert_eq!(hex::encode(identity.account_public()), expected, "{suri}");
	}
	assert_eq!(
		Identity::from_suri(DEV_PHRASE).unwrap().ss58(),
		"5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV"
	);
	assert_eq!(
		Identity::from_suri("//Bob").unwrap().ss58(),
		"5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"
	);
}

/// The chain code of a hard junction `//name`, as sp-core derives it.
fn junction_chain_code(junction: &str) -> [u8; 32] {
	match DeriveJunction::from(format!("/{junction}")) {
		DeriveJunction::Hard(chain_code) => chain_code,
		DeriveJunction::Soft(_) => panic!("//{junction} is a hard junction"),
	}
}

#[test]
fn junction_chain_codes() {
	// Numbers are SCALE u64s, strings are length-prefixed, long encodings are hashed.
	assert_eq!(junction_chain_code("0"), [0u8; 32]);
	let mut expected = [0u8; 32];
	expected[0] = 5 << 2;
	expected[1..6].copy_from_slice(b"Alice");
	assert_eq!(junction_chain_code("Alice"), expected);
	let long = "a".repeat(40);
	let mut encoded = vec![40 << 2];
	encoded.extend_from_slice(long.as_bytes());
	assert_eq!(junction_chain_code(&long), <BlakeTwo256 as HashT>::hash(&encoded).0);
	// The length prefixes are SCALE compact integers.
	assert_eq!(Compact(64u64).encode(), [0x01, 0x01]);
	assert_eq!(Compact(1u64 << 14).encode(), [0x02, 0x00, 0x01, 0x00]);
	assert_eq!(Compact(1u64 << 30).encode(), [0x03, 0x00, 0x00, 0x00, 0x40]);
}

#[test]
fn suri_errors() {
	assert!(matches!(
		Identity::from_suri("//Alice/soft"),
		Err(KeyError::SoftDerivationUnsupported(junction)) if junction == "soft"
	));
	assert!(matches!(Identity::from_suri("0x1234"), Err(KeyError::InvalidHexSeed)));
	assert!(matches!(
		Identity::from_suri("not a valid phrase at all"),
		Err(KeyError::InvalidMnemonic(_))
	));
	assert!(matches!(Identity::from_suri("//Alice//"), Err(KeyError::InvalidSuri(_))));
	assert!(matches!(Identity::from_suri("bad!phrase"), Err(KeyError::InvalidSuri(_))));
	assert!(matches!(
		Identity::from_suri("//Alice/soft//hard"),
		Err(KeyError::SoftDerivationUnsupported(junction)) if junction == "soft"
	));
	assert!(matches!(Identity::from_suri("//Alice/"), Err(KeyError::InvalidSuri(_))));
	// The message names the problem, never the SURI's text.
	let error = Identity::from_suri("hidden words!").unwrap_err().to_string();
	assert!(!error.contains("hidden"), "{error}");
}

#[test]
fn phrase_whitespace_is_trimmed() {
	let alice = Identity::from_suri("//Alice").unwrap().account_public();
	let spaced = Identity::from_suri(&format!("  {DEV_PHRASE} //Alice")).unwrap();
	assert_eq!(spaced.account_public(), alice);
	// A phrase of spaces only is the dev phrase, as an empty one is.
	assert_eq!(Identity::from_suri("   //Alice").unwrap().account_public(), alice);
}

#[test]
fn password_changes_the_key() {
	let plain = Identity::from_suri("//Alice").unwrap().account_public();
	let with_password = Identity::from_suri("//Alice///secret").unwrap().account_public();
	assert_ne!(plain, with_password);
}

#[test]
fn signature_verifies_with_schnorrkel() {
	let alice = Identity::from_suri("//Alice").unwrap();
	let signature = alice.sign(b"GET /blob/bafk...");
	let public = PublicKey::from_bytes(&alice.account_public()).unwrap();
	let parsed = Signature::from_bytes(&signature).unwrap();
	assert!(public.verify_simple(b"substrate", b"GET /blob/bafk...", &parsed).is_ok());
	assert!(verify_signature(&alice.account_public(), b"GET /blob/bafk...", &signature));
	assert!(!verify_signature(&alice.account_public(), b"GET /blob/other", &signature));
}

#[test]
fn encryption_key_is_deterministic_and_per_account() {
	let first = Identity::from_suri("//Alice").unwrap();
	let second = Identity::from_suri("//Alice").unwrap();
	assert_eq!(first.encryption_public(), second.encryption_public());
	assert_eq!(first.encryption_secret().to_bytes(), second.encryption_secret().to_bytes());
	assert_ne!(
		first.encryption_public(),
		Identity::from_suri("//Bob").unwrap().encryption_public()
	);
	assert_ne!(first.encryption_public(), first.account_public());
	// And it works for key wrapping.
	let key = crypto::RecordKey::generate();
	let public = x25519_dalek::PublicKey::from(first.encryption_public());
	let wrapped = crypto::wrap_key(&key, &public).unwrap();
	let unwrapped = crypto::unwrap_key(&wrapped, second.encryption_secret()).unwrap();
	assert_eq!(unwrapped.as_bytes(), key.as_bytes());
}

// //Alice's encryption key: HKDF-SHA256 (salt "ehr-chain", info ENCRYPTION_KEY_INFO) of its
// mini secret 0xe5be… (the secret seed `subkey inspect //Alice` prints), then X25519, computed
// independently with Python's `cryptography` 48 (HKDF, X25519PrivateKey).
const ALICE_ENCRYPTION_PUBLIC: &str =
	"fa0e6fdd68575c30e695557d8958316ddef44062db496dd1255ca3a7b031d156";

#[test]
fn encryption_key_is_hkdf_of_the_derived_mini_secret() {
	let alice = Identity::from_suri("//Alice").unwrap();
	assert_eq!(hex::encode(alice.encryption_public()), ALICE_ENCRYPTION_PUBLIC);
	let from_seed =
		Identity::from_suri("0xe5be9a5092b81bca64be81d212e7f2f9eba183bb7a90954f7b76361f6edb5c0a")
			.unwrap();
	assert_eq!(hex::encode(from_seed.encryption_public()), ALICE_ENCRYPTION_PUBLIC);
	assert_eq!(from_seed.account_public(), alice.account_public());
}

#[test]
fn ss58_round_trip_and_errors() {
	assert_eq!(hex::encode(ss58_decode(ALICE_SS58).unwrap()), ALICE_PUBLIC);
	let mut corrupted = ALICE_SS58.to_string();
	corrupted.replace_range(10..11, "z");
	assert!(matches!(ss58_decode(&corrupted), Err(KeyError::InvalidAddress(_))));
	assert!(matches!(ss58_decode("0OIl"), Err(KeyError::InvalidAddress(_))));
}

#[test]
fn generated_phrase_derives() {
	let phrase = generate_phrase().unwrap();
	assert_eq!(phrase.split(' ').count(), 12);
	let identity = Identity::from_suri(&format!("{phrase}//ehr")).unwrap();
	assert_ne!(identity.ss58(), ALICE_SS58);
}

#[test]
fn keystore_round_trip() {
	let keystore = Keystore::create_with("//Alice", "correct horse", &cheap(None)).unwrap();
	assert_eq!(keystore.address(), ALICE_SS58);
	assert!(!keystore.has_totp());
	let identity = keystore.unlock("correct horse", None).unwrap();
	assert_eq!(identity.ss58(), ALICE_SS58);
	assert_eq!(keystore.encryption_public_key().unwrap(), identity.encryption_public());
	assert!(matches!(keystore.unlock("wrong", None), Err(KeyError::WrongPassword)));
}

#[test]
fn keystore_json_shape_and_file() {
	let keystore = Keystore::create_with("//Bob", "pw", &cheap(None)).unwrap();
	let json: serde_json::Value = serde_json::to_value(&keystore).unwrap();
	assert_eq!(json["version"], 1);
	assert_eq!(json["kdf"]["name"], "scrypt");
	assert_eq!(json["kdf"]["logN"], TEST_LOG_N);
	assert_eq!(json["nonce"].as_str().unwrap().len(), 48);
	assert!(json.get("totp").is_none());
	assert!(!json.to_string().contains("Bob"));

	let directory = std::env::temp_dir().join(format!("ehr-keys-test-{}", std::process::id()));
	fs::create_dir_all(&directory).unwrap();
	let path = directory.join("bob.json");
	keystore.save(&path).unwrap();
	keystore.save(&path).unwrap();
	#[cfg(unix)]
	{
		use std::os::unix::fs::PermissionsExt;
		assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
	}
	assert_eq!(Keystore::load(&path).unwrap(), keystore);
	assert_eq!(fs::read_dir(&directory).unwrap().count(), 1);
	let missing = Keystore::load(&directory.join("missing.json")).unwrap_err();
	assert!(missing.to_string().contains("missing.json"), "{missing}");
	fs::write(directory.join("junk.json"), b"{}").unwrap();
	let junk = Keystore::load(&directory.join("junk.json")).unwrap_err();
	assert!(matches!(junk, KeyError::Parse { .. }) && junk.to_string().contains("junk.json"));
	fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn tampered_address_is_refused() {
	let mut keystore = Keystore::create_with("//Alice", "pw", &cheap(None)).unwrap();
	keystore.address = ss58_encode(&[1; 32]);
	// The address is the associated data, so the AEAD refuses before derivation.
	assert!(matches!(keystore.unlock("pw", None), Err(KeyError::WrongPassword)));
}

#[test]
fn keystore_with_totp() {
	let secret = totp::generate_secret();
	let keystore = Keystore::create_with("//Alice", "pw", &cheap(Some(secret))).unwrap();
	assert!(keystore.has_totp());
	let now = 1_700_000_000;
	let code = totp::code_at(&secret, now);
	assert!(matches!(keystore.unlock_at("pw", None, now), Err(KeyError::TotpRequired)));
	let wrong = if code == "000000" { "000001" } else { "000000" };
	assert!(matches!(keystore.unlock_at("pw", Some(wrong), now), Err(KeyError::TotpInvalid)));
	assert!(matches!(keystore.unlock_at("bad", Some(&code), now), Err(KeyError::WrongPassword)));
	assert_eq!(keystore.unlock_at("pw", Some(&code), now).unwrap().ss58(), ALICE_SS58);

	// Deleting the public marker does not remove the second factor.
	let mut stripped = keystore.clone();
	stripped.totp = None;
	assert!(matches!(stripped.unlock_at("pw", None, now), Err(KeyError::TotpRequired)));
}

#[test]
fn totp_can_be_added_and_removed() {
	let keystore = Keystore::create_with("//Bob", "pw", &cheap(None)).unwrap();
	let secret = totp::generate_secret();
	let with = keystore.with_totp("pw", None, Some(secret)).unwrap();
	assert!(with.has_totp());
	assert_eq!(with.kdf.log_n, TEST_LOG_N);
	let code = totp::code_at(&secret, unix_now());
	let without = with.with_totp("pw", Some(&code), None).unwrap();
	assert!(!without.has_totp());
	assert_eq!(without.unlock("pw", None).unwrap().ss58(), keystore.address());
}

#[test]
fn hostile_kdf_parameters_are_refused() {
	let mut keystore = Keystore::create_with("//Alice", "pw", &cheap(None)).unwrap();
	keystore.kdf.log_n = 40;
	assert!(matches!(keystore.unlock("pw", None), Err(KeyError::UnsupportedKdf(_))));
	keystore.kdf.log_n = TEST_LOG_N;
	keystore.kdf.name = "argon2".into();
	assert!(matches!(keystore.unlock("pw", None), Err(KeyError::UnsupportedKdf(_))));
	keystore.kdf.name = "scrypt".into();
	keystore.version = 2;
	assert!(matches!(keystore.unlock("pw", None), Err(KeyError::UnsupportedVersion(2))));
}

// Polkadot.js exports: `client/tests/vectors/polkadot-js/` (written by `@polkadot/keyring`
// 14.0.3's `pair.toJson(password)`; see the README there).
const PJS_ALICE: &str = include_str!("../../tests/vectors/polkadot-js/alice.json");
const PJS_ALICE_POLKADOT: &str =
	include_str!("../../tests/vectors/polkadot-js/alice-polkadot-prefix.json");
const PJS_SOFT: &str = include_str!("../../tests/vectors/polkadot-js/soft-derived.json");
const PJS_PASSWORD: &str = "correct horse battery staple";
// HKDF-SHA256 (salt "ehr-chain", info POLKADOT_JS_ENCRYPTION_KEY_INFO) of //Alice's 64-byte
// secret key as Polkadot.js holds it (98319d4f…f4a66011, which `@polkadot/keyring` printed and
// Python rebuilt from the seed as `@scure/sr25519`'s `secretFromSeed` does), then X25519, with
// Python's `cryptography`.
const ALICE_PJS_ENCRYPTION_PUBLIC: &str =
	"2c7de4898d6b90b883f03bfb557673a9049b60e9569d06b59794948997edcd3f";

#[test]
fn polkadot_js_export_is_the_same_account() {
	let alice = Identity::from_polkadot_js_json(PJS_ALICE, PJS_PASSWORD).unwrap();
	assert_eq!(alice.ss58(), ALICE_SS58);
	assert_eq!(hex::encode(alice.account_public()), ALICE_PUBLIC);
	// It signs as Alice, verifiably with sp-core and with schnorrkel.
	let signature = alice.sign(b"GET /blob/bafk...");
	assert!(verify_signature(&alice.account_public(), b"GET /blob/bafk...", &signature));
	let public = PublicKey::from_bytes(&alice.account_public()).unwrap();
	let parsed = Signature::from_bytes(&signature).unwrap();
	assert!(public.verify_simple(SIGNING_CONTEXT, b"GET /blob/bafk...", &parsed).is_ok());
	// The same account in Polkadot's address format is the same identity.
	let polkadot = Identity::from_polkadot_js_json(PJS_ALICE_POLKADOT, PJS_PASSWORD).unwrap();
	assert_eq!(polkadot.account_public(), alice.account_public());
	assert_eq!(polkadot.encryption_public(), alice.encryption_public());
}

#[test]
fn polkadot_js_export_has_its_own_encryption_key() {
	let imported = Identity::from_polkadot_js_json(PJS_ALICE, PJS_PASSWORD).unwrap();
	assert_eq!(hex::encode(imported.encryption_public()), ALICE_PJS_ENCRYPTION_PUBLIC);
	// Not the phrase's: an export has no mini secret (see `polkadot_js`).
	assert_ne!(hex::encode(imported.encryption_public()), ALICE_ENCRYPTION_PUBLIC);
	let key = crypto::RecordKey::generate();
	let public = x25519_dalek::PublicKey::from(imported.encryption_public());
	let wrapped = crypto::wrap_key(&key, &public).unwrap();
	let unwrapped = crypto::unwrap_key(&wrapped, imported.encryption_secret()).unwrap();
	assert_eq!(unwrapped.as_bytes(), key.as_bytes());
}

#[test]
fn polkadot_js_export_of_a_soft_derived_account() {
	// An account this client cannot derive from a SURI (a soft junction) imports from its
	// export; the password is not ASCII.
	let soft = Identity::from_polkadot_js_json(PJS_SOFT, "pässwörd ✓").unwrap();
	assert_eq!(
		hex::encode(soft.account_public()),
		"f0e43a07d22fd7701e2395cb8afb74dc4e940b96e3136aef45a935cce6691e61"
	);
	assert_eq!(soft.ss58(), "5HWZ9UgKHkozzEd2PGLqh2rRfzA3YV3vJbHDpPcyJmerAUyg");
	assert!(matches!(
		Identity::from_suri(&format!("{DEV_PHRASE}//ehr/soft")),
		Err(KeyError::SoftDerivationUnsupported(junction)) if junction == "soft"
	));
}

// An export made in Polkadot.js apps itself (scrypt N=2^15), as published in the tests of
// subxt-signer 0.50 (`polkadot_js_compat.rs`), password "whoisalice".
#[test]
fn polkadot_js_apps_export() {
	let json = r#"{
		"encoded": "DumgApKCTqoCty1OZW/8WS+sgo6RdpHhCwAkA2IoDBMAgAAAAQAAAAgAAAB6IG/q24EeVf0JqWqcBd5m2tKq5BlyY84IQ8oamLn9DZe9Ouhgunr7i36J1XxUnTI801axqL/ym1gil0U8440Qvj0lFVKwGuxq38zuifgoj0B3Yru0CI6QKEvQPU5xxj4MpyxdSxP+2PnTzYao0HDH0fulaGvlAYXfqtU89xrx2/z9z7IjSwS3oDFPXRQ9kAdDebtyCVreZ9Otw9v3",
		"encoding": {
			"content": ["pkcs8", "sr25519"],
			"type": ["scrypt", "xsalsa20-poly1305"],
			"version": "3"
		},
		"address": "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
		"meta": { "genesisHash": "", "name": "Alice", "whenCreated": 1718265838755 }
	}"#;
	let alice = Identity::from_polkadot_js_json(json, "whoisalice").unwrap();
	assert_eq!(alice.ss58(), ALICE_SS58);
	assert_eq!(hex::encode(alice.encryption_public()), ALICE_PJS_ENCRYPTION_PUBLIC);
}

/// The Alice export with one field changed.
fn edited_export(edit: impl FnOnce(&mut serde_json::Value)) -> String {
	let mut json: serde_json::Value = serde_json::from_str(PJS_ALICE).unwrap();
	edit(&mut json);
	json.to_string()
}

#[test]
fn polkadot_js_refusals() {
	use base64::Engine;
	let import = |json: &str| Identity::from_polkadot_js_json(json, PJS_PASSWORD);
	assert!(matches!(
		Identity::from_polkadot_js_json(PJS_ALICE, "wrong"),
		Err(KeyError::WrongPassword)
	));
	let bob = edited_export(|json| json["address"] = BOB_SS58.into());
	assert!(matches!(
		import(&bob),
		Err(KeyError::AddressMismatch { stored, derived }) if stored == BOB_SS58 && derived == ALICE_SS58
	));
	let format_errors = [
		"not json".to_string(),
		edited_export(|json| json["encoding"]["type"] = serde_json::json!(["none"])),
		edited_export(|json| json["encoding"]["content"] = serde_json::json!(["pkcs8", "ed25519"])),
		edited_export(|json| json["encoding"]["version"] = "2".into()),
		edited_export(|json| json["encoded"] = "not base64!".into()),
		edited_export(|json| json["encoded"] = "AAAA".into()),
	];
	for json in &format_errors {
		assert!(matches!(import(json), Err(KeyError::PolkadotJsFormat(_))), "{json}");
	}
	// scrypt parameters outside Polkadot.js's sets are refused before any work is done.
	let hostile = edited_export(|json| {
		let engine = base64::engine::general_purpose::STANDARD;
		let mut encoded = engine.decode(json["encoded"].as_str().unwrap()).unwrap();
		encoded[32..36].copy_from_slice(&(1u32 << 30).to_le_bytes());
		json["encoded"] = engine.encode(encoded).into();
	});
	assert!(matches!(import(&hostile), Err(KeyError::UnsupportedKdf(_))));
}
