// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The registry's logic, called by the thin dispatchables in `lib.rs`, by
//! [`CheckMembership`](crate::CheckMembership), by other pallets through
//! [`MemberRegistry`] and by the runtime API.

use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use ehr_primitives::registry::{
	placeholder_encryption_key, placeholder_profile_commitment, verifies, ApplicantRole,
	EncryptionKey, Inability, MemberStatus, ProfileCommitment, RegistrationConsent, Role, Standing,
};
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{EnsureOrigin, UnixTime},
};
use frame_system::pallet_prelude::*;
use sp_runtime::{traits::Zero, DispatchError, DispatchResult};

/// The member record type of a runtime.
pub type MemberOf<T> = MemberInfo<
	<T as frame_system::Config>::AccountId,
	BlockNumberFor<T>,
	<T as Config>::MaxCredentialLen,
>;

impl<T: Config> Pallet<T> {
	/// Now, in milliseconds since the Unix epoch, as the current block's timestamp says.
	pub fn now_ms() -> Moment {
		ehr_primitives::unix_millis(T::Time::now())
	}

	/// Whether `member` may act now, or why not.
	pub(crate) fn inability_of(member: &MemberOf<T>) -> Option<Inability> {
		match member.status {
			MemberStatus::Active => {}
			MemberStatus::Suspended => return Some(Inability::Suspended),
			MemberStatus::Recovered => return Some(Inability::Recovered),
		}
		if let Some(credential) = &member.credential {
			if credential.expires_at <= Self::now_ms() {
				return Some(Inability::CredentialExpired);
			}
		}
		if matches!(member.role, Role::Doctor | Role::Admin | Role::Node) {
			let hospital_active = member
				.hospital
				.as_ref()
				.and_then(Members::<T>::get)
				.is_some_and(|h| h.role == Role::Hospital && h.status == MemberStatus::Active);
			if !hospital_active {
				return Some(Inability::HospitalInactive);
			}
		}
		None
	}

	/// The role of `who` if it may act now, else why not.
	pub fn acting_role(who: &T::AccountId) -> Result<Role, Inability> {
		let member = Members::<T>::get(who).ok_or(Inability::NotRegistered)?;
		match Self::inability_of(&member) {
			None => Ok(member.role),
			Some(inability) => Err(inability),
		}
	}

	/// The hospital `who` may act for now: itself if it is a hospital, its employer if it is
	/// an admin.
	pub fn staff_hospital(who: &T::AccountId) -> Result<T::AccountId, Error<T>> {
		match Self::acting_role(who) {
			Ok(Role::Hospital) => Ok(who.clone()),
			Ok(Role::Admin) => {
				Members::<T>::get(who).and_then(|m| m.hospital).ok_or(Error::<T>::NotHospitalStaff)
			}
			_ => Err(Error::<T>::NotHospitalStaff),
		}
	}

	/// Whether `who` may act for `hospital` now.
	pub fn is_staff_of(who: &T::AccountId, hospital: &T::AccountId) -> bool {
		Self::staff_hospital(who).is_ok_and(|h| &h == hospital)
	}

	/// Who may suspend, reinstate or revoke `member`: the admin origin, or the staff of the
	/// hospital the member belongs to (doctors, admins, patients).
	pub(crate) fn ensure_authority(
		origin: OriginFor<T>,
		member: &T::AccountId,
	) -> Result<Actor<T::AccountId>, DispatchError> {
		let origin = match T::AdminOrigin::try_origin(origin) {
			Ok(_) => return Ok(Actor::Consortium),
			Err(origin) => origin,
		};
		let caller = ensure_signed(origin)?;
		let info = Members::<T>::get(member).ok_or(Error::<T>::NotMember)?;
		let hospital = match info.role {
			Role::Doctor | Role::Admin | Role::Node | Role::Patient => info.hospital,
			Role::Hospital | Role::Insurer => None,
		}
		.ok_or(Error::<T>::NoAuthority)?;
		ensure!(Self::is_staff_of(&caller, &hospital), Error::<T>::NoAuthority);
		Ok(Actor::Member(caller))
	}

	/// Who may remove `member`: as [`Self::ensure_authority`], except that a patient's
	/// membership is the patient's: only the admin origin removes one (staff may suspend).
	pub(crate) fn ensure_removal_authority(
		origin: OriginFor<T>,
		member: &T::AccountId,
	) -> Result<Actor<T::AccountId>, DispatchError> {
		if Members::<T>::get(member).is_some_and(|m| m.role == Role::Patient) {
			T::AdminOrigin::ensure_origin(origin).map_err(|_| Error::<T>::NoAuthority)?;
			return Ok(Actor::Consortium);
		}
		Self::ensure_authority(origin, member)
	}

	/// The genesis block's hash, which binds off-chain signatures to this chain.
	pub(crate) fn genesis_hash() -> T::Hash {
		frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero())
	}

	/// Checks that `proof` is `account`'s signature of its registration as `role` at
	/// `hospital` with these keys, at its next tenure, on this chain.
	pub(crate) fn ensure_registration_proof(
		account: &T::AccountId,
		role: Role,
		hospital: &T::AccountId,
		profile_commitment: &ProfileCommitment,
		encryption_key: &EncryptionKey,
		proof: &T::OffchainSignature,
	) -> Result<(), Error<T>> {
		let consent = RegistrationConsent {
			genesis: Self::genesis_hash(),
			account: account.clone(),
			role,
			hospital: hospital.clone(),
			profile_commitment: *profile_commitment,
			encryption_key: *encryption_key,
			tenure: Tenures::<T>::get(account),
		};
		ensure!(
			verifies(&consent.signing_payload(), proof, account),
			Error::<T>::InvalidRegistrationProof
		);
		Ok(())
	}

	pub(crate) fn ensure_valid_keys(
		profile_commitment: &ProfileCommitment,
		encryption_key: &EncryptionKey,
	) -> Result<(), Error<T>> {
		ensure!(!profile_commitment.is_zero(), Error::<T>::InvalidProfileCommitment);
		ensure!(encryption_key != &[0u8; 32], Error::<T>::InvalidEncryptionKey);
		Ok(())
	}

	pub(crate) fn ensure_no_standing(who: &T::AccountId) -> Result<(), Error<T>> {
		ensure!(!Members::<T>::contains_key(who), Error::<T>::AlreadyMember);
		ensure!(!Applications::<T>::contains_key(who), Error::<T>::ApplicationPending);
		Ok(())
	}

	pub(crate) fn ensure_active_hospital(hospital: &T::AccountId) -> Result<(), Error<T>> {
		let info = Members::<T>::get(hospital).ok_or(Error::<T>::NotHospital)?;
		ensure!(info.role == Role::Hospital, Error::<T>::NotHospital);
		ensure!(Self::inability_of(&info).is_none(), Error::<T>::HospitalInactive);
		Ok(())
	}

	pub(crate) fn credential(
		reference: Vec<u8>,
		expires_at: Moment,
	) -> Result<Credential<T::MaxCredentialLen>, Error<T>> {
		ensure!(!reference.is_empty(), Error::<T>::EmptyCredentialReference);
		let reference: BoundedVec<u8, T::MaxCredentialLen> =
			reference.try_into().map_err(|_| Error::<T>::CredentialReferenceTooLong)?;
		ensure!(expires_at > Self::now_ms(), Error::<T>::CredentialExpiryInPast);
		Ok(Credential { reference, expires_at })
	}

	/// Stores a new member, starts its next tenure and gives it the provider reference that
	/// lets it hold a nonce.
	pub(crate) fn insert_member(who: &T::AccountId, member: MemberOf<T>) -> Result<(), Error<T>> {
		if let (Role::Doctor | Role::Admin | Role::Node, Some(hospital)) =
			(member.role, &member.hospital)
		{
			StaffCount::<T>::try_mutate(hospital, |count| {
				ensure!(*count < T::MaxStaffPerHospital::get(), Error::<T>::TooManyStaff);
				*count = count.saturating_add(1);
				Ok::<_, Error<T>>(())
			})?;
		}
		Members::<T>::insert(who, member);
		let tenure = Tenures::<T>::mutate(who, |tenure| {
			*tenure = tenure.saturating_add(1);
			*tenure
		});
		frame_system::Pallet::<T>::inc_providers(who);
		if tenure == 1 {
			// The account's nonce must outlive its membership: were the account reaped on
			// leaving, it would come back at nonce 0 and every transaction it ever signed
			// could be replayed. One sufficient reference, never dropped, keeps it.
			frame_system::Pallet::<T>::inc_sufficients(who);
		}
		Ok(())
	}

	pub(crate) fn new_member(
		role: Role,
		hospital: Option<T::AccountId>,
		profile_commitment: ProfileCommitment,
		encryption_key: EncryptionKey,
		credential: Option<Credential<T::MaxCredentialLen>>,
	) -> MemberOf<T> {
		MemberInfo {
			role,
			status: MemberStatus::Active,
			hospital,
			profile_commitment,
			encryption_key,
			credential,
			registered_at: frame_system::Pallet::<T>::block_number(),
		}
	}

	/// Removes a member and its provider reference. Fails, changing nothing, if the
	/// account still has consumers (e.g. session keys a validator must purge first).
	pub(crate) fn remove_member(who: &T::AccountId, member: &MemberOf<T>) -> DispatchResult {
		frame_system::Pallet::<T>::dec_providers(who)?;
		Members::<T>::remove(who);
		QuotaUsage::<T>::remove(who);
		if let (Role::Doctor | Role::Admin | Role::Node, Some(hospital)) =
			(member.role, &member.hospital)
		{
			StaffCount::<T>::mutate_exists(hospital, |count| {
				*count = count.map(|c| c.saturating_sub(1)).filter(|c| *c > 0);
			});
		}
		Ok(())
	}

	pub(crate) fn do_register_organisation(
		who: T::AccountId,
		role: Role,
		profile_commitment: ProfileCommitment,
		encryption_key: EncryptionKey,
	) -> DispatchResult {
		Self::ensure_no_standing(&who)?;
		Self::ensure_valid_keys(&profile_commitment, &encryption_key)?;
		Self::insert_member(
			&who,
			Self::new_member(role, None, profile_commitment, encryption_key, None),
		)?;
		Self::deposit_event(match role {
			Role::Hospital => Event::HospitalRegistered { hospital: who },
			_ => Event::InsurerRegistered { insurer: who },
		});
		Ok(())
	}

	/// The caller, if it is a hospital that may act now.
	pub(crate) fn ensure_acting_hospital(hospital: &T::AccountId) -> Result<(), Error<T>> {
		match Self::acting_role(hospital) {
			Ok(Role::Hospital) => Ok(()),
			Err(Inability::Suspended) => Err(Error::<T>::Suspended),
			_ => Err(Error::<T>::NotHospital),
		}
	}

	pub(crate) fn do_appoint_admin(
		hospital: T::AccountId,
		admin: T::AccountId,
		profile_commitment: ProfileCommitment,
		encryption_key: EncryptionKey,
		proof: &T::OffchainSignature,
	) -> DispatchResult {
		Self::ensure_acting_hospital(&hospital)?;
		Self::ensure_no_standing(&admin)?;
		Self::ensure_valid_keys(&profile_commitment, &encryption_key)?;
		Self::ensure_registration_proof(
			&admin,
			Role::Admin,
			&hospital,
			&profile_commitment,
			&encryption_key,
			proof,
		)?;
		Self::insert_member(
			&admin,
			Self::new_member(
				Role::Admin,
				Some(hospital.clone()),
				profile_commitment,
				encryption_key,
				None,
			),
		)?;
		Self::deposit_event(Event::AdminAppointed { admin, hospital });
		Ok(())
	}

	pub(crate) fn do_activate_doctor(
		staff: T::AccountId,
		doctor: T::AccountId,
		credential_reference: Vec<u8>,
		expires_at: Moment,
	) -> DispatchResult {
		let hospital = Self::staff_hospital(&staff)?;
		let application = Self::application_for(&doctor, ApplicantRole::Doctor, &hospital)?;
		let credential = Self::credential(credential_reference, expires_at)?;
		Self::drop_application(&doctor);
		Self::insert_member(
			&doctor,
			Self::new_member(
				Role::Doctor,
				Some(hospital.clone()),
				application.profile_commitment,
				application.encryption_key,
				Some(credential),
			),
		)?;
		Self::deposit_event(Event::DoctorActivated {
			doctor,
			hospital,
			by: staff,
			credential_expires_at: expires_at,
		});
		Ok(())
	}

	pub(crate) fn do_renew_credential(
		staff: T::AccountId,
		doctor: T::AccountId,
		credential_reference: Vec<u8>,
		expires_at: Moment,
	) -> DispatchResult {
		let hospital = Self::staff_hospital(&staff)?;
		let mut member = Members::<T>::get(&doctor).ok_or(Error::<T>::NotMember)?;
		ensure!(member.role == Role::Doctor, Error::<T>::NotDoctor);
		ensure!(member.hospital.as_ref() == Some(&hospital), Error::<T>::NotHospitalStaff);
		member.credential = Some(Self::credential(credential_reference, expires_at)?);
		Members::<T>::insert(&doctor, member);
		Self::deposit_event(Event::CredentialRenewed { doctor, by: staff, expires_at });
		Ok(())
	}

	pub(crate) fn do_activate_patient(
		staff: T::AccountId,
		patient: T::AccountId,
	) -> DispatchResult {
		let hospital = Self::staff_hospital(&staff)?;
		let application = Self::application_for(&patient, ApplicantRole::Patient, &hospital)?;
		Self::drop_application(&patient);
		Self::insert_member(
			&patient,
			Self::new_member(
				Role::Patient,
				Some(hospital.clone()),
				application.profile_commitment,
				application.encryption_key,
				None,
			),
		)?;
		Self::deposit_event(Event::PatientActivated { patient, hospital, by: staff });
		Ok(())
	}

	pub(crate) fn do_register_patient(
		staff: T::AccountId,
		patient: T::AccountId,
		profile_commitment: ProfileCommitment,
		encryption_key: EncryptionKey,
		proof: &T::OffchainSignature,
	) -> DispatchResult {
		let hospital = Self::staff_hospital(&staff)?;
		Self::ensure_no_standing(&patient)?;
		Self::ensure_valid_keys(&profile_commitment, &encryption_key)?;
		Self::ensure_registration_proof(
			&patient,
			Role::Patient,
			&hospital,
			&profile_commitment,
			&encryption_key,
			proof,
		)?;
		Self::insert_member(
			&patient,
			Self::new_member(
				Role::Patient,
				Some(hospital.clone()),
				profile_commitment,
				encryption_key,
				None,
			),
		)?;
		Self::deposit_event(Event::PatientActivated { patient, hospital, by: staff });
		Ok(())
	}

	/// The placeholder keys a node service account is registered with: it holds no
	/// record key and has no profile.
	pub fn node_keys(node: &T::AccountId) -> (ProfileCommitment, EncryptionKey) {
		(placeholder_profile_commitment(node), placeholder_encryption_key(node))
	}

	pub(crate) fn do_appoint_node(
		hospital: T::AccountId,
		node: T::AccountId,
		proof: &T::OffchainSignature,
	) -> DispatchResult {
		Self::ensure_acting_hospital(&hospital)?;
		Self::ensure_no_standing(&node)?;
		let (profile_commitment, encryption_key) = Self::node_keys(&node);
		Self::ensure_registration_proof(
			&node,
			Role::Node,
			&hospital,
			&profile_commitment,
			&encryption_key,
			proof,
		)?;
		Self::insert_member(
			&node,
			Self::new_member(
				Role::Node,
				Some(hospital.clone()),
				profile_commitment,
				encryption_key,
				None,
			),
		)?;
		Self::deposit_event(Event::NodeAppointed { node, hospital });
		Ok(())
	}

	pub(crate) fn do_set_status(
		actor: Actor<T::AccountId>,
		member: T::AccountId,
		status: MemberStatus,
	) -> DispatchResult {
		let mut info = Members::<T>::get(&member).ok_or(Error::<T>::NotMember)?;
		ensure!(info.status != MemberStatus::Recovered, Error::<T>::AccountRecovered);
		match status {
			MemberStatus::Recovered => return Err(Error::<T>::AccountRecovered.into()),
			MemberStatus::Suspended => {
				ensure!(info.status == MemberStatus::Active, Error::<T>::Suspended)
			}
			MemberStatus::Active => {
				ensure!(info.status == MemberStatus::Suspended, Error::<T>::NotSuspended)
			}
		}
		info.status = status;
		Members::<T>::insert(&member, info);
		Self::deposit_event(if status == MemberStatus::Suspended {
			Event::MemberSuspended { member, by: actor }
		} else {
			Event::MemberReinstated { member, by: actor }
		});
		Ok(())
	}

	pub(crate) fn do_revoke(actor: Actor<T::AccountId>, member: T::AccountId) -> DispatchResult {
		let info = Members::<T>::get(&member).ok_or(Error::<T>::NotMember)?;
		if info.role == Role::Hospital {
			ensure!(StaffCount::<T>::get(&member) == 0, Error::<T>::HospitalHasStaff);
		}
		Self::remove_member(&member, &info)?;
		Self::deposit_event(Event::MemberRevoked { member, role: info.role, by: actor });
		Ok(())
	}

	pub(crate) fn do_deregister(patient: T::AccountId) -> DispatchResult {
		let info = Members::<T>::get(&patient).ok_or(Error::<T>::NotMember)?;
		ensure!(info.role == Role::Patient, Error::<T>::NotPatient);
		Self::remove_member(&patient, &info)?;
		Self::deposit_event(Event::PatientDeregistered { patient });
		Ok(())
	}

	pub(crate) fn do_update_profile(
		member: T::AccountId,
		profile_commitment: Option<ProfileCommitment>,
		encryption_key: Option<EncryptionKey>,
	) -> DispatchResult {
		ensure!(
			profile_commitment.is_some() || encryption_key.is_some(),
			Error::<T>::NothingToUpdate
		);
		let mut info = Members::<T>::get(&member).ok_or(Error::<T>::NotMember)?;
		let profile_commitment = profile_commitment.unwrap_or(info.profile_commitment);
		let encryption_key = encryption_key.unwrap_or(info.encryption_key);
		Self::ensure_valid_keys(&profile_commitment, &encryption_key)?;
		info.profile_commitment = profile_commitment;
		info.encryption_key = encryption_key;
		Members::<T>::insert(&member, info);
		Self::deposit_event(Event::ProfileUpdated { member });
		Ok(())
	}

	/// Registers a member directly, checking what the calls would check: for genesis,
	/// and for other pallets' benchmarks.
	pub fn register_member(m: &GenesisMember<T::AccountId>) -> DispatchResult {
		Self::ensure_no_standing(&m.account)?;
		Self::ensure_valid_keys(&m.profile_commitment, &m.encryption_key)?;
		let hospital = match m.role {
			Role::Doctor | Role::Admin | Role::Node => {
				let hospital = m.hospital.clone().ok_or(Error::<T>::NotHospital)?;
				Self::ensure_active_hospital(&hospital)?;
				Some(hospital)
			}
			Role::Patient => m.hospital.clone(),
			Role::Hospital | Role::Insurer => None,
		};
		let credential = match (m.role, m.credential_expires_at) {
			(Role::Doctor, Some(expires_at)) => Some(Credential {
				reference: BoundedVec::truncate_from(b"genesis".to_vec()),
				expires_at,
			}),
			(Role::Doctor, None) => return Err(Error::<T>::EmptyCredentialReference.into()),
			_ => None,
		};
		Self::insert_member(
			&m.account,
			Self::new_member(m.role, hospital, m.profile_commitment, m.encryption_key, credential),
		)?;
		Ok(())
	}

	/// Everything the runtime API reports of `who`.
	pub fn standing(who: &T::AccountId) -> Option<Standing<T::AccountId>> {
		let member = Members::<T>::get(who)?;
		Some(Standing {
			role: member.role,
			status: member.status,
			hospital: member.hospital.clone(),
			encryption_key: member.encryption_key,
			profile_commitment: member.profile_commitment,
			credential_expires_at: member.credential.as_ref().map(|c| c.expires_at),
			inability: Self::inability_of(&member),
		})
	}
}
