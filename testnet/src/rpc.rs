// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! A minimal blocking JSON-RPC client over HTTP, enough to observe and drive a node.

use serde_json::{json, Value};
use std::time::Duration;

/// A JSON-RPC failure: transport, or an error object returned by the node.
#[derive(Debug)]
pub enum RpcError {
	Transport(String),
	Node { code: i64, message: String, data: Option<Value> },
}

impl std::fmt::Display for RpcError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			RpcError::Transport(e) => write!(f, "transport: {e}"),
			RpcError::Node { code, message, data } => {
				write!(f, "node error {code}: {message}")?;
				if let Some(data) = data {
					write!(f, " ({data})")?;
				}
				Ok(())
			}
		}
	}
}

/// Talks to one node's RPC endpoint.
#[derive(Clone)]
pub struct RpcClient {
	url: String,
	agent: ureq::Agent,
	/// The network namespace the endpoint is in ([`crate::Hosts`]), if not this process's.
	netns: Option<String>,
}

impl RpcClient {
	pub fn new(url: String) -> Self {
		let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(10)).build();
		Self { url, agent, netns: None }
	}

	/// A client of `url` inside the network namespace `netns`: each call connects from
	/// there.
	pub fn in_netns(url: String, netns: String) -> Self {
		Self { netns: Some(netns), ..Self::new(url) }
	}

	pub fn url(&self) -> &str {
		&self.url
	}

	/// Calls `method` with `params` and returns its `result`.
	pub fn call(&self, method: &str, params: Value) -> Result<Value, RpcError> {
		match &self.netns {
			Some(netns) => crate::hosts::in_netns(netns, || self.call_here(method, params))
				.map_err(RpcError::Transport)?,
			None => self.call_here(method, params),
		}
	}

	fn call_here(&self, method: &str, params: Value) -> Result<Value, RpcError> {
		let request = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
		let response: Value = match self.agent.post(&self.url).send_json(request) {
			Ok(response) => response.into_json().map_err(|e| RpcError::Transport(e.to_string()))?,
			// jsonrpsee answers some errors with an HTTP error status and a JSON body.
			Err(ureq::Error::Status(_, response)) => {
				response.into_json().map_err(|e| RpcError::Transport(e.to_string()))?
			}
			Err(e) => return Err(RpcError::Transport(e.to_string())),
		};
		if let Some(error) = response.get("error") {
			return Err(RpcError::Node {
				code: error["code"].as_i64().unwrap_or_default(),
				message: error["message"].as_str().unwrap_or_default().to_string(),
				data: error.get("data").cloned(),
			});
		}
		Ok(response["result"].clone())
	}

	/// The number and hash of the latest finalized block.
	pub fn finalized_head(&self) -> Result<(u32, String), RpcError> {
		let hash = self.call("chain_getFinalizedHead", json!([]))?;
		let hash = hash.as_str().unwrap_or_default().to_string();
		let number = self.header_number(&hash)?;
		Ok((number, hash))
	}

	/// The number of the best (not necessarily final) block.
	pub fn best_number(&self) -> Result<u32, RpcError> {
		let header = self.call("chain_getHeader", json!([]))?;
		parse_number(&header["number"])
	}

	/// The number of the block with this hash.
	pub fn header_number(&self, hash: &str) -> Result<u32, RpcError> {
		let header = self.call("chain_getHeader", json!([hash]))?;
		parse_number(&header["number"])
	}

	/// The hash of the canonical block at `number`, if the node has it.
	pub fn block_hash(&self, number: u32) -> Result<Option<String>, RpcError> {
		let hash = self.call("chain_getBlockHash", json!([number]))?;
		Ok(hash.as_str().map(str::to_string))
	}

	/// How many peers the node is connected to.
	pub fn peers(&self) -> Result<u64, RpcError> {
		Ok(self.call("system_health", json!([]))?["peers"].as_u64().unwrap_or_default())
	}

	/// Submits a SCALE-encoded extrinsic; returns its hash or the pool's refusal.
	pub fn submit_extrinsic(&self, encoded: &[u8]) -> Result<String, RpcError> {
		let hex = format!("0x{}", hex_encode(encoded));
		let hash = self.call("author_submitExtrinsic", json!([hex]))?;
		Ok(hash.as_str().unwrap_or_default().to_string())
	}

	/// The hex-encoded extrinsics of the block with this hash.
	pub fn block_extrinsics(&self, hash: &str) -> Result<Vec<String>, RpcError> {
		let block = self.call("chain_getBlock", json!([hash]))?;
		Ok(block["block"]["extrinsics"]
			.as_array()
			.map(|xts| xts.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
			.unwrap_or_default())
	}
}

impl RpcClient {
	/// The genesis block hash, as raw bytes.
	pub fn genesis_hash(&self) -> Result<[u8; 32], RpcError> {
		let hex = self.block_hash(0)?.ok_or_else(|| RpcError::Transport("no genesis".into()))?;
		let bytes = hex_decode(&hex).map_err(RpcError::Transport)?;
		bytes.try_into().map_err(|_| RpcError::Transport(format!("bad genesis hash {hex}")))
	}

	/// Calls runtime API `method` (e.g. `RegistryApi_standing`) with SCALE-encoded `args`
	/// at the best block; returns the SCALE-encoded result.
	pub fn runtime_call(&self, method: &str, args: &[u8]) -> Result<Vec<u8>, RpcError> {
		self.runtime_call_at(method, args, None)
	}

	/// Calls runtime API `method` at block `at` (the best block if `None`).
	pub fn runtime_call_at(
		&self,
		method: &str,
		args: &[u8],
		at: Option<&str>,
	) -> Result<Vec<u8>, RpcError> {
		let args = format!("0x{}", hex_encode(args));
		let params = match at {
			Some(hash) => json!([method, args, hash]),
			None => json!([method, args]),
		};
		let result = self.call("state_call", params)?;
		hex_decode(result.as_str().unwrap_or_default()).map_err(RpcError::Transport)
	}

	/// The nonce of the account whose 32-byte id is `account` at block `at` (the best
	/// block if `None`), from the runtime's `AccountNonceApi` (a `u32` on ehr-chain).
	pub fn account_nonce(&self, account: &[u8; 32], at: Option<&str>) -> Result<u32, RpcError> {
		let bytes = self.runtime_call_at("AccountNonceApi_account_nonce", account, at)?;
		let bytes: [u8; 4] = bytes
			.as_slice()
			.try_into()
			.map_err(|_| RpcError::Transport(format!("a nonce of {} bytes, not 4", bytes.len())))?;
		Ok(u32::from_le_bytes(bytes))
	}

	/// The header of the block with this hash, as JSON.
	pub fn header(&self, hash: &str) -> Result<Value, RpcError> {
		self.call("chain_getHeader", json!([hash]))
	}

	/// Generates new session keys in the node's keystore, with a proof of ownership for
	/// `owner` (the SCALE-encoded account that will register them); returns (keys, proof).
	pub fn rotate_keys_with_owner(&self, owner: &[u8]) -> Result<(Vec<u8>, Vec<u8>), RpcError> {
		let result =
			self.call("author_rotateKeysWithOwner", json!([format!("0x{}", hex_encode(owner))]))?;
		let field = |name: &str| {
			hex_decode(result[name].as_str().unwrap_or_default()).map_err(RpcError::Transport)
		};
		Ok((field("keys")?, field("proof")?))
	}

	/// The number of the first block from `from` on whose body holds `encoded`, searching
	/// the finalized chain only.
	pub fn find_finalized_extrinsic(
		&self,
		encoded: &[u8],
		from: u32,
	) -> Result<Option<u32>, RpcError> {
		let wanted = format!("0x{}", hex_encode(encoded));
		let (finalized, _) = self.finalized_head()?;
		for number in from..=finalized {
			let Some(hash) = self.block_hash(number)? else { continue };
			if self.block_extrinsics(&hash)?.contains(&wanted) {
				return Ok(Some(number));
			}
		}
		Ok(None)
	}

	/// Submits `encoded` and waits (bounded) until it is in a finalized block; returns
	/// that block's number.
	pub fn submit_and_wait_finalized(
		&self,
		encoded: &[u8],
		timeout: Duration,
	) -> Result<u32, String> {
		let from = self.finalized_head().map_err(|e| e.to_string())?.0 + 1;
		self.submit_extrinsic(encoded).map_err(|e| format!("submission refused: {e}"))?;
		crate::wait_until(
			"the extrinsic to be finalized",
			timeout,
			Duration::from_millis(300),
			|| self.find_finalized_extrinsic(encoded, from).map_err(|e| e.to_string()),
		)
	}
}

fn parse_number(value: &Value) -> Result<u32, RpcError> {
	let text =
		value.as_str().ok_or_else(|| RpcError::Transport(format!("no block number in {value}")))?;
	u32::from_str_radix(text.trim_start_matches("0x"), 16)
		.map_err(|e| RpcError::Transport(format!("bad block number {text}: {e}")))
}

/// The bytes of a base58 string (as libp2p peer ids are written).
pub fn base58_decode(text: &str) -> Result<Vec<u8>, String> {
	bs58::decode(text).into_vec().map_err(|e| format!("`{text}` is not base58: {e}"))
}

/// Bytes of a `0x`-prefixed (or bare) hex string.
pub fn hex_decode(text: &str) -> Result<Vec<u8>, String> {
	let digits = text.strip_prefix("0x").unwrap_or(text);
	hex::decode(digits).map_err(|e| format!("bad hex {text}: {e}"))
}

/// Lower-case hex of `bytes`.
pub fn hex_encode(bytes: &[u8]) -> String {
	hex::encode(bytes)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn base58_peer_ids_decode_to_their_multihash() {
		let bytes = base58_decode("12D3KooWBWxpqS2hSN8yZ4AFvG4HxD7gNHf8JXP5uNUvLckWs7Q6").unwrap();
		assert_eq!(
			hex_encode(&bytes),
			"002408011220\
			 19421b15abf1f6a91f463f774a015c72ace4988dae001606cdc1fb4f9e9475d3"
				.replace(' ', "")
		);
		assert!(base58_decode("0OIl").is_err());
	}
}
