//! The figures of a progress view by subject: what restatements compare and change.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use super::math::Schedule;
use super::trace::Subject;
use super::view::ProgressView;

/// The figures of one subject of a view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Figure {
    /// The value (indicators only).
    pub value: Option<Decimal>,
    /// The target in force (indicators only).
    pub target: Option<Decimal>,
    /// Capped completion.
    pub completion: Decimal,
    /// Schedule status (none for the plan).
    pub status: Option<Schedule>,
}

/// The figures of a view: the plan, every part, category, task, item and indicator in it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    /// By subject.
    pub figures: BTreeMap<Subject, Figure>,
}

impl Figures {
    /// The figures of `view`.
    pub fn of(view: &ProgressView) -> Figures {
        let mut figures = BTreeMap::new();
        let node = |completion, status| Figure {
            value: None,
            target: None,
            completion,
            status: Some(status),
        };
        figures.insert(
            Subject::Plan,
            Figure {
                value: None,
                target: None,
                completion: view.completion,
                status: None,
            },
        );
        for part in &view.parts {
            let subject = Subject::Part {
                number: part.number,
            };
            figures.insert(subject, node(part.completion, part.status));
        }
        for category in &view.categories {
            let subject = Subject::Category {
                number: category.number,
            };
            figures.insert(subject, node(category.completion, category.status));
        }
        for task in &view.tasks {
            let subject = Subject::Task {
                number: task.number,
            };
            figures.insert(subject, node(task.completion, task.status));
        }
        for item in &view.items {
            let subject = Subject::Item {
                task: item.task,
                item: item.item,
            };
            figures.insert(subject, node(item.completion, item.status));
        }
        for indicator in &view.indicators {
            let subject = Subject::Indicator {
                id: indicator.id.clone(),
            };
            let figure = Figure {
                value: indicator.value,
                target: indicator.target,
                completion: indicator.completion.capped,
                status: Some(indicator.status),
            };
            figures.insert(subject, figure);
        }
        Figures { figures }
    }
}
