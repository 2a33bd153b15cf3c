//! The search for a pupil missing in school, as a checklist (the policy of the seed school 001,
//! §12): whoever notices tells the headteacher, the office or the pastoral team at once; the
//! office is the point of contact for the search; classrooms, toilets, changing rooms, the
//! library, outbuildings and the grounds are searched in turn, and the streets around the school
//! by staff carrying a phone; once the searches are done, parents are told that their child
//! cannot be found. Calling the police, and the end (found, where and when, or closed), close the
//! list. Each step is recorded with when it happened and who recorded it.

use rollcall_store::{MissingEntry, MissingStep, StoredMissingAlert};

/// One line of the checklist: a step, and the entries that record it (none while not done).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecklistItem {
    pub step: MissingStep,
    /// What to do, as the checklist says it.
    pub prompt: &'static str,
    pub done: Vec<MissingEntry>,
}

/// What the checklist asks of each step.
fn prompt(step: MissingStep) -> &'static str {
    use rollcall_store::SearchArea::*;
    match step {
        MissingStep::ToldOffice => "Tell the office: it takes every report about the search",
        MissingStep::ToldSafeguardingLead => "Tell the designated safeguarding lead",
        MissingStep::ToldHeadteacher => "Tell the headteacher",
        MissingStep::Searched(Classrooms) => "Search every classroom",
        MissingStep::Searched(Toilets) => "Search the toilets",
        MissingStep::Searched(ChangingRooms) => "Search the changing rooms",
        MissingStep::Searched(Library) => "Search the library",
        MissingStep::Searched(Outbuildings) => "Search any outbuildings",
        MissingStep::Searched(Grounds) => "Search the school grounds",
        MissingStep::Searched(Outside) => {
            "Search the streets around the school (staff take a mobile phone)"
        }
        MissingStep::ParentsCalled => "Call the parents: their child cannot be found in school",
        MissingStep::PoliceCalled => "Call the police (999), and note the reference",
        MissingStep::Found => "Found: where, and when",
        MissingStep::Closed => "Closed without being found at school: say why",
    }
}

/// The checklist of an alert, every step in order with what records it.
pub fn checklist(alert: &StoredMissingAlert) -> Vec<ChecklistItem> {
    MissingStep::ALL
        .into_iter()
        .map(|step| ChecklistItem {
            step,
            prompt: prompt(step),
            done: alert
                .steps
                .iter()
                .filter(|e| e.step == step)
                .cloned()
                .collect(),
        })
        .collect()
}

/// Whether a step needs a note to be recorded: where the pupil was found, why an alert closed.
pub fn note_required(step: MissingStep) -> Option<&'static str> {
    match step {
        MissingStep::Found => Some("say where the pupil was found"),
        MissingStep::Closed => Some("say why the alert is closed"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use rollcall_core::marks::Recorded;
    use rollcall_store::{MissingReport, PupilId};

    use super::*;

    #[test]
    fn the_checklist_has_every_step_once_with_what_recorded_it() {
        let rec = Recorded {
            by: "Pat".into(),
            role: "office".into(),
            at: Utc.with_ymd_and_hms(2025, 7, 8, 10, 0, 0).unwrap(),
        };
        let told = MissingEntry {
            step: MissingStep::ToldHeadteacher,
            at: rec.at,
            note: String::new(),
            recorded: rec.clone(),
        };
        let alert = StoredMissingAlert {
            id: 1,
            report: MissingReport {
                pupil: PupilId(1),
                noticed_at: rec.at,
                noticed_by: "Mr Jones".into(),
                last_seen: "Maths, period 2".into(),
                recorded: rec.clone(),
            },
            steps: vec![told.clone()],
        };
        let list = checklist(&alert);
        assert_eq!(list.len(), MissingStep::ALL.len());
        let head = list
            .iter()
            .find(|i| i.step == MissingStep::ToldHeadteacher)
            .unwrap();
        assert_eq!(head.done, [told]);
        assert!(list
            .iter()
            .filter(|i| i.step != MissingStep::ToldHeadteacher)
            .all(|i| i.done.is_empty()));
    }
}
