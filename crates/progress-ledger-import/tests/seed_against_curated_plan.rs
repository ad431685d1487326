//! The importer, run on the seed, against the plan curated by hand from the same document
//! (`plans/hefei-2023/plan.toml` of the workspace).

mod common;

use common::{seed_folder, seed_text};
use progress_ledger_core::plan::{IndicatorKind, IndicatorSpec, Plan, load_plan_file};
use progress_ledger_import::import_document;

/// (part, category, task, item number, lead units, cooperating units) of every item.
type Outline = Vec<(u32, u32, u32, Option<u32>, Vec<String>, Vec<String>)>;

fn outline(plan: &Plan) -> Outline {
    plan.categories()
        .flat_map(|(part, category)| {
            category.tasks.iter().flat_map(move |task| {
                task.items.iter().map(move |item| {
                    (
                        part.number,
                        category.number,
                        task.number,
                        item.number,
                        item.lead_units.clone(),
                        item.cooperating_units.clone(),
                    )
                })
            })
        })
        .collect()
}

fn part_titles(plan: &Plan) -> Vec<(u32, String)> {
    plan.parts
        .iter()
        .map(|part| (part.number, part.title.clone()))
        .collect()
}

/// (part number, part title, category number, category title) of every category.
fn category_titles(plan: &Plan) -> Vec<(u32, String, u32, String)> {
    plan.categories()
        .map(|(part, category)| {
            (
                part.number,
                part.title.clone(),
                category.number,
                category.title.clone(),
            )
        })
        .collect()
}

fn task_titles(plan: &Plan) -> Vec<(u32, String)> {
    plan.tasks()
        .map(|task| (task.number, task.title.clone()))
        .collect()
}

fn indicators_by_item(plan: &Plan) -> Vec<(u32, Option<u32>, &[IndicatorSpec])> {
    plan.items()
        .map(|(task, item)| (task.number, item.number, item.indicators.as_slice()))
        .collect()
}

/// The importer, run on the seed, finds the structure of the curated plan exactly, and proposes
/// at least 95% of its targets with the same value, unit and direction (each proposal matched at
/// most once, within the same item), the commitments without a figure included; at least 95% of
/// the numeric targets it drafts are the curated plan's.
#[test]
fn seed_import_agrees_with_the_curated_plan() {
    let path = seed_folder();
    let curated = load_plan_file(&path).unwrap_or_else(|error| {
        panic!("the curated plan {} does not load: {error}", path.display())
    });
    let imported = import_document(&seed_text()).to_plan();

    assert_eq!(part_titles(&imported), part_titles(&curated));
    assert_eq!(category_titles(&imported), category_titles(&curated));
    assert_eq!(task_titles(&imported), task_titles(&curated));
    let (mine, theirs) = (outline(&imported), outline(&curated));
    assert_eq!(mine.len(), theirs.len());
    for (read, expected) in mine.iter().zip(&theirs) {
        assert_eq!(read, expected, "item structure differs");
    }

    let mut total = 0usize;
    let mut matched = 0usize;
    let mut missed = Vec::new();
    let mut drafted = 0usize;
    let mut extra = Vec::new();
    let mut kinds_right = 0usize;
    let mut kinds_wrong = Vec::new();
    for ((task, number, curated_specs), (_, _, proposals)) in indicators_by_item(&curated)
        .into_iter()
        .zip(indicators_by_item(&imported))
    {
        let mut pool: Vec<&IndicatorSpec> = proposals
            .iter()
            .filter(|proposal| {
                proposal.target.is_some() && proposal.kind != IndicatorKind::Milestones
            })
            .collect();
        drafted += pool.len();
        for spec in curated_specs.iter().filter(|spec| spec.target.is_some()) {
            total += 1;
            let hit = pool.iter().position(|proposal| {
                proposal.target == spec.target
                    && proposal.unit == spec.unit
                    && proposal.direction == spec.direction
            });
            match hit {
                Some(index) => {
                    let proposal = pool.remove(index);
                    matched += 1;
                    if proposal.kind == spec.kind {
                        kinds_right += 1;
                    } else {
                        kinds_wrong.push(format!(
                            "task {task} item {number:?}: {:?} for {:?} ({})",
                            proposal.kind, spec.kind, spec.source
                        ));
                    }
                }
                None => missed.push(format!(
                    "task {task} item {number:?}: {} {} {:?} ({})",
                    spec.target
                        .map(|target| target.to_string())
                        .unwrap_or_default(),
                    spec.unit,
                    spec.direction,
                    spec.source
                )),
            }
        }
        extra.extend(pool.iter().map(|proposal| {
            format!(
                "task {task} item {number:?}: {} {} {:?} ({})",
                proposal
                    .target
                    .map(|target| target.to_string())
                    .unwrap_or_default(),
                proposal.unit,
                proposal.direction,
                proposal.source
            )
        }));
    }
    let share = matched as f64 / total as f64;
    println!(
        "importer proposes {matched} of the curated plan's {total} targets with the same value, \
         unit and direction: {:.1}%",
        share * 100.0
    );
    for target in &missed {
        println!("  not proposed: {target}");
    }
    println!(
        "{} of its {drafted} drafted targets are the curated plan's ({:.1}%)",
        drafted - extra.len(),
        (drafted - extra.len()) as f64 / drafted as f64 * 100.0
    );
    for target in &extra {
        println!("  not curated: {target}");
    }
    println!("{kinds_right} of the {matched} found have the curated kind");
    for kind in &kinds_wrong {
        println!("  kind: {kind}");
    }
    assert!(
        share >= 0.95,
        "only {matched}/{total} curated targets proposed: {missed:#?}"
    );
    let precision = (drafted - extra.len()) as f64 / drafted as f64;
    assert!(
        precision >= 0.95,
        "only {} of {drafted} drafted targets are curated: {extra:#?}",
        drafted - extra.len()
    );
}
