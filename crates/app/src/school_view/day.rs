//! The school day on a pupil's record: the times they were signed out this year, and for a
//! traveller child their attendances against the 200 of s444(6).

use chrono::NaiveTime;
use rollcall_core::Date;
use rollcall_store::{
    Collector, DateRange, PupilId, SchoolId, SignOutReason, Store, StoredPupil, StoredTravel,
};

use crate::day::AttendanceStanding;
use crate::error::Result;

use super::{Attribution, Period, Reader};

/// A time the pupil was signed out, as the record shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignOutLine {
    pub date: Date,
    pub out_at: NaiveTime,
    pub back_at: Option<NaiveTime>,
    /// Why and with whom; `None` for a parent, who is shown the times only.
    pub detail: Option<SignOutDetail>,
}

/// What staff see of a sign-out beyond its times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignOutDetail {
    pub reason: SignOutReason,
    pub detail: String,
    pub collector: Collector,
    /// Who signed the pupil out.
    pub recorded: Attribution,
}

/// A traveller child's records and attendances, for staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TravellerView {
    pub standing: AttendanceStanding,
    pub records: Vec<StoredTravel>,
}

/// The pupil's sign-outs in `period`, latest first.
pub(super) fn sign_out_lines(
    store: &mut dyn Store,
    school: SchoolId,
    pupil: PupilId,
    period: Period,
    reader: Reader,
) -> Result<Vec<SignOutLine>> {
    let range = DateRange::between(period.from, period.to);
    let mut lines: Vec<SignOutLine> = store
        .sign_outs(school, range, Some(pupil))?
        .into_iter()
        .map(|s| SignOutLine {
            date: s.out.date,
            out_at: s.out.out_at,
            back_at: s.back.map(|b| b.back_at),
            detail: (reader == Reader::Staff).then(|| SignOutDetail {
                reason: s.out.reason,
                detail: s.out.detail,
                collector: s.out.collector,
                recorded: Attribution::of(s.out.recorded, reader),
            }),
        })
        .collect();
    lines.reverse();
    Ok(lines)
}

/// A pupil's attendances in the twelve months to `today`, when they have a traveller record or
/// a session marked `T` in those months; `None` otherwise.
pub(super) fn traveller_view(
    store: &mut dyn Store,
    school: SchoolId,
    pupil: &StoredPupil,
    today: Date,
) -> Result<Option<TravellerView>> {
    let records = store.travel_records(school, Some(pupil.id))?;
    let standing = crate::cases::day::standing_of(store, school, pupil, today)?;
    if records.is_empty() && standing.traveller_sessions == 0 {
        return Ok(None);
    }
    Ok(Some(TravellerView { standing, records }))
}
