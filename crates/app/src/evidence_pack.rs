//! The evidence pack that goes with a penalty notice request to the local authority
//! (casework.md, "Referrals and notifications"): a certified extract of the register over the
//! offence period and the 10 school weeks before it, every mark with who recorded it and every
//! amendment with who made it, the pupil's figures, the parents, and the notices so far.
//!
//! The extract is built by the same functions as `rollcall marks` and `rollcall amendments`
//! ([`crate::reports::marks_table`], [`crate::reports::amendments_table`]), kept to the pupil and
//! the period, so that it matches them row for row.

use chrono::Days;
use rollcall_core::dates::{academic_year, academic_year_start, week_start};
use rollcall_core::marks::Recorded;
use rollcall_core::stats::Counts;
use rollcall_core::{BaseCode, Date, Session};
use rollcall_pdf as pdf;
use rollcall_store::{
    Contact, DateRange, PupilMarkFact, SchoolDetails, SchoolId, Store, StoredNoticeToImprove,
    StoredPenaltyNotice, StoredPupil,
};

use crate::error::Refusal;
use crate::notices;
use crate::registers::{find_pupil, full_name};
use crate::reports::{amendments_table, compute_pupil_stats, marks_table};
use crate::table::Table;

/// School weeks of the register before the offence that the extract shows.
pub const WEEKS_BEFORE: u32 = 10;

/// What a pack is built around.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackBasis {
    /// A penalty notice, by id: its offence.
    Notice(i64),
    /// The latest penalty-threshold finding of the national rule on or before the day.
    Threshold(Date),
}

/// A pupil's evidence pack.
#[derive(Debug, Clone)]
pub struct EvidencePack {
    pub school: SchoolDetails,
    pub pupil: StoredPupil,
    pub parents: Vec<Contact>,
    /// The unauthorised sessions of the offence, and the day the threshold was met (none for a
    /// notice issued by override).
    pub offence: Vec<(Date, Session, BaseCode)>,
    pub threshold_met_on: Option<Date>,
    /// The offence period: its first session's day to the day the threshold was met (or its last
    /// session's day).
    pub offence_period: (Date, Date),
    /// The extract: from the first day of the 10 school weeks before the offence period to its
    /// end.
    pub period: (Date, Date),
    /// The marks of the period, as `rollcall marks` gives them.
    pub marks: Table,
    /// The amendments of the period's marks, as `rollcall amendments` gives them.
    pub amendments: Table,
    /// The year to the end of the offence, and the extract's period.
    pub year: Counts,
    pub extract: Counts,
    pub notices_to_improve: Vec<StoredNoticeToImprove>,
    pub penalty_notices: Vec<StoredPenaltyNotice>,
    pub prepared: Recorded,
}

/// The first day of the `weeks` school weeks for the pupil before the week of `day` (weeks with
/// no school session skipped), or the calendar's first day when it runs out first.
fn weeks_before(
    calendar: &rollcall_core::Calendar,
    pupil: &rollcall_core::Pupil,
    day: Date,
    weeks: u32,
) -> Date {
    let Some((start, _)) = calendar.span() else {
        return day;
    };
    let mut from = week_start(day);
    let mut counted = 0;
    let mut monday = week_start(day);
    while counted < weeks {
        let Some(previous) = monday.checked_sub_days(Days::new(7)) else {
            break;
        };
        if previous < week_start(start) {
            break;
        }
        monday = previous;
        let school_week = (0..7)
            .filter_map(|i| monday.checked_add_days(Days::new(i)))
            .any(|d| {
                Session::BOTH
                    .iter()
                    .any(|s| calendar.is_school_session(d, *s, pupil.year_group))
            });
        if school_week {
            counted += 1;
            from = monday;
        }
    }
    from.max(start)
}

/// Builds the pack for a pupil; refused when there is no offence to build it on.
pub fn evidence_pack(
    store: &mut dyn Store,
    school: SchoolId,
    upn: &str,
    basis: PackBasis,
    prepared: Recorded,
) -> Result<EvidencePack, Refusal> {
    let pupil = find_pupil(store, school, upn)?;
    let details = store
        .schools()?
        .into_iter()
        .find(|s| s.id == school)
        .map(|s| s.details)
        .ok_or_else(|| Refusal::NotFound("the school".into()))?;
    let calendar = store.calendar(school)?;
    let (offence, threshold_met_on) = match basis {
        PackBasis::Notice(id) => {
            let n = notices::find_penalty_notice(store, school, id)?;
            if n.notice.pupil != pupil.id {
                return Err(Refusal::invalid(format!(
                    "penalty notice {id} is not about {} ({})",
                    full_name(&pupil.pupil),
                    pupil.pupil.upn
                )));
            }
            (n.notice.offence, n.notice.finding_date)
        }
        PackBasis::Threshold(on) => {
            let findings = notices::threshold_findings(store, school, &calendar, &pupil, on)?;
            let Some(f) = findings.last() else {
                return Err(Refusal::invalid(format!(
                    "threshold not met: {} has no penalty-threshold finding (10 unauthorised \
                     sessions in 10 school weeks) on or before {on}",
                    full_name(&pupil.pupil)
                )));
            };
            (f.evidence.sessions.clone(), Some(f.date))
        }
    };
    let (Some(first), Some(last)) = (offence.first(), offence.last()) else {
        return Err(Refusal::invalid(
            "the notice names no offence sessions to build an extract on",
        ));
    };
    let offence_period = (first.0, threshold_met_on.unwrap_or(last.0).max(last.0));
    let from = weeks_before(&calendar, &pupil.pupil, offence_period.0, WEEKS_BEFORE);
    let period = (from, offence_period.1);
    let upn = pupil.pupil.upn.to_string();

    let mut marks = marks_table(store, school, DateRange::between(period.0, period.1))?;
    marks.rows.retain(|r| r[0].text() == upn);
    let mut amendments = amendments_table(store, school, Some(&upn))?;
    let (from_text, to_text) = (period.0.to_string(), period.1.to_string());
    amendments.rows.retain(|r| {
        let d = r[1].text();
        d >= from_text && d <= to_text
    });

    let facts: Vec<PupilMarkFact> = store
        .pupil_marks(
            school,
            pupil.id,
            DateRange::between(
                academic_year_start(academic_year(period.0)).min(period.0),
                period.1,
            ),
        )?
        .into_iter()
        .map(|m| PupilMarkFact {
            pupil: m.pupil,
            fact: rollcall_core::MarkFact {
                date: m.date,
                session: m.session,
                code: m.entry.code.base(),
            },
        })
        .collect();
    let counts = |from: Date, to: Date| {
        compute_pupil_stats(&calendar, vec![pupil.clone()], facts.clone(), from, to)
            .into_iter()
            .next()
            .map(|(_, c)| c)
            .unwrap_or_default()
    };
    let year = counts(
        academic_year_start(academic_year(offence_period.1)),
        offence_period.1,
    );
    let extract = counts(period.0, period.1);
    let parents = store
        .contacts(school, pupil.id)?
        .into_iter()
        .filter(Contact::is_parent)
        .collect();
    let notices_to_improve = store.notices_to_improve(school, Some(pupil.id))?;
    let penalty_notices = store.penalty_notices(school, Some(pupil.id))?;
    Ok(EvidencePack {
        school: details,
        pupil,
        parents,
        offence,
        threshold_met_on,
        offence_period,
        period,
        marks,
        amendments,
        year,
        extract,
        notices_to_improve,
        penalty_notices,
        prepared,
    })
}

fn pdf_date(d: Date) -> pdf::Date {
    use chrono::Datelike;
    pdf::Date::new(d.year(), d.month() as u8, d.day() as u8).unwrap_or(pdf::Date {
        year: 1970,
        month: 1,
        day: 1,
    })
}

fn long(d: Date) -> String {
    d.format("%-d %B %Y").to_string()
}

fn pct(c: &Counts) -> String {
    c.attendance_pct()
        .map_or_else(|| "no possible sessions".to_owned(), |p| format!("{p}%"))
}

/// The pack as a printed document.
pub fn pack_document(pack: &EvidencePack) -> pdf::Document {
    use pdf::{Block, Section, Width};
    let p = &pack.pupil.pupil;
    let name = full_name(p);
    let meaning = |code: &str| {
        BaseCode::from_symbol(code.get(..1).unwrap_or(code))
            .map(|c| c.meaning().to_owned())
            .unwrap_or_default()
    };
    let mut register = pdf::Table::new([
        ("Date", Width::Auto),
        ("Session", Width::Auto),
        ("Code", Width::Auto),
        ("Meaning", Width::Share(3)),
        ("Late (min)", Width::Auto),
        ("Recorded by", Width::Share(2)),
        ("Role", Width::Share(1)),
        ("At (UTC)", Width::Share(2)),
    ]);
    for r in &pack.marks.rows {
        let code = r[3].text();
        register = register.row([
            r[1].text(),
            r[2].text(),
            code.clone(),
            meaning(&code),
            r[4].text(),
            r[5].text(),
            r[6].text(),
            r[7].text(),
        ]);
    }
    let mut changes = pdf::Table::new([
        ("Date", Width::Auto),
        ("Session", Width::Auto),
        ("Was", Width::Auto),
        ("Recorded by", Width::Share(2)),
        ("Became", Width::Auto),
        ("Reason", Width::Share(3)),
        ("Changed by", Width::Share(2)),
        ("At (UTC)", Width::Share(2)),
    ]);
    for r in &pack.amendments.rows {
        changes = changes.row([
            r[1].text(),
            r[2].text(),
            r[3].text(),
            format!("{} ({})", r[5].text(), r[6].text()),
            r[8].text(),
            r[10].text(),
            format!("{} ({})", r[11].text(), r[12].text()),
            r[13].text(),
        ]);
    }
    let offence: Vec<String> = pack
        .offence
        .iter()
        .map(|(d, s, c)| {
            format!(
                "{} {} — {} {}",
                d.format("%a %-d %b %Y"),
                s,
                c.symbol(),
                c.meaning()
            )
        })
        .collect();
    let notices: Vec<String> = pack
        .notices_to_improve
        .iter()
        .map(|n| {
            format!(
                "Notice to improve issued {} to {}: period {} to {}{}",
                long(n.notice.issued_on),
                n.notice.contact,
                long(n.notice.period_start),
                long(n.notice.period_end),
                n.outcome.as_ref().map_or(String::new(), |o| format!(
                    "; outcome confirmed {}: {}",
                    long(o.on),
                    if o.met {
                        "improved enough"
                    } else {
                        "not improved enough"
                    }
                ))
            )
        })
        .chain(pack.penalty_notices.iter().map(|n| {
            format!(
                "Penalty notice {} issued {} to {} (notice {} of the parent's), {}",
                n.id,
                long(n.notice.issued_on),
                n.notice.contact,
                n.notice.sequence,
                n.status()
            )
        }))
        .collect();
    let sections = vec![
        Section {
            heading: "The pupil".into(),
            blocks: vec![Block::key_values([
                ("Name".to_owned(), name.clone()),
                ("UPN".to_owned(), p.upn.to_string()),
                ("Date of birth".to_owned(), long(p.dob)),
                (
                    "Compulsory school age".to_owned(),
                    format!(
                        "{} to {}",
                        long(p.compulsory_school_age().0),
                        long(p.compulsory_school_age().1)
                    ),
                ),
                ("Year group".to_owned(), p.year_group.to_string()),
                ("Form".to_owned(), p.form.clone().unwrap_or_default()),
                ("On roll since".to_owned(), long(p.admission_date)),
            ])],
        },
        Section {
            heading: "Parents".into(),
            blocks: vec![Block::bullets(pack.parents.iter().map(|c| {
                format!(
                    "{} ({}){}{}{}",
                    c.name(),
                    c.relationship,
                    if c.parental_responsibility { ", parental responsibility" } else { "" },
                    if c.lives_with { ", lives with the pupil" } else { "" },
                    c.address.as_deref().map(|a| format!(": {a}")).unwrap_or_default()
                )
            }))],
        },
        Section {
            heading: "The offence".into(),
            blocks: vec![
                Block::paragraph(match pack.threshold_met_on {
                    Some(d) => format!(
                        "The national threshold for a penalty notice (10 unauthorised sessions in \
                         10 school weeks) was met on {}, by these {} sessions:",
                        long(d),
                        pack.offence.len()
                    ),
                    None => format!(
                        "Issued below the national threshold by an authorised officer's override, \
                         for these {} unauthorised sessions:",
                        pack.offence.len()
                    ),
                }),
                Block::bullets(offence),
            ],
        },
        Section {
            heading: "Attendance".into(),
            blocks: vec![Block::key_values([
                (
                    format!("Academic year to {}", long(pack.offence_period.1)),
                    format!(
                        "{} ({} of {} possible sessions attended; {} unauthorised)",
                        pct(&pack.year),
                        pack.year.present + pack.year.aea,
                        pack.year.possible,
                        pack.year.unauthorised
                    ),
                ),
                (
                    format!("{} to {}", long(pack.period.0), long(pack.period.1)),
                    format!(
                        "{} ({} of {} possible sessions attended; {} unauthorised)",
                        pct(&pack.extract),
                        pack.extract.present + pack.extract.aea,
                        pack.extract.possible,
                        pack.extract.unauthorised
                    ),
                ),
            ])],
        },
        Section {
            heading: format!(
                "Register extract, {} to {} ({} marks)",
                long(pack.period.0),
                long(pack.period.1),
                pack.marks.rows.len()
            ),
            blocks: vec![
                Block::paragraph(format!(
                    "Every mark of the offence period and the {WEEKS_BEFORE} school weeks before \
                     it, as the register stands, with who recorded it and when."
                )),
                Block::Table(register),
            ],
        },
        Section {
            heading: format!("Amendments in the period ({})", pack.amendments.rows.len()),
            blocks: if pack.amendments.rows.is_empty() {
                vec![Block::paragraph("No mark of the period has been changed.")]
            } else {
                vec![Block::Table(changes)]
            },
        },
        Section {
            heading: "Notices".into(),
            blocks: if notices.is_empty() {
                vec![Block::paragraph("No notice has been issued for this pupil.")]
            } else {
                vec![Block::bullets(notices)]
            },
        },
        Section {
            heading: "Certificate".into(),
            blocks: vec![
                Block::paragraph(format!(
                    "I certify that this is a true extract of the attendance register of {} for {}.",
                    pack.school.name, name
                )),
                Block::Signature {
                    signatory: pdf::Signatory {
                        name: pack.prepared.by.clone(),
                        role: pack.prepared.role.clone(),
                    },
                    dated: true,
                },
            ],
        },
    ];
    let at = rollcall_core::dates::school_time(pack.prepared.at);
    pdf::Document {
        title: format!("Evidence pack: {name}"),
        date: pdf_date(at.date()),
        kind: pdf::Kind::Report(pdf::Report {
            title: "Penalty notice request: evidence pack".into(),
            subtitle: Some(format!("{name}, UPN {}", p.upn)),
            stamp: format!(
                "Prepared from the register of {} on {} at {} by {} ({})",
                pack.school.name,
                long(at.date()),
                at.format("%H:%M"),
                pack.prepared.by,
                pack.prepared.role
            ),
            sections,
            footer: format!(
                "Certified a true extract of the attendance register of {}",
                pack.school.name
            ),
        }),
    }
}

/// The pack as PDF.
pub fn pack_pdf(pack: &EvidencePack) -> Result<Vec<u8>, Refusal> {
    pdf::render_one(&pack_document(pack))
        .map_err(|e| Refusal::Internal(format!("the evidence pack could not be typeset: {e}")))
}
