// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Calls drawn from fuzz input by walking the runtime's own type information.
//!
//! Every call of every pallet is reachable without a hand-written list that would fall
//! behind the runtime: [`CallGenerator`] reads `RuntimeCall`'s `scale-info` description and
//! turns input bytes into a SCALE encoding, one choice at a time (which pallet, which call,
//! each argument), then decodes it as the runtime would. A random 32-byte account would
//! never be a member, so values the runtime compares against state come from small pools
//! instead: accounts from the actors, 32-byte values and content ids from a few fixed
//! values, integers mostly small (record, grant and request ids count from 0).

use arbitrary::{Result, Unstructured};
use codec::{Compact, DecodeLimit, Encode};
use ehr_primitives::{records::ContentId, registry::Role};
use ehr_runtime::RuntimeCall;
use scale_info::{form::PortableForm, PortableRegistry, Type, TypeDef, TypeDefPrimitive};

/// Nested calls (sudo, council proposals, recovery) deeper than this are not generated.
const MAX_CALL_DEPTH: u32 = 3;
/// Type nesting beyond which generation gives up (a recursive type with no way out).
const MAX_TYPE_DEPTH: u32 = 48;

/// The values a generated argument of a given kind is drawn from.
pub struct Pools {
	/// Accounts: the actors (see `actors.rs`).
	pub accounts: Vec<[u8; 32]>,
	/// The actors that are members now, with their role.
	pub members: Vec<(Role, [u8; 32])>,
	/// The actors with no standing now (applicants to be, accounts to register).
	pub strangers: Vec<[u8; 32]>,
	/// 32-byte values: actors' keys, hashes of live council proposals, fixed digests.
	pub bytes32: Vec<[u8; 32]>,
}

/// Generates SCALE-encoded runtime calls from fuzz input.
pub struct CallGenerator {
	registry: PortableRegistry,
	call_type: u32,
}

impl Default for CallGenerator {
	fn default() -> Self {
		let mut registry = scale_info::Registry::new();
		let call_type = registry.register_type(&scale_info::meta_type::<RuntimeCall>()).id;
		Self { registry: registry.into(), call_type }
	}
}

impl CallGenerator {
	/// A call drawn from `u`, or `None` when the drawn bytes do not decode (an argument
	/// out of its bounds, say): the runtime would refuse such a transaction undecoded.
	pub fn call(&self, u: &mut Unstructured, pools: &Pools) -> Result<Option<RuntimeCall>> {
		let mut out = Vec::new();
		let mut walk = Walk { registry: &self.registry, pools, out: &mut out, calls: 0 };
		if walk.value(u, self.call_type, None, 0).is_err() {
			return Ok(None);
		}
		Ok(RuntimeCall::decode_all_with_depth_limit(
			frame_support::MAX_EXTRINSIC_DEPTH,
			&mut &out[..],
		)
		.ok())
	}
}

/// The pallets most generated calls go to.
const PREFERRED_PALLETS: [&str; 7] =
	["Registry", "Consent", "Records", "Consortium", "Council", "Recovery", "Sudo"];

/// Calls of `frame_system` never generated: with Root (the bootstrap admin's `sudo`) they
/// write or delete raw storage and code, which breaks any chain on purpose — a crash
/// they cause is no bug of the runtime.
const RAW_SYSTEM_CALLS: [&str; 9] = [
	"set_heap_pages",
	"set_code",
	"set_code_without_checks",
	"set_storage",
	"kill_storage",
	"kill_prefix",
	"authorize_upgrade",
	"authorize_upgrade_without_checks",
	"apply_authorized_upgrade",
];

/// Why a walk stopped without a value.
struct TooDeep;

struct Walk<'a> {
	registry: &'a PortableRegistry,
	pools: &'a Pools,
	out: &'a mut Vec<u8>,
	/// How many `RuntimeCall`s the walk is inside.
	calls: u32,
}

impl Walk<'_> {
	/// A value of type `id`, for an argument or field named `hint` (if any field on the way
	/// down had a name).
	fn value(
		&mut self,
		u: &mut Unstructured,
		id: u32,
		hint: Option<&str>,
		depth: u32,
	) -> core::result::Result<(), TooDeep> {
		if depth > MAX_TYPE_DEPTH {
			return Err(TooDeep);
		}
		let ty = self.registry.resolve(id).ok_or(TooDeep)?;
		let name = ty.path.segments.last().map(String::as_str).unwrap_or("");
		match name {
			"AccountId32" => {
				let account = self.account(u, hint);
				self.out.extend_from_slice(&account);
				return Ok(());
			}
			"H256" => {
				let value = pick(u, &self.pools.bytes32).unwrap_or_else(|| bytes32(u));
				self.out.extend_from_slice(&value);
				return Ok(());
			}
			"ContentId" => {
				// Well formed (of one of the pool's digests) nearly always: a malformed one
				// is refused at once and explores nothing further.
				let cid = if u.ratio(1, 16).unwrap_or(false) {
					let mut raw = [0u8; ehr_primitives::records::CID_LEN];
					u.fill_buffer(&mut raw).ok();
					ContentId(raw)
				} else {
					ContentId::from_sha256(
						pick(u, &self.pools.bytes32).unwrap_or_else(|| bytes32(u)),
					)
				};
				cid.encode_to(self.out);
				return Ok(());
			}
			"RuntimeCall" => return self.call(u, ty, depth),
			_ => {}
		}
		self.def(u, ty, hint, depth)
	}

	fn call(
		&mut self,
		u: &mut Unstructured,
		ty: &Type<PortableForm>,
		depth: u32,
	) -> core::result::Result<(), TooDeep> {
		if self.calls >= MAX_CALL_DEPTH {
			return Err(TooDeep);
		}
		self.calls += 1;
		let result = match &ty.type_def {
			// Most transactions call the pallets of the chain's purpose and its governance;
			// the rest any pallet (system, timestamp, session...: mostly refusals).
			TypeDef::Variant(pallets) if u.ratio(3, 4).unwrap_or(true) => {
				let preferred: Vec<_> = pallets
					.variants
					.iter()
					.filter(|v| PREFERRED_PALLETS.contains(&v.name.as_str()))
					.collect();
				match u.choose(&preferred) {
					Ok(pallet) => {
						self.out.push(pallet.index);
						pallet
							.fields
							.iter()
							.try_for_each(|field| self.value(u, field.ty.id, None, depth + 1))
					}
					Err(_) => self.def(u, ty, None, depth),
				}
			}
			_ => self.def(u, ty, None, depth),
		};
		self.calls -= 1;
		result
	}

	fn def(
		&mut self,
		u: &mut Unstructured,
		ty: &Type<PortableForm>,
		hint: Option<&str>,
		depth: u32,
	) -> core::result::Result<(), TooDeep> {
		let path: Vec<&str> = ty.path.segments.iter().map(String::as_str).collect();
		// A field's own name, else the name of the field it is part of.
		let named = |name: &Option<String>| name.as_deref().or(hint).map(str::to_owned);
		match &ty.type_def {
			TypeDef::Composite(composite) => composite.fields.iter().try_for_each(|field| {
				self.value(u, field.ty.id, named(&field.name).as_deref(), depth + 1)
			}),
			TypeDef::Variant(variant) => {
				let system_call = path == ["frame_system", "pallet", "Call"];
				let variants: Vec<_> = variant
					.variants
					.iter()
					.filter(|v| !(system_call && RAW_SYSTEM_CALLS.contains(&v.name.as_str())))
					.collect();
				if variants.is_empty() {
					return Err(TooDeep);
				}
				let index = u.choose_index(variants.len()).unwrap_or(0);
				let chosen = variants[index];
				self.out.push(chosen.index);
				let fields = chosen.fields.clone();
				fields.iter().try_for_each(|field| {
					self.value(u, field.ty.id, named(&field.name).as_deref(), depth + 1)
				})
			}
			TypeDef::Sequence(sequence) => {
				let element = sequence.type_param.id;
				if self.is_u8(element) {
					let bytes = byte_string(u);
					bytes.encode_to(self.out);
					return Ok(());
				}
				let len = length(u);
				Compact(len as u32).encode_to(self.out);
				(0..len).try_for_each(|_| self.value(u, element, hint, depth + 1))
			}
			TypeDef::Array(array) => {
				let element = array.type_param.id;
				if self.is_u8(element) {
					if array.len == 32 {
						let value = pick(u, &self.pools.bytes32).unwrap_or_else(|| bytes32(u));
						self.out.extend_from_slice(&value);
					} else {
						let mut raw = vec![0u8; array.len as usize];
						u.fill_buffer(&mut raw).ok();
						self.out.extend_from_slice(&raw);
					}
					return Ok(());
				}
				(0..array.len).try_for_each(|_| self.value(u, element, hint, depth + 1))
			}
			TypeDef::Tuple(tuple) => {
				tuple.fields.iter().try_for_each(|field| self.value(u, field.id, hint, depth + 1))
			}
			TypeDef::Primitive(primitive) => {
				primitive_value(u, primitive, self.out);
				Ok(())
			}
			TypeDef::Compact(compact) => {
				// The integer inside: `Compact<()>` (`MultiAddress::Index`) has none and
				// encodes as nothing; a single-field struct compacts its field.
				let mut inner = self.registry.resolve(compact.type_param.id).ok_or(TooDeep)?;
				while let TypeDef::Composite(c) = &inner.type_def {
					let [field] = &c.fields[..] else { break };
					inner = self.registry.resolve(field.ty.id).ok_or(TooDeep)?;
				}
				match &inner.type_def {
					TypeDef::Tuple(t) if t.fields.is_empty() => {}
					TypeDef::Primitive(TypeDefPrimitive::U128) => {
						Compact(integer(u, u128::MAX)).encode_to(self.out)
					}
					TypeDef::Primitive(TypeDefPrimitive::U64) => {
						Compact(integer(u, u64::MAX as u128) as u64).encode_to(self.out)
					}
					TypeDef::Primitive(TypeDefPrimitive::U16) => {
						Compact(integer(u, u16::MAX as u128) as u16).encode_to(self.out)
					}
					TypeDef::Primitive(TypeDefPrimitive::U8) => {
						Compact(integer(u, u8::MAX as u128) as u8).encode_to(self.out)
					}
					_ => Compact(integer(u, u32::MAX as u128) as u32).encode_to(self.out),
				}
				Ok(())
			}
			TypeDef::BitSequence(_) => {
				Compact(0u32).encode_to(self.out);
				Ok(())
			}
		}
	}

	/// An account for an argument named `hint`: mostly one whose standing fits the name
	/// (a `patient` argument: a patient, or someone to register as one), else any actor,
	/// now and then a random one.
	fn account(&self, u: &mut Unstructured, hint: Option<&str>) -> [u8; 32] {
		let roles: &[Role] = match hint.unwrap_or("") {
			"patient" | "lost" | "recovered" | "successor" => &[Role::Patient],
			"grantee" => &[Role::Hospital, Role::Doctor, Role::Insurer],
			"hospital" | "custodian" | "facility" => &[Role::Hospital],
			"doctor" | "author" => &[Role::Doctor],
			"node" => &[Role::Node],
			"insurer" => &[Role::Insurer],
			"admin" => &[Role::Admin],
			_ => &[],
		};
		let fitting: Vec<[u8; 32]> =
			self.pools.members.iter().filter(|(r, _)| roles.contains(r)).map(|(_, a)| *a).collect();
		let choice = match u.int_in_range(0u8..=9).unwrap_or(0) {
			0..=5 => pick(u, &fitting),
			6 | 7 => pick(u, &self.pools.strangers),
			_ => None,
		};
		choice.or_else(|| pick(u, &self.pools.accounts)).unwrap_or_else(|| bytes32(u))
	}

	fn is_u8(&self, id: u32) -> bool {
		self.registry
			.resolve(id)
			.is_some_and(|ty| matches!(ty.type_def, TypeDef::Primitive(TypeDefPrimitive::U8)))
	}
}

/// One of `pool`, mostly; `None` (so: a fresh random value) now and then or if empty.
fn pick<T: Copy>(u: &mut Unstructured, pool: &[T]) -> Option<T> {
	if pool.is_empty() || u.ratio(1, 12).unwrap_or(false) {
		return None;
	}
	u.choose(pool).ok().copied()
}

fn bytes32(u: &mut Unstructured) -> [u8; 32] {
	let mut raw = [0u8; 32];
	u.fill_buffer(&mut raw).ok();
	raw
}

/// A sequence length: mostly 0 to 4 (4 is the escrow holders of the local consortium).
fn length(u: &mut Unstructured) -> usize {
	match u.int_in_range(0u8..=15).unwrap_or(0) {
		0..=11 => u.int_in_range(0..=4).unwrap_or(0),
		12..=14 => u.int_in_range(5..=16).unwrap_or(5),
		_ => u.int_in_range(17..=70).unwrap_or(17),
	}
}

/// A byte string: the sizes wrapped keys, profile references and peer ids have, the
/// bounds around them, and any.
fn byte_string(u: &mut Unstructured) -> Vec<u8> {
	const SIZES: [usize; 10] = [0, 1, 32, 38, 48, 64, 80, 128, 129, 256];
	let len = if u.ratio(3, 4).unwrap_or(true) {
		u.choose(&SIZES).copied().unwrap_or(0)
	} else {
		u.int_in_range(0..=600).unwrap_or(0)
	};
	let mut bytes = vec![0u8; len];
	// The first bytes from the input, the rest a fixed pattern: long strings should not
	// eat the input the next choices need.
	let head = len.min(8);
	u.fill_buffer(&mut bytes[..head]).ok();
	for (i, b) in bytes.iter_mut().enumerate().skip(head) {
		*b = i as u8;
	}
	bytes
}

/// An unsigned integer up to `max`: mostly small (ids count from 0), sometimes a bound.
fn integer(u: &mut Unstructured, max: u128) -> u128 {
	match u.int_in_range(0u8..=9).unwrap_or(0) {
		0..=5 => u.int_in_range(0u128..=8).unwrap_or(0).min(max),
		6 => max,
		7 => max / 2,
		_ => {
			let mut raw = [0u8; 16];
			u.fill_buffer(&mut raw).ok();
			u128::from_le_bytes(raw) % max.saturating_add(1).max(1)
		}
	}
}

fn primitive_value(u: &mut Unstructured, primitive: &TypeDefPrimitive, out: &mut Vec<u8>) {
	match primitive {
		TypeDefPrimitive::Bool => u.arbitrary::<bool>().unwrap_or(false).encode_to(out),
		TypeDefPrimitive::Char => (u.int_in_range(0x20u32..=0x7e).unwrap_or(0x41)).encode_to(out),
		TypeDefPrimitive::Str => {
			let len = u.int_in_range(0usize..=40).unwrap_or(0);
			let text: String = (0..len).map(|i| (b'a' + (i % 26) as u8) as char).collect();
			text.encode_to(out)
		}
		TypeDefPrimitive::U8 => (integer(u, u8::MAX as u128) as u8).encode_to(out),
		TypeDefPrimitive::U16 => (integer(u, u16::MAX as u128) as u16).encode_to(out),
		TypeDefPrimitive::U32 => (integer(u, u32::MAX as u128) as u32).encode_to(out),
		TypeDefPrimitive::U64 => (integer(u, u64::MAX as u128) as u64).encode_to(out),
		TypeDefPrimitive::U128 => integer(u, u128::MAX).encode_to(out),
		TypeDefPrimitive::U256 => {
			let mut raw = [0u8; 32];
			raw[..16].copy_from_slice(&integer(u, u128::MAX).to_le_bytes());
			out.extend_from_slice(&raw)
		}
		TypeDefPrimitive::I8 => (integer(u, u8::MAX as u128) as u8 as i8).encode_to(out),
		TypeDefPrimitive::I16 => (integer(u, u16::MAX as u128) as u16 as i16).encode_to(out),
		TypeDefPrimitive::I32 => (integer(u, u32::MAX as u128) as u32 as i32).encode_to(out),
		TypeDefPrimitive::I64 => (integer(u, u64::MAX as u128) as u64 as i64).encode_to(out),
		TypeDefPrimitive::I128 => (integer(u, u128::MAX) as i128).encode_to(out),
		TypeDefPrimitive::I256 => out.extend_from_slice(&[0u8; 32]),
	}
}
