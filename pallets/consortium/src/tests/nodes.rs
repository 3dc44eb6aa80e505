// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `add_node` and `remove_node`.

use crate::{mock::*, Error, Event};
use frame_support::{assert_noop, assert_ok};

#[test]
fn a_hospital_authorizes_and_withdraws_its_own_nodes() {
	new_test_ext(|| {
		assert_ok!(add_node(1, 11));
		assert_eq!(last_event(), Event::NodeAuthorized { hospital: 1, node: node_peer(11) }.into());
		assert!(Consortium::authorized_peers().contains(&node_peer(11)));
		assert_ok!(Consortium::remove_node(RuntimeOrigin::signed(1), node_peer(11)));
		assert_eq!(
			last_event(),
			Event::NodeDeauthorized { hospital: 1, node: node_peer(11) }.into()
		);
		assert!(!Consortium::authorized_peers().contains(&node_peer(11)));
	});
}

#[test]
fn nodes_are_checked() {
	new_test_ext(|| {
		assert_noop!(add_node(DOCTOR, 11), Error::<Test>::NotInConsortium);
		assert_ok!(add_node(1, 11));
		assert_noop!(add_node(2, 11), Error::<Test>::NodeAlreadyAuthorized);
		assert_noop!(add_node(1, 12), Error::<Test>::TooManyNodes);
		assert_noop!(
			Consortium::remove_node(RuntimeOrigin::signed(2), node_peer(11)),
			Error::<Test>::NotNodeOwner
		);
		assert_noop!(
			Consortium::remove_node(RuntimeOrigin::signed(2), peer(99)),
			Error::<Test>::UnknownNode
		);
		assert_noop!(
			Consortium::remove_node(RuntimeOrigin::signed(2), peer(2)),
			Error::<Test>::LastNode
		);
	});
}

#[test]
fn a_hospital_must_hold_the_key_of_the_node_it_authorizes() {
	new_test_ext(|| {
		// Node 11's key agreed to be hospital 1's, not hospital 2's.
		assert_noop!(
			Consortium::add_node(RuntimeOrigin::signed(2), node_peer(11), node_proof(1, 11)),
			Error::<Test>::InvalidNodeKeyProof
		);
		// A made-up node id nobody holds the key of.
		assert_noop!(
			Consortium::add_node(RuntimeOrigin::signed(1), peer(77), [0; 64]),
			Error::<Test>::InvalidNodeKeyProof
		);
		// A peer id that is no Ed25519 key at all (a sha2-256 multihash).
		let mut hashed = vec![0x12, 0x20];
		hashed.extend([5u8; 32]);
		assert_noop!(
			Consortium::add_node(RuntimeOrigin::signed(1), hashed, [0; 64]),
			Error::<Test>::NotEd25519PeerId
		);
		assert!(!Consortium::authorized_peers().contains(&node_peer(11)));
	});
}
