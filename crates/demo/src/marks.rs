//! A year of registers: every school session for every pupil on roll, with the patterns an attendance officer
//! expects to see, and the later changes to them.
//!
//! Each pupil gets a profile (an everyday absence rate drawn from a long-tailed distribution that is higher for
//! disadvantaged pupils, and a share of it that is unauthorised), and a few pupils get the rarer patterns: long
//! illness, weeks of unexplained absence, term-time holidays, suspensions, part-time timetables, severe absence.
//! The registers are then filled in this order: planned leave (study leave, religious observance), those rare
//! patterns, everyday absence episodes until the pupil's rate is reached, approved activities off site (trips,
//! fixtures, work experience, college) on the sessions still present, and lateness.
//!
//! `marks.csv` holds each register as first taken; `amendments.csv` holds the later changes (an `N` resolved
//! once the reason is known, a present mark corrected to late, and so on).

use crate::calendar::{csa_end, date, Calendar, WINDOW};
use crate::pupils::Pupil;
use crate::util::{exponential, normal, per_thousand, pick_weighted, sample_weighted, Rng};
use chrono::{Datelike, NaiveDate, Weekday};
use rand::RngExt;
use std::ops::Range;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Code {
    /// Not a school session for the pupil: no mark is written.
    Closed,
    Present,
    L,
    U,
    I,
    M,
    S,
    C2,
    C,
    R,
    E,
    G,
    N,
    O,
    V,
    P,
    B,
    W,
    K,
    X,
}

impl Code {
    fn text(self, session: usize) -> &'static str {
        match self {
            Code::Closed => "",
            Code::Present if session == 0 => "/",
            Code::Present => "\\",
            Code::L => "L",
            Code::U => "U",
            Code::I => "I",
            Code::M => "M",
            Code::S => "S",
            Code::C2 => "C2",
            Code::C => "C",
            Code::R => "R",
            Code::E => "E",
            Code::G => "G",
            Code::N => "N",
            Code::O => "O",
            Code::V => "V",
            Code::P => "P",
            Code::B => "B",
            Code::W => "W",
            Code::K => "K",
            Code::X => "X",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Slot {
    pub code: Code,
    pub minutes: u8,
}

impl Slot {
    const fn new(code: Code) -> Slot {
        Slot { code, minutes: 0 }
    }
}

pub(crate) struct Amendment {
    slot: usize,
    original: Slot,
    reason: &'static str,
}

/// One pupil's year: a slot per session (`day * 2 + session`), holding the mark as it finally stands.
pub(crate) struct Register {
    slots: Vec<Slot>,
    amendments: Vec<Amendment>,
}

const AM: [bool; 2] = [true, false];
const PM: [bool; 2] = [false, true];
const BOTH: [bool; 2] = [true, true];

const PARENT_PHONED_ILLNESS: &str = "Parent phoned: illness";
const PARENT_PHONED_APPOINTMENT: &str = "Parent phoned: medical appointment";
const PARENT_PHONED_BEREAVEMENT: &str = "Parent phoned: family bereavement";
const NO_REASON: &str = "No reason given after enquiries";
const SIGNED_IN: &str = "Signed in at office";
const EVIDENCE: &str = "Medical evidence provided";
const NOT_ACCEPTED: &str = "Illness not accepted without medical evidence";

/// Share of `N` marks that are never resolved.
const UNRESOLVED_N: f64 = 0.12;

/// What a pupil's year will look like.
struct Profile {
    /// Share of possible sessions lost to everyday absence episodes.
    rate: f64,
    /// Share of everyday absence episodes that are unauthorised.
    unauth: f64,
    severe: bool,
    long_illness: bool,
    long_unexplained: bool,
    holiday: bool,
    suspensions: u32,
    part_time: bool,
    la_provision: bool,
    /// Probability of arriving late to a morning register; afternoons are a fifth of it.
    late: f64,
    /// Share of late arrivals that come after the register has closed.
    late_after_close: f64,
    sports: bool,
    college: bool,
    music_exam: bool,
}

/// A school trip for part of a year group.
struct Trip {
    days: Range<usize>,
    sessions: [bool; 2],
    year: u8,
    /// `None`: every form; `Some(0)`: the first half of the forms; `Some(1)`: the second half.
    forms: Option<usize>,
    share: f64,
    /// A rewards trip: pupils with poor attendance mostly do not go.
    reward: bool,
}

/// School-wide facts used for every pupil.
struct Context<'a> {
    cal: &'a Calendar,
    /// Cumulative day weights (length days + 1) for starting an illness, an unauthorised absence, an appointment.
    ill: Vec<f64>,
    unauth: Vec<f64>,
    appointment: Vec<f64>,
    /// Year 11 study leave sessions (slot indexes).
    study_leave: Vec<usize>,
    /// Days of Eid, with the share of observing families who keep their child off that day.
    eid: Vec<(usize, f64)>,
    trips: Vec<Trip>,
    work_experience: Range<usize>,
    fixtures: Vec<usize>,
    college_days: Vec<usize>,
    la_provision_days: Vec<usize>,
    /// First and last day of each half term.
    term_bounds: Vec<(usize, usize)>,
}

impl<'a> Context<'a> {
    fn new(cal: &'a Calendar) -> Context<'a> {
        let n = cal.days.len();
        let mut term_bounds: Vec<(usize, usize)> = Vec::new();
        for (d, &t) in cal.term_of_day.iter().enumerate() {
            if t == term_bounds.len() {
                term_bounds.push((d, d));
            } else {
                term_bounds[t].1 = d;
            }
        }
        let cumulative = |weight: &dyn Fn(usize) -> f64| {
            let mut c = Vec::with_capacity(n + 1);
            c.push(0.0);
            for d in 0..n {
                let w = if cal.whole_school_closed(d) {
                    0.0
                } else {
                    weight(d)
                };
                c.push(c[d] + w);
            }
            c
        };
        // Illness peaks in winter and is more often reported at the start and end of the week.
        const ILL_MONTH: [f64; 12] = [
            1.5, 1.25, 1.0, 0.8, 0.7, 0.7, 0.75, 0.0, 0.55, 0.85, 1.15, 1.45,
        ];
        // Unauthorised absence rises through the year and clusters on Mondays, Fridays and around holidays.
        const UNAUTH_MONTH: [f64; 12] =
            [1.0, 1.0, 1.0, 1.0, 1.05, 1.15, 1.4, 0.0, 0.7, 0.9, 1.0, 1.2];
        let dow = |d: usize, mon: f64, fri: f64| match cal.days[d].weekday() {
            Weekday::Mon => mon,
            Weekday::Fri => fri,
            Weekday::Wed => 0.9,
            _ => 1.0,
        };
        let month = |d: usize| cal.days[d].month0() as usize;
        let edge = |d: usize| {
            let (first, last) = term_bounds[cal.term_of_day[d]];
            if d == last {
                1.6
            } else if d == first {
                1.3
            } else {
                1.0
            }
        };
        let ill = cumulative(&|d| ILL_MONTH[month(d)] * dow(d, 1.3, 1.15));
        let unauth = cumulative(&|d| UNAUTH_MONTH[month(d)] * dow(d, 1.35, 1.45) * edge(d));
        let appointment = cumulative(&|d| {
            if cal.days[d].weekday() == Weekday::Mon {
                0.9
            } else {
                1.0
            }
        });

        let day = |y, m, d| cal.index_of(date(y, m, d));
        let study_leave = vec![
            day(2025, 5, 16) * 2 + 1,
            day(2025, 6, 13) * 2 + 1,
            day(2025, 6, 23) * 2,
            day(2025, 6, 23) * 2 + 1,
            day(2025, 6, 24) * 2,
            day(2025, 6, 24) * 2 + 1,
        ];
        // Eid al-Adha fell on Friday 6 June 2025; a minority kept Eid al-Fitr on Monday 31 March 2025.
        let eid = vec![(day(2025, 3, 31), 0.35), (day(2025, 6, 6), 1.0)];
        let one = |y, m, d| day(y, m, d)..day(y, m, d) + 1;
        let trip = |days, sessions, year, forms, share, reward| Trip {
            days,
            sessions,
            year,
            forms,
            share,
            reward,
        };
        let trips = vec![
            trip(one(2024, 10, 9), BOTH, 7, Some(0), 0.95, false),
            trip(one(2024, 10, 10), BOTH, 7, Some(1), 0.95, false),
            trip(one(2024, 11, 27), PM, 10, None, 0.3, false),
            trip(one(2025, 2, 5), BOTH, 11, None, 0.2, false),
            trip(one(2025, 3, 12), BOTH, 8, Some(0), 0.92, false),
            trip(one(2025, 3, 13), BOTH, 8, Some(1), 0.92, false),
            trip(
                day(2025, 6, 11)..day(2025, 6, 13) + 1,
                BOTH,
                7,
                None,
                0.35,
                false,
            ),
            trip(one(2025, 7, 16), BOTH, 9, None, 0.75, true),
        ];
        let work_experience = day(2025, 7, 7)..day(2025, 7, 11) + 1;
        let fixtures = [
            (2024, 9, 25),
            (2024, 10, 16),
            (2024, 11, 13),
            (2024, 12, 4),
            (2025, 1, 22),
            (2025, 2, 12),
            (2025, 3, 5),
            (2025, 3, 26),
            (2025, 4, 30),
            (2025, 5, 21),
            (2025, 6, 18),
            (2025, 7, 2),
        ]
        .iter()
        .map(|&(y, m, d)| day(y, m, d))
        .collect();
        let weekdays_between = |from: NaiveDate, to: NaiveDate, wds: &[Weekday]| -> Vec<usize> {
            (0..n)
                .filter(|&d| {
                    cal.days[d] >= from && cal.days[d] <= to && wds.contains(&cal.days[d].weekday())
                })
                .collect()
        };
        let college_days = weekdays_between(date(2024, 10, 3), date(2025, 5, 22), &[Weekday::Thu]);
        let la_provision_days = weekdays_between(
            date(2025, 1, 13),
            date(2025, 7, 18),
            &[Weekday::Mon, Weekday::Tue],
        );

        Context {
            cal,
            ill,
            unauth,
            appointment,
            study_leave,
            eid,
            trips,
            work_experience,
            fixtures,
            college_days,
            la_provision_days,
            term_bounds,
        }
    }
}

/// Parameters of the everyday absence rate: log-normal with this median and spread before the shifts for
/// pupil characteristics.
const MEDIAN_RATE: f64 = 0.030;
const SPREAD: f64 = 0.95;

/// Pick about `per_1000` pupils per thousand, not yet `taken`, on roll for at least `min_days` days, with
/// probability proportional to `weight`; mark them taken.
fn choose(
    rng: &mut Rng,
    pupils: &[Pupil],
    taken: &mut [bool],
    per_1000: f64,
    min_days: usize,
    weight: &dyn Fn(&Pupil) -> f64,
) -> Vec<usize> {
    let candidates: Vec<(usize, f64)> = pupils
        .iter()
        .enumerate()
        .filter(|(i, p)| !taken[*i] && p.on_roll.len() >= min_days)
        .map(|(i, p)| (i, weight(p)))
        .collect();
    let chosen = sample_weighted(rng, &candidates, per_thousand(pupils.len(), per_1000));
    for &i in &chosen {
        taken[i] = true;
    }
    chosen
}

fn profiles(rng: &mut Rng, pupils: &[Pupil]) -> Vec<Profile> {
    let n = pupils.len();
    let mut profiles: Vec<Profile> = pupils
        .iter()
        .map(|p| {
            let mut ln = MEDIAN_RATE.ln() + SPREAD * normal(rng) + p.ethnicity.absence;
            if p.fsm {
                ln += 0.55;
            }
            ln += match p.sen {
                'E' => 0.6,
                'K' => 0.25,
                _ => 0.0,
            };
            if p.social_worker {
                ln += 0.4;
            }
            if p.young_carer {
                ln += 0.3;
            }
            if p.looked_after {
                ln -= 0.2;
            }
            ln += match p.year {
                7 => -0.25,
                8 => -0.05,
                9 => 0.05,
                10 => 0.1,
                _ => 0.12,
            };
            // A few pupils are almost never away.
            let near_perfect = match rng.random_range(0..100) {
                0..5 => 0.0,
                5..9 => 0.15,
                _ => 1.0,
            };
            let rate = (ln.exp() * near_perfect).min(0.6);
            let mut unauth = 0.36 + 0.08 * normal(rng);
            if p.fsm {
                unauth += 0.1;
            }
            if p.social_worker {
                unauth += 0.08;
            }
            if rate > 0.1 {
                unauth += 0.08;
            }
            if rate > 0.2 {
                unauth += 0.1;
            }
            if p.ethnicity.code == "WROM" {
                unauth += 0.25;
            }
            let tier: f64 = rng.random();
            let (mut late, late_after_close) = if tier < 0.6 {
                (rng.random_range(0.002..0.012), 0.03)
            } else if tier < 0.9 {
                (rng.random_range(0.015..0.05), 0.05)
            } else {
                (rng.random_range(0.06..0.15), 0.12)
            };
            if p.fsm || p.young_carer {
                late *= 1.5;
            }
            Profile {
                rate,
                unauth: unauth.clamp(0.05, 0.8),
                severe: false,
                long_illness: false,
                long_unexplained: false,
                holiday: false,
                suspensions: 0,
                part_time: false,
                la_provision: false,
                late,
                late_after_close,
                sports: rng.random_bool(0.12),
                college: p.year >= 10 && rng.random_bool(0.025),
                music_exam: rng.random_bool(0.03),
            }
        })
        .collect();

    // The rarer patterns, in numbers scaled to the size of the school and drawn with the weights national data
    // suggests (disadvantage, SEN, social care, older year groups).
    let mut taken = vec![false; n];
    let vulnerability = |p: &Pupil| {
        let mut w = 1.0;
        if p.fsm {
            w *= 2.5;
        }
        if p.social_worker {
            w *= 2.0;
        }
        w *= match p.sen {
            'E' => 2.0,
            'K' => 1.5,
            _ => 1.0,
        };
        if p.young_carer {
            w *= 1.5;
        }
        if p.ethnicity.code == "WROM" {
            w *= 4.0;
        }
        w * [0.5, 0.8, 1.1, 1.3, 1.4][usize::from(p.year - 7).min(4)]
    };
    for i in choose(rng, pupils, &mut taken, 15.0, 60, &vulnerability) {
        let pr = &mut profiles[i];
        pr.severe = true;
        pr.rate = rng.random_range(0.5..0.85);
        pr.unauth = rng.random_range(0.4..0.8);
        pr.sports = false;
        pr.college = false;
    }
    for i in choose(rng, pupils, &mut taken, 4.0, 80, &|_| 1.0) {
        profiles[i].long_illness = true;
    }
    for i in choose(rng, pupils, &mut taken, 4.0, 80, &vulnerability) {
        profiles[i].long_unexplained = true;
    }
    for i in choose(rng, pupils, &mut taken, 2.0, 100, &|p| {
        if (8..=10).contains(&p.year) && p.sen != 'N' {
            1.0
        } else {
            0.02
        }
    }) {
        profiles[i].part_time = true;
    }
    for i in choose(rng, pupils, &mut taken, 1.0, 150, &|p| {
        if p.year >= 9 && (p.fsm || p.social_worker) {
            1.0
        } else {
            0.01
        }
    }) {
        profiles[i].la_provision = true;
    }
    // Holidays and suspensions may come on top of other patterns.
    taken.iter_mut().for_each(|t| *t = false);
    for (i, p) in profiles.iter().enumerate() {
        taken[i] = p.severe;
    }
    for i in choose(rng, pupils, &mut taken, 45.0, 30, &|_| 1.0) {
        profiles[i].holiday = true;
    }
    taken.iter_mut().for_each(|t| *t = false);
    let suspension_weight = |p: &Pupil| {
        let mut w = if p.male { 2.5 } else { 1.0 };
        if p.sen != 'N' {
            w *= 2.0;
        }
        if p.fsm {
            w *= 1.5;
        }
        if p.social_worker {
            w *= 1.5;
        }
        if (8..=10).contains(&p.year) {
            w *= 1.3;
        }
        w
    };
    for i in choose(rng, pupils, &mut taken, 15.0, 30, &suspension_weight) {
        profiles[i].suspensions =
            1 + u32::from(rng.random_bool(0.3)) + u32::from(rng.random_bool(0.08));
    }
    profiles
}

struct Sim<'a> {
    ctx: &'a Context<'a>,
    pupil: &'a Pupil,
    slots: Vec<Slot>,
    amended: Vec<bool>,
    amendments: Vec<Amendment>,
    /// Slots changed by the last call to `run`.
    changed: Vec<usize>,
}

impl Sim<'_> {
    /// Mark `code` on the present sessions of `ndays` school days from `start`. An everyday episode stops at a
    /// day that already has another mark and at the end of the half term; a long one runs on through both.
    /// Returns the number of sessions marked.
    fn run(
        &mut self,
        start: usize,
        ndays: usize,
        sessions: [bool; 2],
        code: Code,
        long: bool,
    ) -> usize {
        self.changed.clear();
        let cal = self.ctx.cal;
        let term = cal.term_of_day[start];
        let mut days = 0;
        let mut d = start;
        while days < ndays && d < self.pupil.on_roll.end {
            if !long && cal.term_of_day[d] != term {
                break;
            }
            let (mut open, mut applied) = (false, false);
            for (s, wanted) in sessions.iter().enumerate() {
                let i = d * 2 + s;
                if !wanted || self.slots[i].code == Code::Closed {
                    continue;
                }
                open = true;
                if self.slots[i].code == Code::Present {
                    self.slots[i] = Slot::new(code);
                    self.changed.push(i);
                    applied = true;
                }
            }
            if open && !applied && !long {
                break;
            }
            if open {
                days += 1;
            }
            d += 1;
        }
        self.changed.len()
    }

    /// Record that `slot` was first marked `original` and later changed to what it now holds.
    fn amend(&mut self, slot: usize, original: Slot, reason: &'static str) {
        if !self.amended[slot] && original != self.slots[slot] {
            self.amended[slot] = true;
            self.amendments.push(Amendment {
                slot,
                original,
                reason,
            });
        }
    }

    /// With probability `p`, the first day of the last run was unexplained at the time: marked `N`, then either
    /// resolved with `reason` or (rarely) never resolved.
    fn unexplained_first_day(&mut self, rng: &mut Rng, p: f64, reason: &'static str) {
        if self.changed.is_empty() || !rng.random_bool(p) {
            return;
        }
        let first_day = self.changed[0] / 2;
        let unresolved = rng.random_bool(UNRESOLVED_N);
        for k in 0..self.changed.len() {
            let slot = self.changed[k];
            if slot / 2 != first_day {
                break;
            }
            if unresolved {
                self.slots[slot] = Slot::new(Code::N);
            } else {
                self.amend(slot, Slot::new(Code::N), reason);
            }
        }
    }

    fn sample_day(&self, rng: &mut Rng, cumulative: &[f64]) -> Option<usize> {
        let r = &self.pupil.on_roll;
        if r.is_empty() {
            return None;
        }
        let (lo, hi) = (cumulative[r.start], cumulative[r.end]);
        if hi <= lo {
            return None;
        }
        let x = lo + rng.random::<f64>() * (hi - lo);
        let d = cumulative.partition_point(|c| *c <= x).saturating_sub(1);
        Some(d.clamp(r.start, r.end - 1))
    }

    fn random_day(&self, rng: &mut Rng, within: Range<usize>) -> Option<usize> {
        let r = within.start.max(self.pupil.on_roll.start)..within.end.min(self.pupil.on_roll.end);
        (!r.is_empty()).then(|| rng.random_range(r))
    }

    fn count(&self, f: impl Fn(Code) -> bool) -> usize {
        self.slots.iter().filter(|s| f(s.code)).count()
    }
}

fn run_length(rng: &mut Rng, lengths: &[(usize, f64)]) -> usize {
    let w: Vec<f64> = lengths.iter().map(|l| l.1).collect();
    lengths[pick_weighted(rng, &w)].0
}

fn simulate_pupil(rng: &mut Rng, ctx: &Context, pupil: &Pupil, prof: &Profile) -> Register {
    let cal = ctx.cal;
    let n = cal.days.len();
    let mut sim = Sim {
        ctx,
        pupil,
        slots: vec![Slot::new(Code::Closed); n * 2],
        amended: vec![false; n * 2],
        amendments: Vec::new(),
        changed: Vec::new(),
    };
    // Every school session on roll; past the end of compulsory school age a pupil not required to attend is X.
    let csa = csa_end(pupil.dob);
    for d in pupil.on_roll.clone() {
        for s in 0..2 {
            if cal.is_open(d, s, pupil.year) {
                sim.slots[d * 2 + s] = Slot::new(if cal.days[d] > csa {
                    Code::X
                } else {
                    Code::Present
                });
            }
        }
    }
    let possible = sim.count(|c| c == Code::Present);

    // Planned leave.
    if pupil.year == 11 {
        for &i in &ctx.study_leave {
            if sim.slots[i].code == Code::Present {
                sim.slots[i] = Slot::new(Code::S);
            }
        }
    }
    for &(day, share) in &ctx.eid {
        if pupil.on_roll.contains(&day) && rng.random_bool(pupil.ethnicity.eid * share) {
            sim.run(day, 1, BOTH, Code::R, false);
        }
    }

    // The rarer patterns.
    let roll = pupil.on_roll.clone();
    if prof.long_illness {
        let len = rng.random_range(15..=35);
        if let Some(start) = sim.random_day(rng, roll.start..roll.end.saturating_sub(len + 10)) {
            sim.run(start, len, BOTH, Code::I, true);
            sim.unexplained_first_day(rng, 0.3, PARENT_PHONED_ILLNESS);
        }
    }
    if prof.long_unexplained {
        if rng.random_bool(0.4) {
            // An extended holiday abroad straight after a half-term break.
            let terms: Vec<usize> = (1..ctx.term_bounds.len()).collect();
            let t = terms[rng.random_range(0..terms.len())];
            let start = ctx.term_bounds[t].0;
            if roll.contains(&start) {
                sim.run(start, rng.random_range(10..=15), BOTH, Code::G, true);
            }
        } else if let Some(start) = sim.random_day(rng, roll.start..roll.end.saturating_sub(25)) {
            // Missing: unexplained for days, then recorded as unknown after enquiries.
            sim.run(start, rng.random_range(10..=20), BOTH, Code::O, true);
            let changed = sim.changed.clone();
            let first_days: Vec<usize> = changed
                .iter()
                .copied()
                .take_while(|&i| i / 2 < changed[0] / 2 + 3)
                .collect();
            for i in first_days {
                sim.amend(i, Slot::new(Code::N), NO_REASON);
            }
        }
    }
    if prof.holiday {
        // A week or so of holiday taken next to a school holiday, most often at Christmas and in July.
        let edges: [(usize, bool, f64); 12] = [
            (0, false, 0.4),
            (0, true, 1.0),
            (1, false, 0.6),
            (1, true, 2.0),
            (2, false, 1.0),
            (2, true, 1.0),
            (3, false, 0.5),
            (3, true, 1.5),
            (4, false, 0.8),
            (4, true, 1.0),
            (5, false, 0.5),
            (5, true, 3.0),
        ];
        let w: Vec<f64> = edges.iter().map(|e| e.2).collect();
        let (t, at_end, _) = edges[pick_weighted(rng, &w)];
        let len = run_length(
            rng,
            &[(3, 0.15), (4, 0.15), (5, 0.4), (6, 0.1), (7, 0.1), (8, 0.1)],
        );
        let (first, last) = ctx.term_bounds[t];
        let start = if at_end {
            (last + 1).saturating_sub(len).max(first)
        } else {
            first
        };
        if roll.contains(&start) {
            sim.run(start, len, BOTH, Code::G, false);
        }
    }
    for _ in 0..prof.suspensions {
        if let Some(start) = sim.sample_day(rng, &ctx.unauth) {
            let len = run_length(rng, &[(1, 0.45), (2, 0.25), (3, 0.2), (5, 0.1)]);
            sim.run(start, len, BOTH, Code::E, false);
        }
    }
    if prof.part_time {
        let autumn2 = ctx.term_bounds[1].0;
        let spring1_end = ctx.term_bounds[2].1;
        if let Some(start) = sim.random_day(rng, autumn2..spring1_end) {
            sim.run(start, rng.random_range(30..=50), PM, Code::C2, true);
        }
    }

    // Everyday absence.
    let target = (prof.rate * possible as f64).round() as usize;
    if prof.severe {
        severe_absence(rng, &mut sim, prof);
    } else {
        let mut done = 0;
        let mut tries = 0;
        while done < target && tries < 400 {
            tries += 1;
            if rng.random_bool(prof.unauth) {
                let Some(day) = sim.sample_day(rng, &ctx.unauth) else {
                    break;
                };
                let kind: f64 = rng.random();
                if kind < 0.6 {
                    let len = run_length(rng, &[(1, 0.8), (2, 0.15), (3, 0.05)]);
                    done += sim.run(day, len, BOTH, Code::O, false);
                    sim.unexplained_first_day(rng, 0.015, NO_REASON);
                } else {
                    // Missed the afternoon (or the morning) without a reason.
                    let sessions = if kind < 0.9 { PM } else { AM };
                    done += sim.run(day, 1, sessions, Code::O, false);
                    sim.unexplained_first_day(rng, 0.015, NO_REASON);
                }
            } else {
                let kind: f64 = rng.random();
                if kind < 0.68 {
                    let Some(day) = sim.sample_day(rng, &ctx.ill) else {
                        break;
                    };
                    let len =
                        run_length(rng, &[(1, 0.42), (2, 0.26), (3, 0.18), (4, 0.1), (5, 0.04)]);
                    done += sim.run(day, len, BOTH, Code::I, false);
                    sim.unexplained_first_day(rng, 0.012, PARENT_PHONED_ILLNESS);
                } else if kind < 0.78 {
                    // Sent home ill at lunchtime, or in after lunch once better.
                    let Some(day) = sim.sample_day(rng, &ctx.ill) else {
                        break;
                    };
                    done += sim.run(
                        day,
                        1,
                        if rng.random_bool(0.7) { PM } else { AM },
                        Code::I,
                        false,
                    );
                } else if kind < 0.985 {
                    let Some(day) = sim.sample_day(rng, &ctx.appointment) else {
                        break;
                    };
                    done += sim.run(
                        day,
                        1,
                        if rng.random_bool(0.55) { AM } else { PM },
                        Code::M,
                        false,
                    );
                    sim.unexplained_first_day(rng, 0.02, PARENT_PHONED_APPOINTMENT);
                } else {
                    let Some(day) = sim.sample_day(rng, &ctx.appointment) else {
                        break;
                    };
                    done += sim.run(day, 1, BOTH, Code::C, false);
                    sim.unexplained_first_day(rng, 0.1, PARENT_PHONED_BEREAVEMENT);
                }
            }
        }
    }

    // Approved educational activities off site, on sessions the pupil would otherwise be in school.
    for t in &ctx.trips {
        let half = usize::from(pupil.form * 2 >= pupil.forms_in_year);
        if t.year != pupil.year || t.forms.is_some_and(|f| f != half) {
            continue;
        }
        let share = if t.reward && prof.rate > 0.08 {
            t.share * 0.25
        } else {
            t.share
        };
        if rng.random_bool(share) {
            for d in t.days.clone().filter(|d| roll.contains(d)) {
                sim.run(d, 1, t.sessions, Code::V, false);
            }
        }
    }
    if pupil.year == 10 && rng.random_bool(0.85) {
        for d in ctx.work_experience.clone().filter(|d| roll.contains(d)) {
            sim.run(d, 1, BOTH, Code::W, false);
        }
    }
    if prof.sports {
        for &d in &ctx.fixtures {
            if roll.contains(&d) && rng.random_bool(0.35) {
                sim.run(d, 1, PM, Code::P, false);
            }
        }
    }
    if prof.college {
        for &d in &ctx.college_days {
            if roll.contains(&d) {
                sim.run(d, 1, PM, Code::B, false);
            }
        }
    }
    if prof.music_exam {
        if let Some(d) = sim.random_day(rng, roll.clone()) {
            sim.run(
                d,
                1,
                if rng.random_bool(0.5) { AM } else { PM },
                Code::B,
                false,
            );
        }
    }
    if prof.la_provision {
        for &d in &ctx.la_provision_days {
            if roll.contains(&d) {
                sim.run(d, 1, BOTH, Code::K, false);
            }
        }
    }

    // Lateness, and the register corrections that go with it.
    for i in 0..n * 2 {
        if sim.slots[i].code != Code::Present {
            continue;
        }
        let s = i % 2;
        let p = if s == 0 { prof.late } else { prof.late / 5.0 };
        if !rng.random_bool(p) {
            continue;
        }
        let window = WINDOW[s];
        if rng.random_bool(prof.late_after_close) {
            let over = exponential(rng, if s == 0 { 12.0 } else { 10.0 }) as u8;
            let cap = if s == 0 { 90 } else { 60 };
            sim.slots[i] = Slot {
                code: Code::U,
                minutes: (window + 1).saturating_add(over).min(cap),
            };
        } else {
            let m = 1 + exponential(rng, if s == 0 { 6.0 } else { 3.0 }) as u8;
            sim.slots[i] = Slot {
                code: Code::L,
                minutes: m.min(window - 1),
            };
            if rng.random_bool(0.012) {
                let original = if rng.random_bool(0.5) {
                    Code::N
                } else {
                    Code::Present
                };
                sim.amend(i, Slot::new(original), SIGNED_IN);
            }
        }
    }
    // Occasional reclassification after the event.
    for i in 0..n * 2 {
        let code = sim.slots[i].code;
        if sim.amended[i] {
            continue;
        }
        if code == Code::I && prof.rate > 0.12 && rng.random_bool(0.004) {
            sim.slots[i] = Slot::new(Code::O);
            sim.amend(i, Slot::new(Code::I), NOT_ACCEPTED);
        } else if code == Code::O && rng.random_bool(0.003) {
            sim.slots[i] = Slot::new(Code::I);
            sim.amend(i, Slot::new(Code::O), EVIDENCE);
        }
    }
    Register {
        slots: sim.slots,
        amendments: sim.amendments,
    }
}

/// Severe absence: spells of days off, often unexplained, following a two-state pattern so that absence comes in
/// runs as it does for pupils who have stopped attending regularly.
fn severe_absence(rng: &mut Rng, sim: &mut Sim, prof: &Profile) {
    let stay = 0.8;
    let start = (prof.rate * (1.0 - stay) / (1.0 - prof.rate)).min(0.95);
    let mut absent = false;
    let mut code = Code::O;
    for d in sim.pupil.on_roll.clone() {
        if !(0..2).any(|s| sim.slots[d * 2 + s].code == Code::Present) {
            continue;
        }
        let was_absent = absent;
        absent = rng.random_bool(if absent { stay } else { start });
        if !absent {
            continue;
        }
        if !was_absent {
            code = if rng.random_bool(prof.unauth) {
                Code::O
            } else {
                Code::I
            };
        }
        let sessions = match rng.random_range(0..10) {
            0 => PM,
            1 => AM,
            _ => BOTH,
        };
        sim.run(d, 1, sessions, code, false);
        if !was_absent {
            let reason = if code == Code::O {
                NO_REASON
            } else {
                PARENT_PHONED_ILLNESS
            };
            sim.unexplained_first_day(rng, 0.05, reason);
        }
    }
}

pub(crate) fn simulate(rng: &mut Rng, cal: &Calendar, pupils: &[Pupil]) -> Vec<Register> {
    let ctx = Context::new(cal);
    let profiles = profiles(rng, pupils);
    pupils
        .iter()
        .zip(&profiles)
        .map(|(p, prof)| simulate_pupil(rng, &ctx, p, prof))
        .collect()
}

pub(crate) const MARKS_HEADER: &str = "upn,date,session,code,minutes_late,reason";

fn push_row(out: &mut String, upn: &str, date: &str, session: usize, slot: Slot, reason: &str) {
    out.push_str(upn);
    out.push(',');
    out.push_str(date);
    out.push_str(if session == 0 { ",AM," } else { ",PM," });
    out.push_str(slot.code.text(session));
    out.push(',');
    if matches!(slot.code, Code::L | Code::U) {
        out.push_str(&slot.minutes.to_string());
    }
    out.push(',');
    out.push_str(reason);
    out.push('\n');
}

/// `marks.csv` (registers as first taken) and `amendments.csv` (later changes), both in date, session and
/// register order.
pub(crate) fn to_csv(cal: &Calendar, pupils: &[Pupil], registers: &[Register]) -> (String, String) {
    let originals: Vec<Vec<Slot>> = registers
        .iter()
        .map(|r| {
            let mut o = r.slots.clone();
            for a in &r.amendments {
                o[a.slot] = a.original;
            }
            o
        })
        .collect();
    let total: usize = registers
        .iter()
        .map(|r| r.slots.iter().filter(|s| s.code != Code::Closed).count())
        .sum();
    let mut marks = String::with_capacity(MARKS_HEADER.len() + 1 + total * 36);
    marks.push_str(MARKS_HEADER);
    marks.push('\n');
    for i in 0..cal.days.len() * 2 {
        for (p, o) in pupils.iter().zip(&originals) {
            if o[i].code != Code::Closed {
                push_row(&mut marks, &p.upn, &cal.day_text[i / 2], i % 2, o[i], "");
            }
        }
    }
    let mut changes: Vec<(usize, usize, &Amendment)> = registers
        .iter()
        .enumerate()
        .flat_map(|(pi, r)| r.amendments.iter().map(move |a| (a.slot, pi, a)))
        .collect();
    changes.sort_by_key(|c| (c.0, c.1));
    let mut amendments = String::with_capacity(MARKS_HEADER.len() + 1 + changes.len() * 64);
    amendments.push_str(MARKS_HEADER);
    amendments.push('\n');
    for (slot, pi, a) in changes {
        let p = &pupils[pi];
        push_row(
            &mut amendments,
            &p.upn,
            &cal.day_text[slot / 2],
            slot % 2,
            registers[pi].slots[slot],
            a.reason,
        );
    }
    (marks, amendments)
}
