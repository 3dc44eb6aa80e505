//! Key derivation, keystore files and their refusals.

use super::{keystore::unix_now, *};
use crate::totp;
use std::fs;

const ALICE_PUBLIC: &str = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";
const ALICE_SS58: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
const BOB_PUBLIC: &str = "8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48";
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
	assert_eq!(junction_chain_code(&long).to_vec(), Blake2b::<U32>::digest(&encoded).to_vec());
	let mut compact = Vec::new();
	scale_compact(64, &mut compact);
	assert_eq!(compact, [0x01, 0x01]);
	compact.clear();
	scale_compact(1 << 14, &mut compact);
	assert_eq!(compact, [0x02, 0x00, 0x01, 0x00]);
	compact.clear();
	scale_compact(1 << 30, &mut compact);
	assert_eq!(compact, [0x03, 0x00, 0x00, 0x00, 0x40]);
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
