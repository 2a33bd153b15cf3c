//! The admission register file (CSV).

use std::collections::HashMap;

use rollcall_core::{Pupil, Sen, Upn};

use super::csv_file::{Column, CsvFile};
use super::{parse_bool, parse_date_field};
use crate::error::InputError;

pub const COLUMNS: &[Column] = &[
    Column::Required("upn"),
    Column::Required("surname"),
    Column::Required("forename"),
    Column::Required("dob"),
    Column::Optional("sex"),
    Column::Required("year_group"),
    Column::Optional("form"),
    Column::Required("admission_date"),
    Column::Optional("leaving_date"),
    Column::Optional("fsm"),
    Column::Optional("pupil_premium"),
    Column::Optional("looked_after"),
    Column::Optional("social_worker"),
    Column::Optional("eal"),
    Column::Optional("young_carer"),
    Column::Optional("sen"),
    Column::Optional("ethnicity"),
    Column::Optional("deletion_ground"),
];

/// A pupil and the line it came from.
pub struct PupilRow {
    pub line: usize,
    pub pupil: Pupil,
}

pub fn read_pupils(
    name: &str,
    source: Box<dyn std::io::Read>,
) -> Result<Vec<PupilRow>, Vec<InputError>> {
    let mut file = CsvFile::new(name, source, COLUMNS).map_err(|e| vec![e])?;
    let col = |n: &str| file.column(n);
    let cols: Vec<Option<usize>> = COLUMNS
        .iter()
        .map(|c| match c {
            Column::Required(n) | Column::Optional(n) => col(n),
        })
        .collect();
    let [upn, surname, forename, dob, sex, year_group, form, admission, leaving, fsm, pp, lac, sw, eal, yc, sen, ethnicity, ground] =
        <[Option<usize>; 18]>::try_from(cols).unwrap_or([None; 18]);
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<Upn, usize> = HashMap::new();
    loop {
        match file.next_record() {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                errors.push(e);
                break;
            }
        }
        if file.is_blank() {
            continue;
        }
        let mut row_errors = Vec::new();
        let f = &file;
        macro_rules! field {
            ($col:expr, $name:literal, $parse:expr) => {
                match f
                    .get($col, $name)
                    .map_err(|e| e)
                    .and_then(|t| ($parse)(t).map_err(|m: String| f.error($name, m)))
                {
                    Ok(v) => Some(v),
                    Err(e) => {
                        row_errors.push(e);
                        None
                    }
                }
            };
        }
        let required = |t: &str| -> Result<String, String> {
            if t.is_empty() {
                Err("empty; a value is required".to_owned())
            } else {
                Ok(t.to_owned())
            }
        };
        let optional = |t: &str| -> Result<Option<String>, String> {
            Ok((!t.is_empty()).then(|| t.to_owned()))
        };
        let flag = |t: &str| -> Result<bool, String> { parse_bool(t).map(|b| b.unwrap_or(false)) };
        let upn_v = field!(upn, "upn", |t: &str| Upn::parse(t)
            .map_err(|e| e.to_string()));
        let surname_v = field!(surname, "surname", required);
        let forename_v = field!(forename, "forename", required);
        let dob_v = field!(dob, "dob", parse_date_field);
        let sex_v = field!(sex, "sex", |t: &str| if t.is_empty() {
            Ok(None)
        } else {
            t.parse()
                .map(Some)
                .map_err(|e: rollcall_core::PupilError| e.to_string())
        });
        let yg_v = field!(year_group, "year_group", |t: &str| t
            .parse()
            .map_err(|e: rollcall_core::PupilError| e.to_string()));
        let form_v = field!(form, "form", optional);
        let adm_v = field!(admission, "admission_date", parse_date_field);
        let leave_v = field!(leaving, "leaving_date", |t: &str| if t.is_empty() {
            Ok(None)
        } else {
            parse_date_field(t).map(Some)
        });
        let fsm_v = field!(fsm, "fsm", flag);
        let pp_v = field!(pp, "pupil_premium", flag);
        let lac_v = field!(lac, "looked_after", flag);
        let sw_v = field!(sw, "social_worker", flag);
        let eal_v = field!(eal, "eal", flag);
        let yc_v = field!(yc, "young_carer", flag);
        let sen_v = field!(sen, "sen", |t: &str| if t.is_empty() {
            Ok(Sen::N)
        } else {
            t.parse()
                .map_err(|e: rollcall_core::PupilError| e.to_string())
        });
        let eth_v = field!(ethnicity, "ethnicity", optional);
        let ground_v = field!(ground, "deletion_ground", optional);
        if let (Some(adm), Some(Some(leave))) = (adm_v, leave_v) {
            if leave < adm {
                row_errors.push(f.error(
                    "leaving_date",
                    format!("{leave} is before the admission date {adm}"),
                ));
            }
        }
        if let (Some(dob), Some(adm)) = (dob_v, adm_v) {
            if adm <= dob {
                row_errors.push(f.error(
                    "admission_date",
                    format!("{adm} is not after the date of birth {dob}"),
                ));
            }
        }
        if let Some(u) = &upn_v {
            if let Some(first) = seen.insert(u.clone(), f.line()) {
                row_errors.push(f.error(
                    "upn",
                    format!("{u} is also on line {first}; each pupil must appear once"),
                ));
            }
        }
        if row_errors.is_empty() {
            if let (
                Some(upn),
                Some(surname),
                Some(forename),
                Some(dob),
                Some(sex),
                Some(year_group),
                Some(form),
                Some(admission_date),
                Some(leaving_date),
                Some(fsm),
                Some(pupil_premium),
                Some(looked_after),
                Some(social_worker),
                Some(eal),
                Some(young_carer),
                Some(sen),
                Some(ethnicity),
                Some(deletion_ground),
            ) = (
                upn_v, surname_v, forename_v, dob_v, sex_v, yg_v, form_v, adm_v, leave_v, fsm_v,
                pp_v, lac_v, sw_v, eal_v, yc_v, sen_v, eth_v, ground_v,
            ) {
                rows.push(PupilRow {
                    line: f.line(),
                    pupil: Pupil {
                        upn,
                        surname,
                        forename,
                        dob,
                        sex,
                        year_group,
                        form,
                        admission_date,
                        leaving_date,
                        fsm,
                        pupil_premium,
                        looked_after,
                        social_worker,
                        eal,
                        young_carer,
                        sen,
                        ethnicity,
                        deletion_ground,
                    },
                });
            }
        } else {
            errors.extend(row_errors);
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}
