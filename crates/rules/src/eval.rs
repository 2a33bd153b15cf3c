//! The evaluation itself: every finding of every rule up to an as-of date.
//!
//! The school sessions, school days, school weeks and half terms of each year group are worked
//! out once ([`YearGrid`]); each pupil's marks are then filtered once into a scratch buffer that is
//! reused from pupil to pupil, and each rule walks that buffer once. Nothing is allocated per
//! session; only findings allocate.

use std::collections::HashMap;

use chrono::Days;
use rollcall_core::dates::{academic_year, academic_year_start, week_start};
use rollcall_core::stats::{pupil_counts, Counts, Percent};
use rollcall_core::{
    BaseCode, Calendar, Category, Date, MarkFact, Pupil, Session, SessionGrid, YearGroup,
};

use crate::finding::{Evidence, Finding};
use crate::policy::{Band, LocalPenalty, Period, Policy};
use crate::rule::Rule;

/// One pupil's register as the rules read it.
#[derive(Debug, Clone, Copy)]
pub struct PupilRecord<'a> {
    /// The pupil's UPN, as findings carry it.
    pub key: &'a str,
    pub pupil: &'a Pupil,
    /// The marks as they stand (amendments applied), sorted by (date, session), one per session.
    /// Marks outside the pupil's time on roll or on a session that is not a school session for
    /// them are ignored; unsorted input is sorted (keeping the first of duplicates).
    pub marks: &'a [MarkFact],
}

/// Every finding up to and including `as_of`, over the whole history given, sorted by date, then
/// UPN, then rule name. Marks after `as_of` are ignored.
///
/// Findings of earlier academic years are included (filter with
/// [`Finding::in_academic_year_of`]), and so are the rules the interchange does not list (filter
/// with [`Rule::in_interchange`]). The policy is expected to be valid ([`Policy::validate`]); an
/// invalid one never loosens a statutory rule here either.
pub fn evaluate(
    calendar: &Calendar,
    pupils: &[PupilRecord<'_>],
    policy: &Policy,
    as_of: Date,
) -> Vec<Finding> {
    let Some(earliest) = pupils.iter().map(|r| r.pupil.admission_date).min() else {
        return Vec::new();
    };
    // Only the dates the calendar speaks of, from the first admission to as_of, can hold a school
    // session that matters.
    let (from, to) = match calendar.span() {
        Some((start, end)) => (start.max(earliest), end.min(as_of)),
        None => (as_of, as_of),
    };
    let ctx = Ctx::new(calendar, policy, as_of);
    let mut grids: HashMap<YearGroup, YearGrid> = HashMap::new();
    let mut scratch = Scratch::default();
    let mut out = Vec::new();
    for rec in pupils {
        let grid = grids
            .entry(rec.pupil.year_group)
            .or_insert_with(|| YearGrid::new(calendar, rec.pupil.year_group, from, to));
        scratch.load(rec, grid, as_of);
        let p = PupilCtx {
            upn: rec.key,
            pupil: rec.pupil,
            grid,
            entries: &scratch.entries,
        };
        ctx.evaluate_pupil(&p, &mut scratch.indices, &mut scratch.facts, &mut out);
    }
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out
}

/// A mark on a school session of the pupil, on roll, up to as_of.
#[derive(Debug, Clone, Copy)]
struct Entry {
    date: Date,
    session: Session,
    code: BaseCode,
    /// Index of the date in the year group's grid.
    day: u32,
}

impl Entry {
    fn day(&self) -> usize {
        self.day as usize
    }

    fn key(&self) -> (Date, Session) {
        (self.date, self.session)
    }

    fn triple(&self) -> (Date, Session, BaseCode) {
        (self.date, self.session, self.code)
    }
}

/// Buffers reused from pupil to pupil.
#[derive(Default)]
struct Scratch {
    entries: Vec<Entry>,
    indices: Vec<u32>,
    facts: Vec<MarkFact>,
}

impl Scratch {
    fn load(&mut self, rec: &PupilRecord<'_>, grid: &YearGrid, as_of: Date) {
        self.entries.clear();
        for m in rec.marks {
            if m.date > as_of || !rec.pupil.on_roll(m.date) {
                continue;
            }
            let Some(day) = grid.index(m.date) else {
                continue;
            };
            if grid.bits[day] & (1 << m.session.index()) == 0 {
                continue;
            }
            self.entries.push(Entry {
                date: m.date,
                session: m.session,
                code: m.code,
                day: u32::try_from(day).unwrap_or(u32::MAX),
            });
        }
        if !self.entries.windows(2).all(|w| w[0].key() < w[1].key()) {
            self.entries.sort_by_key(Entry::key);
            self.entries.dedup_by_key(|e| e.key());
        }
    }
}

const NO_HALF_TERM: u32 = u32::MAX;

/// The school sessions of one year group over the evaluated dates, with the school days, school
/// weeks and half terms they fall in.
///
/// A pupil's time on roll is one run of dates, so the pupil's school days and school weeks are a
/// contiguous stretch of the year group's: counting school weeks between two of the pupil's
/// sessions on the year group's list counts the pupil's own school weeks.
struct YearGrid {
    start: Date,
    /// The last date of the grid; `None` when it is empty.
    end: Option<Date>,
    /// Per day: bit 0 when AM is a school session, bit 1 for PM.
    bits: Vec<u8>,
    /// Per day: school days before it (for a school day, its index in `school_days`).
    day_ord: Vec<u32>,
    /// Per day: school weeks before its week (for a day of a school week, its index in
    /// `week_mondays`).
    week_ord: Vec<u32>,
    /// Per day: index of its half term in the calendar, or `NO_HALF_TERM`.
    half_term: Vec<u32>,
    school_days: Vec<Date>,
    week_mondays: Vec<Date>,
    /// The core's grid, for the year-to-date statistics.
    grid: SessionGrid,
}

impl YearGrid {
    fn new(calendar: &Calendar, year_group: YearGroup, from: Date, to: Date) -> YearGrid {
        let grid = calendar.grid(year_group, from, to);
        let days = usize::try_from((to - from).num_days() + 1).unwrap_or(0);
        let half_terms = calendar.half_terms();
        let mut g = YearGrid {
            start: from,
            end: None,
            bits: Vec::with_capacity(days),
            day_ord: Vec::with_capacity(days),
            week_ord: Vec::with_capacity(days),
            half_term: Vec::with_capacity(days),
            school_days: Vec::new(),
            week_mondays: Vec::new(),
            grid,
        };
        let mut date = from;
        let mut ht = 0;
        let mut monday = None;
        let mut school_week = false;
        let mut weeks_before = 0u32;
        for _ in 0..days {
            let mut bits = 0u8;
            for s in Session::BOTH {
                if g.grid.is_school_session(date, s) {
                    bits |= 1 << s.index();
                }
            }
            while half_terms.get(ht).is_some_and(|h| h.end < date) {
                ht += 1;
            }
            let half_term = match half_terms.get(ht) {
                Some(h) if h.start <= date => u32::try_from(ht).unwrap_or(NO_HALF_TERM),
                _ => NO_HALF_TERM,
            };
            let this_monday = week_start(date);
            if monday != Some(this_monday) {
                if school_week {
                    weeks_before += 1;
                }
                monday = Some(this_monday);
                school_week = false;
            }
            if bits != 0 && !school_week {
                school_week = true;
                g.week_mondays.push(this_monday);
            }
            g.week_ord.push(weeks_before);
            g.day_ord
                .push(u32::try_from(g.school_days.len()).unwrap_or(u32::MAX));
            if bits != 0 {
                g.school_days.push(date);
            }
            g.bits.push(bits);
            g.half_term.push(half_term);
            g.end = Some(date);
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        g
    }

    fn index(&self, date: Date) -> Option<usize> {
        usize::try_from((date - self.start).num_days())
            .ok()
            .filter(|&i| i < self.bits.len())
    }

    /// School weeks from the week of `earlier` to the week of `later`, both counted.
    fn weeks_spanned(&self, earlier: &Entry, later: &Entry) -> u32 {
        self.week_ord[later.day()].saturating_sub(self.week_ord[earlier.day()]) + 1
    }

    /// School days from the day of `earlier` to the day of `later`, both counted.
    fn days_spanned(&self, earlier: &Entry, later: &Entry) -> u32 {
        self.day_ord[later.day()].saturating_sub(self.day_ord[earlier.day()]) + 1
    }

    /// The Monday of the earliest of `weeks` school weeks ending with the week of `entry`.
    fn window_start(&self, entry: &Entry, weeks: u32) -> Date {
        let first = self.week_ord[entry.day()].saturating_sub(weeks.saturating_sub(1));
        self.week_mondays
            .get(first as usize)
            .copied()
            .unwrap_or(entry.date)
    }
}

/// The autumn, spring and summer terms, as groups of the calendar's half terms.
struct Terms {
    /// Per half term of the calendar: its term's index in `spans`.
    of_half_term: Vec<u32>,
    spans: Vec<(Date, Date, String)>,
}

impl Terms {
    fn new(calendar: &Calendar) -> Terms {
        let mut of_half_term = Vec::with_capacity(calendar.half_terms().len());
        let mut spans: Vec<(Date, Date, String)> = Vec::new();
        let mut last_key = None;
        for h in calendar.half_terms() {
            let year = academic_year(h.start);
            let season = match chrono::Datelike::month(&h.start) {
                9..=12 => "autumn",
                1..=3 => "spring",
                _ => "summer",
            };
            let key = (year, season);
            if last_key != Some(key) {
                last_key = Some(key);
                let label = format!("the {season} term {year}/{:02}", (year + 1).rem_euclid(100));
                spans.push((h.start, h.end, label));
            } else if let Some(span) = spans.last_mut() {
                span.1 = span.1.max(h.end);
            }
            of_half_term.push(u32::try_from(spans.len() - 1).unwrap_or(u32::MAX));
        }
        Terms {
            of_half_term,
            spans,
        }
    }

    fn of(&self, half_term: u32) -> u32 {
        self.of_half_term
            .get(half_term as usize)
            .copied()
            .unwrap_or(NO_HALF_TERM)
    }
}

/// What every pupil's evaluation shares.
struct Ctx<'a> {
    calendar: &'a Calendar,
    policy: &'a Policy,
    as_of: Date,
    terms: Terms,
    penalty: (u32, u32),
    local_penalties: Vec<&'a LocalPenalty>,
    lateness: Option<u32>,
    bands: &'a [Band],
}

/// One pupil's evaluation.
struct PupilCtx<'a> {
    upn: &'a str,
    pupil: &'a Pupil,
    grid: &'a YearGrid,
    entries: &'a [Entry],
}

impl<'a> Ctx<'a> {
    fn new(calendar: &'a Calendar, policy: &'a Policy, as_of: Date) -> Ctx<'a> {
        let local_penalties = if policy.is_disabled(Rule::LocalPenalty) {
            Vec::new()
        } else {
            policy
                .local_penalties
                .iter()
                .filter(|p| p.sessions > 0 && p.period != Period::RollingSchoolWeeks(0))
                .collect()
        };
        let lateness = policy
            .persistent_lateness
            .filter(|&n| n > 0 && !policy.is_disabled(Rule::PersistentLateness));
        let bands: &[Band] = if policy.is_disabled(Rule::AttendanceBand) {
            &[]
        } else {
            &policy.bands
        };
        Ctx {
            calendar,
            policy,
            as_of,
            terms: Terms::new(calendar),
            penalty: policy.penalty_threshold(),
            local_penalties,
            lateness,
            bands,
        }
    }

    fn evaluate_pupil(
        &self,
        p: &PupilCtx<'_>,
        indices: &mut Vec<u32>,
        facts: &mut Vec<MarkFact>,
        out: &mut Vec<Finding>,
    ) {
        self.penalty_threshold(p, indices, out);
        self.local_penalties(p, indices, out);
        self.unauthorised_runs(p, out);
        self.sickness(p, out);
        self.unresolved_n(p, out);
        self.part_time(p, out);
        self.register_not_taken(p, out);
        self.persistent_lateness(p, out);
        self.year_to_date(p, facts, out);
        self.new_pupil(p, out);
        self.deleted_pupil(p, out);
    }

    fn finding(
        &self,
        rule: Rule,
        p: &PupilCtx<'_>,
        date: Date,
        session: Option<Session>,
        subject: Option<String>,
        evidence: Evidence,
    ) -> Finding {
        Finding {
            rule,
            upn: p.upn.to_owned(),
            date,
            session,
            subject,
            evidence,
            policy_version: self.policy.version,
        }
    }

    /// 10 (or the policy's fewer) unused unauthorised sessions within 10 (or more) school weeks.
    fn penalty_threshold(&self, p: &PupilCtx<'_>, indices: &mut Vec<u32>, out: &mut Vec<Finding>) {
        let (sessions, weeks) = self.penalty;
        let g = p.grid;
        let threshold = if self.policy.tightens_penalty() {
            format!(
                "the school's threshold of {sessions} in {weeks} school weeks (tighter than the national 10 in 10) is met"
            )
        } else {
            "the national threshold of 10 in 10 school weeks is met".to_owned()
        };
        threshold_walk(
            p.entries,
            sessions,
            indices,
            |old, new| g.weeks_spanned(old, new) <= weeks,
            |used| {
                let (first, last) = (&p.entries[used[0] as usize], last_of(p.entries, used));
                let summary = format!(
                    "{} unauthorised sessions ({}) in the {} from {} to {}: {threshold}, so a penalty notice, a notice to improve or other support must be considered",
                    used.len(),
                    breakdown(used.iter().map(|&i| p.entries[i as usize].code)),
                    plural(g.weeks_spanned(first, last), "school week", "school weeks"),
                    first.date,
                    last.date,
                );
                let window_start = g.window_start(last, weeks).max(p.pupil.admission_date);
                let evidence = Evidence {
                    sessions: used
                        .iter()
                        .map(|&i| p.entries[i as usize].triple())
                        .collect(),
                    window: Some((window_start, last.date)),
                    summary,
                };
                out.push(self.finding(
                    Rule::PenaltyThreshold,
                    p,
                    last.date,
                    Some(last.session),
                    None,
                    evidence,
                ));
            },
        );
    }

    /// The school's own limits on unauthorised sessions in a period.
    fn local_penalties(&self, p: &PupilCtx<'_>, indices: &mut Vec<u32>, out: &mut Vec<Finding>) {
        let g = p.grid;
        for lp in &self.local_penalties {
            let emit = |used: &[u32], out: &mut Vec<Finding>| {
                let (first, last) = (&p.entries[used[0] as usize], last_of(p.entries, used));
                let (period, window) = match lp.period {
                    Period::RollingSchoolWeeks(weeks) => (
                        format!(
                            "the {} from {} to {}",
                            plural(g.weeks_spanned(first, last), "school week", "school weeks"),
                            first.date,
                            last.date
                        ),
                        (
                            g.window_start(last, weeks).max(p.pupil.admission_date),
                            last.date,
                        ),
                    ),
                    Period::HalfTerm => {
                        let h = g.half_term[last.day()];
                        match self.calendar.half_terms().get(h as usize) {
                            Some(h) => (
                                format!("half term {} ({} to {})", h.name, h.start, h.end),
                                (h.start, h.end),
                            ),
                            None => (String::from("a half term"), (first.date, last.date)),
                        }
                    }
                    Period::Term => {
                        let t = self.terms.of(g.half_term[last.day()]);
                        match self.terms.spans.get(t as usize) {
                            Some((start, end, label)) => {
                                (format!("{label} ({start} to {end})"), (*start, *end))
                            }
                            None => (String::from("a term"), (first.date, last.date)),
                        }
                    }
                };
                let summary = format!(
                    "{} unauthorised sessions ({}) in {period}: the school's limit '{}' of {} unauthorised sessions in {} is met",
                    used.len(),
                    breakdown(used.iter().map(|&i| p.entries[i as usize].code)),
                    lp.name,
                    lp.sessions,
                    lp.period,
                );
                let evidence = Evidence {
                    sessions: used
                        .iter()
                        .map(|&i| p.entries[i as usize].triple())
                        .collect(),
                    window: Some(window),
                    summary,
                };
                out.push(self.finding(
                    Rule::LocalPenalty,
                    p,
                    last.date,
                    Some(last.session),
                    Some(lp.name.clone()),
                    evidence,
                ));
            };
            match lp.period {
                Period::RollingSchoolWeeks(weeks) => threshold_walk(
                    p.entries,
                    lp.sessions,
                    indices,
                    |old, new| g.weeks_spanned(old, new) <= weeks,
                    |used| emit(used, out),
                ),
                Period::HalfTerm => threshold_walk(
                    p.entries,
                    lp.sessions,
                    indices,
                    |old, new| g.half_term[old.day()] == g.half_term[new.day()],
                    |used| emit(used, out),
                ),
                Period::Term => threshold_walk(
                    p.entries,
                    lp.sessions,
                    indices,
                    |old, new| {
                        self.terms.of(g.half_term[old.day()])
                            == self.terms.of(g.half_term[new.day()])
                    },
                    |used| emit(used, out),
                ),
            }
        }
    }

    /// Runs of school days whose possible sessions are all `G`, `N` or `O`: 10 days tell the local
    /// authority, 20 days open enquiries. One finding of each per run.
    fn unauthorised_runs(&self, p: &PupilCtx<'_>, out: &mut Vec<Finding>) {
        let e = p.entries;
        let g = p.grid;
        let mut run_days = 0u32;
        let mut run_start = 0usize;
        let mut i = 0;
        while i < e.len() {
            let date = e[i].date;
            let mut j = i;
            let (mut counts, mut breaks) = (false, false);
            while j < e.len() && e[j].date == date {
                match e[j].code {
                    BaseCode::G | BaseCode::N | BaseCode::O => counts = true,
                    c if c.category().is_possible() => breaks = true,
                    _ => {}
                }
                j += 1;
            }
            if breaks {
                run_days = 0;
            } else if counts {
                if run_days == 0 {
                    run_start = i;
                }
                run_days += 1;
                for (rule, days) in [(Rule::Unauthorised10Days, 10), (Rule::Deletion20Days, 20)] {
                    if run_days != days {
                        continue;
                    }
                    let run = &e[run_start..j];
                    let (first, last) = (&run[0], &run[run.len() - 1]);
                    let skipped = g.days_spanned(first, last).saturating_sub(days);
                    let skipped = match skipped {
                        0 => String::new(),
                        n => format!(
                            " ({} with no possible session skipped)",
                            plural(n, "school day", "school days")
                        ),
                    };
                    let duty = if rule == Rule::Unauthorised10Days {
                        "tell the local authority"
                    } else {
                        "a ground for deletion once the school and the local authority have both failed to find the pupil after reasonable enquiries: start those enquiries (this alone never deletes the name)"
                    };
                    let unauthorised = || run.iter().filter(|m| is_gno(m.code));
                    let summary = format!(
                        "unauthorised absence ({}) on every possible session of {days} consecutive school days from {} to {}{skipped}: {duty}",
                        breakdown(unauthorised().map(|m| m.code)),
                        first.date,
                        last.date,
                    );
                    let evidence = Evidence {
                        sessions: unauthorised().map(Entry::triple).collect(),
                        window: Some((first.date, last.date)),
                        summary,
                    };
                    out.push(self.finding(rule, p, last.date, None, None, evidence));
                }
            }
            i = j;
        }
    }

    /// 30 sessions of illness in one academic year.
    fn sickness(&self, p: &PupilCtx<'_>, out: &mut Vec<Finding>) {
        const SESSIONS: u32 = 30;
        let e = p.entries;
        let mut year = None;
        let mut count = 0u32;
        let mut first = 0usize;
        for (i, m) in e.iter().enumerate() {
            if m.code != BaseCode::I {
                continue;
            }
            let y = academic_year(m.date);
            if year != Some(y) {
                year = Some(y);
                count = 0;
                first = i;
            }
            count += 1;
            if count == SESSIONS {
                let ill = || e[first..=i].iter().filter(|m| m.code == BaseCode::I);
                let summary = format!(
                    "{SESSIONS} sessions of illness (I), the equivalent of 15 school days, in the academic year {y}/{:02} from {} to {}: tell the local authority",
                    (y + 1).rem_euclid(100),
                    e[first].date,
                    m.date,
                );
                let evidence = Evidence {
                    sessions: ill().map(Entry::triple).collect(),
                    window: Some((e[first].date, m.date)),
                    summary,
                };
                out.push(self.finding(
                    Rule::Sickness15Days,
                    p,
                    m.date,
                    Some(m.session),
                    None,
                    evidence,
                ));
            }
        }
    }

    /// `N` marks still standing after the 5th school day following their session.
    fn unresolved_n(&self, p: &PupilCtx<'_>, out: &mut Vec<Finding>) {
        const SCHOOL_DAYS: usize = 5;
        let g = p.grid;
        for m in p.entries.iter().filter(|m| m.code == BaseCode::N) {
            let k = g.day_ord[m.day()] as usize;
            let Some(&due) = g.school_days.get(k + SCHOOL_DAYS) else {
                continue;
            };
            if due >= self.as_of {
                continue;
            }
            let summary = format!(
                "N on {} {} has not been replaced by the right code: it was due by {due}, the 5th school day after the session",
                m.date, m.session,
            );
            let evidence = Evidence {
                sessions: vec![m.triple()],
                window: Some((m.date, due)),
                summary,
            };
            out.push(self.finding(
                Rule::UnresolvedN,
                p,
                due,
                None,
                Some(format!("{}/{}", m.date, m.session)),
                evidence,
            ));
        }
    }

    /// The first and last `C2` session of each part-time timetable. A timetable is a run of school
    /// days with a `C2` session (a pupil in for the morning only has a `C2` afternoon every day, and
    /// that is one timetable, not one a day). A day with no `C2` and a marked possible session ends
    /// it; days with no mark, or only codes that are not possible sessions, neither continue nor
    /// end it.
    fn part_time(&self, p: &PupilCtx<'_>, out: &mut Vec<Finding>) {
        let e = p.entries;
        let mut run: Option<(usize, usize)> = None;
        let mut next = 0;
        for day in e.chunk_by(|a, b| a.date == b.date) {
            let base = next;
            next += day.len();
            let c2: Vec<usize> = day
                .iter()
                .enumerate()
                .filter(|(_, m)| m.code == BaseCode::C2)
                .map(|(i, _)| base + i)
                .collect();
            if let (Some(&first_today), Some(&last_today)) = (c2.first(), c2.last()) {
                match run {
                    Some((first, _)) => run = Some((first, last_today)),
                    None => {
                        run = Some((first_today, last_today));
                        let m = &e[first_today];
                        let summary = format!(
                            "first C2 session (part-time timetable) on {} {}: tell the local authority that the pupil has started a part-time timetable",
                            m.date, m.session
                        );
                        let evidence = Evidence {
                            sessions: vec![m.triple()],
                            window: None,
                            summary,
                        };
                        out.push(self.finding(
                            Rule::PartTimeStart,
                            p,
                            m.date,
                            Some(m.session),
                            None,
                            evidence,
                        ));
                    }
                }
            } else if let Some(m) = day.iter().find(|m| m.code.category().is_possible()) {
                if let Some((first, last)) = run.take() {
                    let c2 = || e[first..=last].iter().filter(|m| m.code == BaseCode::C2);
                    let (f, l) = (&e[first], &e[last]);
                    let summary = format!(
                        "part-time timetable ended: {} from {} {} to {} {}, then a full day ({} on {} {}): tell the local authority",
                        plural(
                            u32::try_from(c2().count()).unwrap_or(u32::MAX),
                            "C2 session",
                            "C2 sessions"
                        ),
                        f.date,
                        f.session,
                        l.date,
                        l.session,
                        m.code.symbol(),
                        m.date,
                        m.session,
                    );
                    let evidence = Evidence {
                        sessions: c2().map(Entry::triple).collect(),
                        window: Some((f.date, l.date)),
                        summary,
                    };
                    out.push(self.finding(
                        Rule::PartTimeStop,
                        p,
                        l.date,
                        Some(l.session),
                        None,
                        evidence,
                    ));
                }
            }
        }
    }

    /// School sessions on roll up to as_of with no mark.
    fn register_not_taken(&self, p: &PupilCtx<'_>, out: &mut Vec<Finding>) {
        let g = p.grid;
        let Some(grid_end) = g.end else {
            return;
        };
        let from = p.pupil.admission_date.max(g.start);
        let to = p.pupil.leaving_date.map_or(grid_end, |l| l.min(grid_end));
        let (Some(a), Some(b)) = (g.index(from), g.index(to)) else {
            return;
        };
        let e = p.entries;
        let mut j = 0;
        let mut date = from;
        for i in a..=b {
            let bits = g.bits[i];
            for s in Session::BOTH {
                if bits & (1 << s.index()) == 0 {
                    continue;
                }
                while j < e.len() && (e[j].day(), e[j].session) < (i, s) {
                    j += 1;
                }
                if j < e.len() && e[j].day() == i && e[j].session == s {
                    j += 1;
                    continue;
                }
                let evidence = Evidence {
                    sessions: Vec::new(),
                    window: Some((date, date)),
                    summary: format!(
                        "no mark for the {s} session of {date}, a school session while on roll: the register was not taken for this pupil"
                    ),
                };
                out.push(self.finding(Rule::RegisterNotTaken, p, date, Some(s), None, evidence));
            }
            date = date.succ_opt().unwrap_or(date);
        }
    }

    /// `L` + `U` sessions in one half term reaching the policy's limit; one finding per half term.
    fn persistent_lateness(&self, p: &PupilCtx<'_>, out: &mut Vec<Finding>) {
        let Some(limit) = self.lateness else {
            return;
        };
        let e = p.entries;
        let g = p.grid;
        let mut half_term = None;
        let mut count = 0u32;
        let mut first = 0usize;
        for (i, m) in e.iter().enumerate() {
            if !matches!(m.code, BaseCode::L | BaseCode::U) {
                continue;
            }
            let h = g.half_term[m.day()];
            if half_term != Some(h) {
                half_term = Some(h);
                count = 0;
                first = i;
            }
            count += 1;
            if count != limit {
                continue;
            }
            let late = || {
                e[first..=i]
                    .iter()
                    .filter(|m| matches!(m.code, BaseCode::L | BaseCode::U))
            };
            let (period, window) = match self.calendar.half_terms().get(h as usize) {
                Some(h) => (
                    format!("half term {} ({} to {})", h.name, h.start, h.end),
                    (h.start, h.end),
                ),
                None => (String::from("one half term"), (e[first].date, m.date)),
            };
            let summary = format!(
                "{limit} late sessions ({}) in {period}: the school's limit of {limit} late sessions in a half term is reached",
                breakdown(late().map(|m| m.code)),
            );
            let evidence = Evidence {
                sessions: late().map(Entry::triple).collect(),
                window: Some(window),
                summary,
            };
            out.push(self.finding(
                Rule::PersistentLateness,
                p,
                m.date,
                Some(m.session),
                None,
                evidence,
            ));
        }
    }

    /// Persistent and severe absence and the attendance band, year to date, for pupils on roll on
    /// as_of, all dated as_of.
    fn year_to_date(&self, p: &PupilCtx<'_>, facts: &mut Vec<MarkFact>, out: &mut Vec<Finding>) {
        if !p.pupil.on_roll(self.as_of) {
            return;
        }
        let year_start = academic_year_start(academic_year(self.as_of));
        facts.clear();
        facts.extend(p.entries.iter().map(|m| MarkFact {
            date: m.date,
            session: m.session,
            code: m.code,
        }));
        let c = pupil_counts(
            &p.grid.grid,
            (p.pupil.admission_date, p.pupil.leaving_date),
            year_start,
            self.as_of,
            facts,
        );
        let from = year_start.max(p.pupil.admission_date);
        let window = Some((from, self.as_of));
        let absences = || {
            p.entries
                .iter()
                .filter(|m| m.date >= year_start && m.code.category().is_absence())
                .map(Entry::triple)
                .collect()
        };
        for (rule, met, what) in [
            (
                Rule::PersistentAbsence,
                c.persistent_absence(),
                "persistent absence is 10% or more",
            ),
            (
                Rule::SevereAbsence,
                c.severe_absence(),
                "severe absence is 50% or more",
            ),
        ] {
            if !met {
                continue;
            }
            let summary = format!(
                "absent from {} of {} possible sessions from {from} to {} ({}: authorised {}, unauthorised {}): {what}",
                c.absent(),
                c.possible,
                self.as_of,
                pct(c.absence_pct()),
                c.authorised,
                c.unauthorised,
            );
            let evidence = Evidence {
                sessions: absences(),
                window,
                summary,
            };
            out.push(self.finding(rule, p, self.as_of, None, None, evidence));
        }
        if let Some(band) = self.band_below_top(&c) {
            let action = if band.action.trim().is_empty() {
                String::new()
            } else {
                format!(": {}", band.action.trim())
            };
            let summary = format!(
                "attendance {} from {from} to {} ({} of {} possible sessions) is in the band '{}' ({} to {}){action}",
                pct(c.attendance_pct()),
                self.as_of,
                c.present + c.aea,
                c.possible,
                band.name,
                band.from,
                band.to,
            );
            let evidence = Evidence {
                sessions: Vec::new(),
                window,
                summary,
            };
            out.push(self.finding(
                Rule::AttendanceBand,
                p,
                self.as_of,
                None,
                Some(band.name.clone()),
                evidence,
            ));
        }
    }

    /// The band the attendance falls in, unless it is the top band (or none).
    fn band_below_top(&self, c: &Counts) -> Option<&'a Band> {
        let attended = c.present + c.aea;
        let band = self
            .bands
            .iter()
            .find(|b| b.contains(attended, c.possible))?;
        let top = self.bands.iter().max_by_key(|b| (b.from, b.to))?;
        (!std::ptr::eq(band, top)).then_some(band)
    }

    /// A pupil added to the admission register, dated on the admission date.
    fn new_pupil(&self, p: &PupilCtx<'_>, out: &mut Vec<Finding>) {
        let admitted = p.pupil.admission_date;
        if admitted > self.as_of {
            return;
        }
        let due = admitted.checked_add_days(Days::new(5)).unwrap_or(admitted);
        let evidence = Evidence {
            sessions: Vec::new(),
            window: Some((admitted, due)),
            summary: format!(
                "added to the admission register on {admitted}: a return to the local authority is due by the end of {due}, the 5th day after entry"
            ),
        };
        out.push(self.finding(Rule::NewPupil, p, admitted, None, None, evidence));
    }
}

impl Ctx<'_> {
    /// A pupil whose last day on roll has passed: the name is deleted from the admission register,
    /// and the local authority must be told, with the ground.
    fn deleted_pupil(&self, p: &PupilCtx<'_>, out: &mut Vec<Finding>) {
        let Some(left) = p.pupil.leaving_date.filter(|&l| l <= self.as_of) else {
            return;
        };
        let ground = match &p.pupil.deletion_ground {
            Some(g) => format!("on the ground: {g}"),
            None => {
                "with no ground recorded: record the statutory ground (regulation 9)".to_owned()
            }
        };
        let evidence = Evidence {
            sessions: Vec::new(),
            window: None,
            summary: format!(
                "deleted from the admission register on {left} {ground}; tell the local authority with the pupil's details and the ground"
            ),
        };
        out.push(self.finding(Rule::DeletedPupil, p, left, None, None, evidence));
    }
}

fn is_gno(code: BaseCode) -> bool {
    matches!(code, BaseCode::G | BaseCode::N | BaseCode::O)
}

/// Walks a pupil's unauthorised sessions in order. Each one joins the not-yet-used sessions;
/// those no longer in the same window as it (`same_window(older, newer)`) drop out; when
/// `threshold` remain, `emit` gets them and they are used, never counted again.
fn threshold_walk(
    entries: &[Entry],
    threshold: u32,
    buf: &mut Vec<u32>,
    same_window: impl Fn(&Entry, &Entry) -> bool,
    mut emit: impl FnMut(&[u32]),
) {
    let threshold = threshold.max(1) as usize;
    buf.clear();
    let mut head = 0;
    for (i, m) in entries.iter().enumerate() {
        if m.code.category() != Category::Unauthorised {
            continue;
        }
        buf.push(u32::try_from(i).unwrap_or(u32::MAX));
        while head < buf.len() && !same_window(&entries[buf[head] as usize], m) {
            head += 1;
        }
        if buf.len() - head >= threshold {
            emit(&buf[head..]);
            head = buf.len();
        }
    }
}

fn last_of<'e>(entries: &'e [Entry], used: &[u32]) -> &'e Entry {
    &entries[used[used.len() - 1] as usize]
}

/// `G 4, U 6`: each code with its count, in the order of codes.md.
fn breakdown(codes: impl Iterator<Item = BaseCode>) -> String {
    let mut counts = [0u32; BaseCode::ALL.len()];
    for c in codes {
        if let Some(i) = BaseCode::ALL.iter().position(|&x| x == c) {
            counts[i] += 1;
        }
    }
    BaseCode::ALL
        .iter()
        .zip(counts)
        .filter(|&(_, n)| n > 0)
        .map(|(c, n)| format!("{} {n}", c.symbol()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn plural(n: u32, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn pct(p: Option<Percent>) -> String {
    p.map_or_else(|| "no possible sessions".to_owned(), |p| format!("{p}%"))
}
