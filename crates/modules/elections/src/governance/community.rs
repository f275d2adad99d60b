//! Communities, their members and delegations. A community is an
//! agency's electorate for local decisions (a neighbourhood, a city): its
//! election officers create it and enrol its members; members delegate
//! per topic, transitively, revocably; a delegation that would close a
//! cycle, or to oneself, is refused, so the chains are always finite.

use super::codes::GovernanceRejection as R;
use super::events::GovernanceEvent;
use super::model::{
    community_key, delegation_key, member_at_key, member_key, treasury_program, Community,
    Delegation, Member, ENROL_MAX, MEMBERS_MAX, TOPICS_MAX,
};
use crate::model::valid_id;
use publica_money::interface as money;
use publica_runtime::{CallContext, Rejections};
use publica_types::{AccountId, TxError};
use serde::Deserialize;

/// `governance.create_community`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateArgs {
    /// The agency (its election officer signs).
    pub agency: String,
    /// The community's id.
    pub id: String,
    /// Its title (a reference).
    pub title: String,
    /// Its topics.
    pub topics: Vec<String>,
    /// The treasury: a money account of program `governance:<id>`.
    pub account: String,
    /// The treasury's currency.
    pub currency: String,
}

/// `governance.enrol`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolArgs {
    /// The agency.
    pub agency: String,
    /// The community.
    pub community: String,
    /// The accounts enrolled.
    #[serde(deserialize_with = "publica_crypto::key::many")]
    pub members: Vec<AccountId>,
}

/// `governance.unenrol`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnenrolArgs {
    /// The agency.
    pub agency: String,
    /// The community.
    pub community: String,
    /// The account removed.
    #[serde(deserialize_with = "publica_crypto::key::one")]
    pub member: AccountId,
}

/// `governance.delegate`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DelegateArgs {
    /// The agency.
    pub agency: String,
    /// The community.
    pub community: String,
    /// The topic.
    pub topic: String,
    /// The delegate (a member).
    #[serde(deserialize_with = "publica_crypto::key::one")]
    pub to: AccountId,
}

/// `governance.undelegate`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UndelegateArgs {
    /// The agency.
    pub agency: String,
    /// The community.
    pub community: String,
    /// The topic.
    pub topic: String,
}

pub(crate) fn bad(msg: impl Into<String>) -> TxError {
    R::InvalidField.err(msg)
}

/// The community `id` of `agency`.
pub fn load(ctx: &CallContext<'_>, agency: &str, id: &str) -> Result<Community, TxError> {
    if !valid_id(id) {
        return Err(bad("a community id is 1..=64 of [a-z0-9_-]"));
    }
    ctx.read(&community_key(agency, id))
        .ok_or_else(|| R::UnknownCommunity.err(format!("'{agency}' has no community '{id}'")))
}

/// Whether `account` is a member of `c`.
pub fn is_member(ctx: &CallContext<'_>, c: &Community, account: &AccountId) -> bool {
    ctx.contains(&member_key(&c.agency, &c.id, account))
}

/// Refuses unless `account` is a member of `c`.
pub fn member(ctx: &CallContext<'_>, c: &Community, account: &AccountId) -> Result<(), TxError> {
    if is_member(ctx, c, account) {
        Ok(())
    } else {
        Err(R::NotAMember.err(format!(
            "{} is not a member of '{}'",
            account.to_hex(),
            c.id
        )))
    }
}

/// Refuses unless `topic` is one of `c`'s.
pub fn topic(c: &Community, topic: &str) -> Result<(), TxError> {
    if c.topics.iter().any(|t| t == topic) {
        Ok(())
    } else {
        Err(R::UnknownTopic.err(format!("'{}' has no topic '{topic}'", c.id)))
    }
}

/// `governance.create_community`.
pub fn create(ctx: &mut CallContext<'_>, a: CreateArgs) -> Result<(), TxError> {
    if !valid_id(&a.id) {
        return Err(bad("a community id is 1..=64 of [a-z0-9_-]"));
    }
    crate::reference(&a.title, "title").map_err(|e| bad(e.message))?;
    if a.topics.is_empty() || a.topics.len() > TOPICS_MAX {
        return Err(bad(format!("a community has 1..={TOPICS_MAX} topics")));
    }
    for (i, t) in a.topics.iter().enumerate() {
        if !valid_id(t) || a.topics[..i].contains(t) {
            return Err(bad(format!(
                "topic '{t}': topics are distinct ids of 1..=64 [a-z0-9_-]"
            )));
        }
    }
    if ctx.contains(&community_key(&a.agency, &a.id)) {
        return Err(R::CommunityExists.err(format!("'{}' has a community '{}'", a.agency, a.id)));
    }
    money::program_account(
        ctx,
        &a.account,
        &a.agency,
        &treasury_program(&a.id),
        &a.currency,
    )?;
    let c = Community {
        agency: a.agency,
        id: a.id,
        title: a.title,
        topics: a.topics,
        account: a.account,
        currency: a.currency,
        members: 0,
        height: ctx.env().height,
    };
    ctx.write(community_key(&c.agency, &c.id), &c);
    ctx.emit_event(&GovernanceEvent::CommunityCreated {
        agency: c.agency,
        community: c.id,
    });
    Ok(())
}

/// `governance.enrol`.
pub fn enrol(ctx: &mut CallContext<'_>, a: EnrolArgs) -> Result<(), TxError> {
    let mut c = load(ctx, &a.agency, &a.community)?;
    if a.members.is_empty() || a.members.len() > ENROL_MAX {
        return Err(bad(format!("members: 1..={ENROL_MAX} accounts per call")));
    }
    if c.members + a.members.len() as u64 > MEMBERS_MAX {
        return Err(bad(format!(
            "a community has at most {MEMBERS_MAX} members"
        )));
    }
    let height = ctx.env().height;
    for m in &a.members {
        if is_member(ctx, &c, m) {
            return Err(R::AlreadyMember.err(format!(
                "{} is a member of '{}' already",
                m.to_hex(),
                c.id
            )));
        }
        ctx.write(
            member_key(&c.agency, &c.id, m),
            &Member {
                n: c.members,
                height,
            },
        );
        ctx.write(member_at_key(&c.agency, &c.id, c.members), m);
        c.members += 1;
    }
    ctx.write(community_key(&c.agency, &c.id), &c);
    ctx.emit_event(&GovernanceEvent::Enrolled {
        agency: c.agency,
        community: c.id,
        members: a.members,
    });
    Ok(())
}

/// `governance.unenrol`: the last member takes the leaver's number. The
/// leaver's delegations stay on record but carry nothing (only members
/// are counted); delegations to them stop there.
pub fn unenrol(ctx: &mut CallContext<'_>, a: UnenrolArgs) -> Result<(), TxError> {
    let mut c = load(ctx, &a.agency, &a.community)?;
    let key = member_key(&c.agency, &c.id, &a.member);
    let gone: Member = ctx.read(&key).ok_or_else(|| {
        R::NotAMember.err(format!(
            "{} is not a member of '{}'",
            a.member.to_hex(),
            c.id
        ))
    })?;
    let last = c.members - 1;
    if gone.n != last {
        let moved: AccountId = ctx
            .read(&member_at_key(&c.agency, &c.id, last))
            .expect("members are numbered densely");
        let mk = member_key(&c.agency, &c.id, &moved);
        let mut m: Member = ctx.read(&mk).expect("a numbered member is a member");
        m.n = gone.n;
        ctx.write(mk, &m);
        ctx.write(member_at_key(&c.agency, &c.id, gone.n), &moved);
    }
    ctx.delete(member_at_key(&c.agency, &c.id, last));
    ctx.delete(key);
    c.members = last;
    ctx.write(community_key(&c.agency, &c.id), &c);
    ctx.emit_event(&GovernanceEvent::Unenrolled {
        agency: c.agency,
        community: c.id,
        member: a.member,
    });
    Ok(())
}

/// The delegation of `from` on `topic`, if any.
pub fn delegation_of(
    ctx: &CallContext<'_>,
    c: &Community,
    topic: &str,
    from: &AccountId,
) -> Option<Delegation> {
    ctx.read(&delegation_key(&c.agency, &c.id, topic, from))
}

/// `governance.delegate`: replaces the signer's delegation on the topic.
pub fn delegate(ctx: &mut CallContext<'_>, a: DelegateArgs) -> Result<(), TxError> {
    let c = load(ctx, &a.agency, &a.community)?;
    topic(&c, &a.topic)?;
    let from = ctx.signer();
    member(ctx, &c, &from)?;
    if a.to == from {
        return Err(R::SelfDelegation.err("a member cannot delegate to themselves"));
    }
    member(ctx, &c, &a.to)?;
    // Follow the delegate's chain: reaching the signer would close a
    // cycle. Chains are finite (no cycle was ever let in), and at most
    // as long as the community is large.
    let mut chain = vec![a.to];
    let mut cur = a.to;
    while let Some(d) = delegation_of(ctx, &c, &a.topic, &cur) {
        if d.to == from {
            let names: Vec<String> = chain.iter().map(|x| x.to_hex()[..8].to_string()).collect();
            return Err(R::DelegationCycle.err(format!(
                "{} → {} → back to the signer on '{}'",
                &from.to_hex()[..8],
                names.join(" → "),
                a.topic
            )));
        }
        if chain.len() as u64 > c.members {
            break;
        }
        chain.push(d.to);
        cur = d.to;
    }
    let d = Delegation {
        to: a.to,
        height: ctx.env().height,
    };
    ctx.write(delegation_key(&c.agency, &c.id, &a.topic, &from), &d);
    ctx.emit_event(&GovernanceEvent::Delegated {
        agency: c.agency,
        community: c.id,
        topic: a.topic,
        from,
        to: a.to,
    });
    Ok(())
}

/// `governance.undelegate`.
pub fn undelegate(ctx: &mut CallContext<'_>, a: UndelegateArgs) -> Result<(), TxError> {
    let c = load(ctx, &a.agency, &a.community)?;
    topic(&c, &a.topic)?;
    let from = ctx.signer();
    let key = delegation_key(&c.agency, &c.id, &a.topic, &from);
    if !ctx.contains(&key) {
        return Err(R::NoDelegation.err(format!("no delegation on '{}' to revoke", a.topic)));
    }
    ctx.delete(key);
    ctx.emit_event(&GovernanceEvent::Undelegated {
        agency: c.agency,
        community: c.id,
        topic: a.topic,
        from,
    });
    Ok(())
}
