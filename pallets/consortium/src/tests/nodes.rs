//! `add_node` and `remove_node`.

use crate::{mock::*, Error, Event};
use frame_support::{assert_noop, assert_ok};

#[test]
fn a_hospital_authorizes_and_withdraws_its_own_nodes() {
	new_test_ext(|| {
		assert_ok!(Consortium::add_node(RuntimeOrigin::signed(1), peer(11)));
		assert_eq!(last_event(), Event::NodeAuthorized { hospital: 1, node: peer(11) }.into());
		assert!(Consortium::authorized_peers().contains(&peer(11)));
		assert_ok!(Consortium::remove_node(RuntimeOrigin::signed(1), peer(11)));
		assert_eq!(last_event(), Event::NodeDeauthorized { hospital: 1, node: peer(11) }.into());
		assert!(!Consortium::authorized_peers().contains(&peer(11)));
	});
}

#[test]
fn nodes_are_checked() {
	new_test_ext(|| {
		assert_noop!(
			Consortium::add_node(RuntimeOrigin::signed(DOCTOR), peer(11)),
			Error::<Test>::NotInConsortium
		);
		assert_noop!(
			Consortium::add_node(RuntimeOrigin::signed(1), peer(2)),
			Error::<Test>::NodeAlreadyAuthorized
		);
		assert_ok!(Consortium::add_node(RuntimeOrigin::signed(1), peer(11)));
		assert_noop!(
			Consortium::add_node(RuntimeOrigin::signed(1), peer(12)),
			Error::<Test>::TooManyNodes
		);
		assert_noop!(
			Consortium::remove_node(RuntimeOrigin::signed(2), peer(11)),
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
