//! Keys: rotation by the owner, and recovery by guardians.
//!
//! Rotation: the transaction is signed by the current key (the runtime
//! checks that), and carries a proof of possession of the new key: its
//! signature over `"publica/key/v1\n" || chain_id || "\n" || account hex ||
//! "\n" || new key hex`. From the next transaction on, only the new key signs
//! for the account.
//!
//! Recovery: an account names K-of-N guardians and a delay. A guardian
//! starts a recovery to a new key (with the same proof of possession), other
//! guardians approve; once K have approved and the delay has passed since
//! the K-th approval, any guardian finishes it and the key changes. Until
//! then the owner, with the current key, can veto.

use crate::codes;
use crate::events::IdentityEvent;
use crate::state::{self, Guardians, KeyPeriod, KeyRecord};
use publica_runtime::authz;
use publica_runtime::CallContext;
use publica_types::{AccountId, SignatureBytes, TxError};
use serde::{Deserialize, Serialize};

/// Most guardians.
pub const GUARDIANS_MAX: usize = 10;
/// Longest recovery delay, in blocks.
pub const RECOVERY_DELAY_BLOCKS_MAX: u64 = 10_000_000;

/// A recovery under way.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recovery {
    /// The key the account will get.
    pub new_key: AccountId,
    /// Guardians who approved, the starter first.
    pub approvals: Vec<AccountId>,
    /// Height it started at.
    pub started_height: u64,
    /// Height at which the threshold was reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold_height: Option<u64>,
}

/// State key of an account's recovery.
pub fn recovery_key(account: &AccountId) -> Vec<u8> {
    format!("identity/recovery/{}", account.to_hex()).into_bytes()
}

/// The message a new key signs to prove possession.
pub fn key_proof_message(chain_id: &str, account: &AccountId, new_key: &AccountId) -> Vec<u8> {
    format!(
        "publica/key/v1\n{chain_id}\n{}\n{}",
        account.to_hex(),
        new_key.to_hex()
    )
    .into_bytes()
}

fn check_proof(
    ctx: &CallContext<'_>,
    account: &AccountId,
    new_key: &AccountId,
    proof: &SignatureBytes,
) -> Result<(), TxError> {
    let msg = key_proof_message(&ctx.env().chain_id, account, new_key);
    publica_crypto::verify(new_key, &msg, proof).map_err(|_| {
        TxError::new(
            codes::BAD_KEY_PROOF,
            "the new key's proof of possession does not verify",
        )
    })
}

fn change_key(
    ctx: &mut CallContext<'_>,
    account: &AccountId,
    new_key: AccountId,
    how: &str,
) -> Result<(), TxError> {
    let height = ctx.env().height;
    let mut rec: KeyRecord = ctx.read(&authz::key_key(account)).unwrap_or(KeyRecord {
        key: *account,
        history: vec![KeyPeriod {
            key: *account,
            from_height: 0,
            until_height: None,
        }],
    });
    if rec.key == new_key {
        return Err(TxError::new(
            codes::SAME_KEY,
            "that is already the account's key",
        ));
    }
    if let Some(last) = rec.history.last_mut() {
        last.until_height = Some(height);
    }
    rec.history.push(KeyPeriod {
        key: new_key,
        from_height: height,
        until_height: None,
    });
    rec.key = new_key;
    ctx.write(authz::key_key(account), &rec);
    ctx.emit_event(&IdentityEvent::KeyChanged {
        account: *account,
        key: new_key,
        by: how.to_string(),
    });
    Ok(())
}

/// `rotate_key`: the owner moves to `new_key`.
pub fn rotate(
    ctx: &mut CallContext<'_>,
    new_key: AccountId,
    proof: SignatureBytes,
) -> Result<(), TxError> {
    let me = ctx.signer();
    check_proof(ctx, &me, &new_key, &proof)?;
    change_key(ctx, &me, new_key, "rotation")?;
    // A pending recovery is moot once the owner acts.
    if ctx.contains(&recovery_key(&me)) {
        ctx.delete(recovery_key(&me));
    }
    Ok(())
}

/// `set_guardians`: the owner names guardians, threshold and delay.
pub fn set_guardians(
    ctx: &mut CallContext<'_>,
    mut guardians: Vec<AccountId>,
    threshold: u32,
    delay_blocks: u64,
) -> Result<(), TxError> {
    let me = ctx.signer();
    let n = guardians.len();
    guardians.sort();
    guardians.dedup();
    if n == 0 || n > GUARDIANS_MAX || guardians.len() != n || guardians.contains(&me) {
        return Err(TxError::new(
            codes::INVALID_GUARDIANS,
            format!("1..={GUARDIANS_MAX} distinct guardians other than the account itself"),
        ));
    }
    if threshold == 0 || threshold as usize > n {
        return Err(TxError::new(
            codes::INVALID_THRESHOLD,
            "the threshold must be 1..=number of guardians",
        ));
    }
    if delay_blocks == 0 || delay_blocks > RECOVERY_DELAY_BLOCKS_MAX {
        return Err(publica_types::TxError::new(
            publica_types::codes::CALL_INVALID_ARGS,
            format!("delay_blocks must be 1..={RECOVERY_DELAY_BLOCKS_MAX}"),
        ));
    }
    let g = Guardians {
        guardians,
        threshold,
        delay_blocks,
    };
    ctx.write(state::guardians_key(&me), &g);
    ctx.emit_event(&IdentityEvent::GuardiansSet {
        account: me,
        threshold,
    });
    Ok(())
}

fn guardians_of(ctx: &CallContext<'_>, account: &AccountId) -> Result<Guardians, TxError> {
    let g: Guardians = ctx
        .read(&state::guardians_key(account))
        .ok_or_else(|| TxError::new(codes::NOT_GUARDIAN, "the account has no guardians"))?;
    if !g.guardians.contains(&ctx.signer()) {
        return Err(TxError::new(
            codes::NOT_GUARDIAN,
            "the signer is not a guardian of this account",
        ));
    }
    Ok(g)
}

fn note_threshold(ctx: &CallContext<'_>, r: &mut Recovery, g: &Guardians) {
    if r.threshold_height.is_none() && r.approvals.len() as u32 >= g.threshold {
        r.threshold_height = Some(ctx.env().height);
    }
}

/// `start_recovery`: a guardian proposes a new key for `account`.
pub fn start(
    ctx: &mut CallContext<'_>,
    account: AccountId,
    new_key: AccountId,
    proof: SignatureBytes,
) -> Result<(), TxError> {
    let g = guardians_of(ctx, &account)?;
    if ctx.contains(&recovery_key(&account)) {
        return Err(TxError::new(
            codes::RECOVERY_ACTIVE,
            "a recovery is already under way for this account",
        ));
    }
    check_proof(ctx, &account, &new_key, &proof)?;
    let mut r = Recovery {
        new_key,
        approvals: vec![ctx.signer()],
        started_height: ctx.env().height,
        threshold_height: None,
    };
    note_threshold(ctx, &mut r, &g);
    ctx.write(recovery_key(&account), &r);
    ctx.emit_event(&IdentityEvent::RecoveryStarted {
        account,
        guardian: ctx.signer(),
    });
    Ok(())
}

fn active(ctx: &CallContext<'_>, account: &AccountId) -> Result<Recovery, TxError> {
    ctx.read(&recovery_key(account)).ok_or_else(|| {
        TxError::new(
            codes::NO_RECOVERY,
            "no recovery is under way for this account",
        )
    })
}

/// `approve_recovery`: another guardian agrees.
pub fn approve(ctx: &mut CallContext<'_>, account: AccountId) -> Result<(), TxError> {
    let g = guardians_of(ctx, &account)?;
    let mut r = active(ctx, &account)?;
    if r.approvals.contains(&ctx.signer()) {
        return Err(TxError::new(
            codes::ALREADY_APPROVED,
            "this guardian already approved",
        ));
    }
    r.approvals.push(ctx.signer());
    note_threshold(ctx, &mut r, &g);
    ctx.write(recovery_key(&account), &r);
    ctx.emit_event(&IdentityEvent::RecoveryApproved {
        account,
        guardian: ctx.signer(),
    });
    Ok(())
}

/// `veto_recovery`: the owner, with the current key, cancels it.
pub fn veto(ctx: &mut CallContext<'_>) -> Result<(), TxError> {
    let me = ctx.signer();
    active(ctx, &me)?;
    ctx.delete(recovery_key(&me));
    ctx.emit_event(&IdentityEvent::RecoveryVetoed { account: me });
    Ok(())
}

/// `finish_recovery`: after the threshold and the delay, the key changes.
pub fn finish(ctx: &mut CallContext<'_>, account: AccountId) -> Result<(), TxError> {
    let g = guardians_of(ctx, &account)?;
    let r = active(ctx, &account)?;
    let Some(reached) = r.threshold_height else {
        return Err(TxError::new(
            codes::THRESHOLD_NOT_MET,
            format!(
                "{} of {} guardians approved",
                r.approvals.len(),
                g.threshold
            ),
        ));
    };
    let ready = reached + g.delay_blocks;
    if ctx.env().height < ready {
        return Err(TxError::new(
            codes::RECOVERY_DELAY,
            format!("the owner may veto until height {ready}"),
        ));
    }
    ctx.delete(recovery_key(&account));
    change_key(ctx, &account, r.new_key, "recovery")
}
