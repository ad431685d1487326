//! Who may write what: the ownership rules, in one place.
//!
//! A write is made by an [`Identity`] (a unit with a [`Role`]). [`authorize`] decides whether
//! the identity may record a payload on an indicator of an item, and, for a correction, given
//! who recorded the event it corrects. [`crate::Tracker::record_as`] applies it to every event
//! under the tracker's lock, in the same step as [`crate::projection::Projection::check_with`]
//! and the append, so that nothing can change between the decision and the write.
//!
//! The rules (the server's README shows them as a table, checked by its tests):
//!
//! - An **admin** writes anything: updates of any indicator, corrections of anyone's events,
//!   target revisions, retirements, plan loads.
//! - An **auditor** writes nothing ([`Rule::ReadOnlyRole`]).
//! - A **recorder** of a unit that the item names as lead or cooperating unit (at city level:
//!   not a district, not the district set) records progress, measurements, milestones and
//!   statuses of the item, with or without a district.
//! - A **recorder of a district** (one of the plan's districts) records, on an item that names
//!   the district set (各县(市)区、开发区) or the district itself, only progress and measurements
//!   of its own district: never one of another district ([`Rule::OwnDistrictOnly`]), never one
//!   without a district or a milestone, which are city-level figures
//!   ([`Rule::DistrictFiguresOnly`]), and never an item's status ([`Rule::DistrictNoStatus`]).
//! - Any other recorder writes nothing to the item ([`Rule::NotAUnitOfTheItem`]); the district
//!   set's own name is not a unit (each district records for itself).
//! - A **correction** (a void, with or without a replacement) is made only by the unit that
//!   recorded the corrected event, or by an admin ([`Rule::OwnEventsOnly`]); its replacement
//!   follows the rules of a new update.
//! - Only an admin revises targets, retires indicators and loads plans ([`Rule::AdminOnly`]).
//!
//! Unit names are compared through the plan's aliases (市医疗保障局 is 市医保局).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::event::Payload;
use crate::plan::{DEFAULT_DISTRICT_SET, Item, Plan};

/// What a credential allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Records updates of the items its unit leads or cooperates on (a district: of its own
    /// district), and corrects its own events.
    Recorder,
    /// Reads only.
    Auditor,
    /// Records anything, corrects anyone's events, revises targets, retires indicators and
    /// loads plans.
    Admin,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 3] = [Role::Recorder, Role::Auditor, Role::Admin];

    /// snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Recorder => "recorder",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| format!("unknown role {s:?}: expected recorder, auditor or admin"))
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who is writing: a unit with a role. The unit becomes the actor of every event it records.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Identity {
    unit: String,
    role: Role,
}

impl Identity {
    /// `unit` with `role`.
    pub fn new(unit: impl Into<String>, role: Role) -> Self {
        Self {
            unit: unit.into(),
            role,
        }
    }

    /// An admin of `unit`.
    pub fn admin(unit: impl Into<String>) -> Self {
        Self::new(unit, Role::Admin)
    }

    /// A recorder of `unit`.
    pub fn recorder(unit: impl Into<String>) -> Self {
        Self::new(unit, Role::Recorder)
    }

    /// An auditor of `unit`.
    pub fn auditor(unit: impl Into<String>) -> Self {
        Self::new(unit, Role::Auditor)
    }

    /// The unit: the actor of what it records.
    pub fn unit(&self) -> &str {
        &self.unit
    }

    /// The role.
    pub fn role(&self) -> Role {
        self.role
    }
}

/// The rule a refused write broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// An auditor only reads.
    ReadOnlyRole,
    /// Only an admin revises targets, retires indicators and loads plans.
    AdminOnly,
    /// A recorder writes only to the items its unit leads or cooperates on (a district: the
    /// items that name the district set or the district).
    NotAUnitOfTheItem,
    /// A district's recorder writes only figures of its own district.
    OwnDistrictOnly,
    /// A district's recorder writes only figures that name a district: never a city-level
    /// figure (one without a district, or a milestone).
    DistrictFiguresOnly,
    /// A district's recorder never sets an item's status (a city-level statement).
    DistrictNoStatus,
    /// Only the unit that recorded an event (or an admin) corrects it.
    OwnEventsOnly,
}

impl Rule {
    /// Every rule.
    pub const ALL: [Rule; 7] = [
        Rule::ReadOnlyRole,
        Rule::AdminOnly,
        Rule::NotAUnitOfTheItem,
        Rule::OwnDistrictOnly,
        Rule::DistrictFiguresOnly,
        Rule::DistrictNoStatus,
        Rule::OwnEventsOnly,
    ];

    /// snake_case name, the first words of every refusal's message.
    pub fn code(self) -> &'static str {
        match self {
            Rule::ReadOnlyRole => "read_only_role",
            Rule::AdminOnly => "admin_only",
            Rule::NotAUnitOfTheItem => "not_a_unit_of_the_item",
            Rule::OwnDistrictOnly => "own_district_only",
            Rule::DistrictFiguresOnly => "district_figures_only",
            Rule::DistrictNoStatus => "district_no_status",
            Rule::OwnEventsOnly => "own_events_only",
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// A write the rules refuse: which rule, and a message that names it and the owner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The rule.
    pub rule: Rule,
    /// `"<rule>: <what, and whose it is>"`.
    pub message: String,
}

impl Refusal {
    fn new(rule: Rule, message: impl std::fmt::Display) -> Self {
        Self {
            rule,
            message: format!("{}: {message}", rule.code()),
        }
    }
}

impl From<Refusal> for crate::Error {
    fn from(refusal: Refusal) -> Self {
        crate::Error::Forbidden {
            rule: refusal.rule,
            message: refusal.message,
        }
    }
}

/// Where the write goes: the indicator, its item and its plan.
#[derive(Clone, Copy, Debug)]
pub struct Place<'a> {
    /// The plan.
    pub plan: &'a Plan,
    /// The item the indicator tracks.
    pub item: &'a Item,
    /// The indicator's id.
    pub indicator: &'a str,
}

/// Decides whether `identity` may record `payload` at `place` (`None`: on no known indicator,
/// which only an admin may; the ledger's checks then refuse what does not fit a plan).
/// `recorded_by`: for a correction, the actor of the event it corrects (`None`: not found, which
/// only an admin may correct; the ledger's checks then refuse an unknown event).
pub fn authorize(
    identity: &Identity,
    place: Option<Place<'_>>,
    payload: &Payload,
    recorded_by: Option<&str>,
) -> Result<(), Refusal> {
    let me = identity.unit();
    match identity.role() {
        Role::Admin => return Ok(()),
        Role::Auditor => {
            return Err(Refusal::new(
                Rule::ReadOnlyRole,
                format!("{me} holds an auditor credential, which only reads"),
            ));
        }
        Role::Recorder => {}
    }
    match payload {
        Payload::PlanDefined(_) | Payload::IndicatorDefined { .. } => {
            return Err(Refusal::new(
                Rule::AdminOnly,
                format!("only an admin loads plans, not {me}"),
            ));
        }
        Payload::TargetRevised { .. } => {
            return Err(Refusal::new(
                Rule::AdminOnly,
                format!(
                    "only an admin revises a target, not {me}{}",
                    place.map_or(String::new(), |p| format!(" (indicator {})", p.indicator))
                ),
            ));
        }
        Payload::IndicatorRetired { .. } => {
            return Err(Refusal::new(
                Rule::AdminOnly,
                format!(
                    "only an admin retires an indicator, not {me}{}",
                    place.map_or(String::new(), |p| format!(" (indicator {})", p.indicator))
                ),
            ));
        }
        _ => {}
    }
    let Some(place) = place else {
        // No such indicator: the ledger's check answers unknown_indicator.
        return Ok(());
    };
    let units = Units::of(place.plan);
    let me = units.canonical(me);
    match payload {
        Payload::Corrected {
            corrects,
            replacement,
            ..
        } => {
            let owner = recorded_by.map(|owner| units.canonical(owner));
            if owner != Some(me) {
                return Err(not_own_event(*corrects, recorded_by, me));
            }
            match replacement.as_deref() {
                Some(replacement) => update(&units, me, place, replacement),
                None => Ok(()),
            }
        }
        payload => update(&units, me, place, payload),
    }
}

fn not_own_event(corrects: Uuid, recorded_by: Option<&str>, me: &str) -> Refusal {
    match recorded_by {
        Some(owner) => Refusal::new(
            Rule::OwnEventsOnly,
            format!(
                "event {corrects} was recorded by {owner}; only {owner} or an admin may correct it, not {me}"
            ),
        ),
        None => Refusal::new(
            Rule::OwnEventsOnly,
            format!(
                "who recorded event {corrects} is not known; only an admin may correct it, not {me}"
            ),
        ),
    }
}

/// The rules of a plain update (progress, measurement, milestone, status) by the recorder `me`.
fn update(units: &Units<'_>, me: &str, place: Place<'_>, payload: &Payload) -> Result<(), Refusal> {
    let item = place.item;
    if !unit_writes_to(units, place.plan, item, me) {
        return Err(not_a_unit(units, me, place));
    }
    if !is_district(place.plan, me) {
        return Ok(());
    }
    let city = || owners(units, item);
    let district = match payload {
        Payload::ProgressReported { district, .. } | Payload::MeasurementTaken { district, .. } => {
            district.as_deref()
        }
        Payload::StatusChanged { .. } => {
            return Err(Refusal::new(
                Rule::DistrictNoStatus,
                format!(
                    "{me} records figures of its district; the status of item {} is set by its units at city level: {}",
                    item_name(place),
                    city()
                ),
            ));
        }
        _ => None,
    };
    match district {
        Some(district) if district == me => Ok(()),
        Some(other) => Err(Refusal::new(
            Rule::OwnDistrictOnly,
            format!(
                "{me} records only figures of {me}; figures of {other} are {other}'s, or the item's units' at city level: {}",
                city()
            ),
        )),
        None => Err(Refusal::new(
            Rule::DistrictFiguresOnly,
            format!(
                "{me} records only figures that name its district; a {} without a district on indicator {} is a city-level figure, recorded by the item's units at city level: {}",
                payload.kind_name(),
                place.indicator,
                city()
            ),
        )),
    }
}

/// Whether a recorder of `unit` writes figures to `item` at all: as one of its lead or
/// cooperating units, or as a district of an item that names the district set or the district.
/// (What a district may write there, [`authorize`] decides.) The pages and the progress sheets
/// list a unit's indicators with it.
pub fn writes_to(plan: &Plan, item: &Item, unit: &str) -> bool {
    let units = Units::of(plan);
    let me = units.canonical(unit);
    unit_writes_to(&units, plan, item, me)
}

fn is_district(plan: &Plan, me: &str) -> bool {
    plan.districts.iter().any(|d| d.name == me)
}

fn unit_writes_to(units: &Units<'_>, plan: &Plan, item: &Item, me: &str) -> bool {
    let named = |list: &[String]| list.iter().any(|u| units.canonical(u) == me);
    if !is_district(plan, me) && !units.is_district_set(me) {
        return named(&item.lead_units) || named(&item.cooperating_units);
    }
    is_district(plan, me)
        && item
            .lead_units
            .iter()
            .chain(&item.cooperating_units)
            .any(|u| units.is_district_set(u) || units.canonical(u) == me)
}

fn not_a_unit(units: &Units<'_>, me: &str, place: Place<'_>) -> Refusal {
    Refusal::new(
        Rule::NotAUnitOfTheItem,
        format!(
            "{me} is neither a lead nor a cooperating unit of item {} of indicator {}; its units are {}",
            item_name(place),
            place.indicator,
            owners(units, place.item)
        ),
    )
}

/// `2(1) 扩大普惠托育供给`-like name of the item: its title.
fn item_name(place: Place<'_>) -> String {
    format!("{:?}", place.item.title)
}

/// The units that own an item's city-level figures, for messages.
fn owners(units: &Units<'_>, item: &Item) -> String {
    let list = |names: &[String]| {
        names
            .iter()
            .filter(|u| !units.is_district_set(u))
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("、")
    };
    let lead = list(&item.lead_units);
    let cooperating = list(&item.cooperating_units);
    match (lead.is_empty(), cooperating.is_empty()) {
        (false, false) => format!("{lead} (lead), {cooperating} (cooperating)"),
        (false, true) => format!("{lead} (lead)"),
        (true, false) => format!("{cooperating} (cooperating)"),
        (true, true) => "none at city level".to_owned(),
    }
}

/// The plan's unit names: aliases to canonical names, and the district set's spellings.
struct Units<'a> {
    aliases: HashMap<&'a str, &'a str>,
}

impl<'a> Units<'a> {
    fn of(plan: &'a Plan) -> Self {
        Self {
            aliases: crate::projection::unit_aliases(plan),
        }
    }

    /// The canonical spelling of `name`.
    fn canonical<'n>(&self, name: &'n str) -> &'n str
    where
        'a: 'n,
    {
        let name = name.trim();
        self.aliases.get(name).copied().unwrap_or(name)
    }

    /// Whether `name` is the district set (各县(市)区、开发区 or a spelling of it), which names
    /// every district but is no unit itself.
    fn is_district_set(&self, name: &str) -> bool {
        let name = self.canonical(name);
        name == DEFAULT_DISTRICT_SET
            || (name.starts_with('各') && (name.contains('县') || name.contains('区')))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::hefei_2023;
    use rust_decimal::Decimal;

    fn progress(district: Option<&str>) -> Payload {
        Payload::ProgressReported {
            delta: Decimal::ONE,
            district: district.map(str::to_owned),
        }
    }

    fn decide(
        identity: &Identity,
        plan: &Plan,
        indicator: &str,
        payload: &Payload,
        recorded_by: Option<&str>,
    ) -> Result<(), Rule> {
        let (_, item, spec) = plan
            .indicators()
            .find(|(_, _, spec)| spec.id == indicator)
            .expect("the indicator is in the plan");
        let place = Place {
            plan,
            item,
            indicator: &spec.id,
        };
        authorize(identity, Some(place), payload, recorded_by).map_err(|refusal| {
            assert!(
                refusal.message.starts_with(refusal.rule.code()),
                "{}",
                refusal.message
            );
            refusal.rule
        })
    }

    #[test]
    fn each_role_and_standing_gets_its_rule() {
        let plan = hefei_2023().expect("plan");
        let seats = "t02-1-childcare-seats"; // lead 市卫健委, 市教育局; the district set cooperates
        let status = "t01-3-status"; // lead 市卫健委, 市妇联; the district set cooperates
        let lead = Identity::recorder("市卫健委");
        let district = Identity::recorder("蜀山区");
        let check = |who: &Identity, indicator, payload: &Payload| {
            decide(who, &plan, indicator, payload, None)
        };
        assert_eq!(check(&lead, seats, &progress(None)), Ok(()));
        assert_eq!(check(&lead, seats, &progress(Some("包河区"))), Ok(()));
        assert_eq!(check(&district, seats, &progress(Some("蜀山区"))), Ok(()));
        assert_eq!(
            check(&district, seats, &progress(Some("包河区"))),
            Err(Rule::OwnDistrictOnly)
        );
        assert_eq!(
            check(&district, seats, &progress(None)),
            Err(Rule::DistrictFiguresOnly)
        );
        let done = Payload::StatusChanged {
            status: crate::plan::ItemStatus::Done,
        };
        assert_eq!(check(&district, status, &done), Err(Rule::DistrictNoStatus));
        assert_eq!(
            check(&Identity::recorder("市生态环境局"), seats, &progress(None)),
            Err(Rule::NotAUnitOfTheItem)
        );
        assert_eq!(
            check(
                &Identity::recorder("各县(市)区、开发区"),
                seats,
                &progress(None)
            ),
            Err(Rule::NotAUnitOfTheItem),
            "the district set is not a unit"
        );
        assert_eq!(
            check(&Identity::auditor("市卫健委"), seats, &progress(None)),
            Err(Rule::ReadOnlyRole)
        );
        let revise = Payload::TargetRevised {
            target: Decimal::TEN,
            reason: "动态调整".into(),
        };
        assert_eq!(check(&lead, seats, &revise), Err(Rule::AdminOnly));
        assert_eq!(
            check(&Identity::admin("市政府办公室"), seats, &revise),
            Ok(())
        );
    }

    #[test]
    fn a_correction_is_its_recorders_and_aliases_are_the_same_unit() {
        let plan = hefei_2023().expect("plan");
        let rate = "t01-1-maternal-management-rate"; // lead 市卫健委, cooperating 市妇联
        let void = Payload::Corrected {
            corrects: Uuid::nil(),
            reason: "录入错误".into(),
            replacement: None,
        };
        let women = Identity::recorder("市妇联");
        assert_eq!(
            decide(&women, &plan, rate, &void, Some("市卫健委")),
            Err(Rule::OwnEventsOnly)
        );
        assert_eq!(decide(&women, &plan, rate, &void, Some("市妇联")), Ok(()));
        assert_eq!(
            decide(&women, &plan, rate, &void, None),
            Err(Rule::OwnEventsOnly),
            "an event whose recorder is unknown is only an admin's to correct"
        );
        let shushan = Identity::recorder("蜀山区");
        let moved = Payload::Corrected {
            corrects: Uuid::nil(),
            reason: "区划错误".into(),
            replacement: Some(Box::new(Payload::MeasurementTaken {
                value: Decimal::TEN,
                district: Some("包河区".into()),
            })),
        };
        assert_eq!(
            decide(&shushan, &plan, rate, &moved, Some("蜀山区")),
            Err(Rule::OwnDistrictOnly),
            "a replacement follows the rules of a new update"
        );
        // 市医疗保障局 is an alias of 市医保局.
        let insurance = plan
            .indicators()
            .find(|(_, item, _)| item.lead_units.iter().any(|u| u == "市医保局"))
            .map(|(_, _, spec)| spec.id.clone())
            .expect("an item led by 市医保局");
        assert_eq!(
            decide(
                &Identity::recorder("市医疗保障局"),
                &plan,
                &insurance,
                &void,
                Some("市医保局")
            ),
            Ok(())
        );
    }
}
