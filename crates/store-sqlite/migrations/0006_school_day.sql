-- The school day: pupils signed out at the office and back in, missing-pupil alerts with each
-- step of the search, and where traveller families are.

-- A pupil signed out during the day, and the sign-in that ends it. Times of day are school time,
-- `HH:MM:SS`. The collector is kept as they were named (a contact's reference is not a foreign
-- key: contacts change, the record of who collected the pupil does not).
CREATE TABLE sign_outs (
    id INTEGER PRIMARY KEY,
    pupil_id INTEGER NOT NULL REFERENCES pupils(id),
    date TEXT NOT NULL,
    out_time TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('appointment', 'unwell', 'sent_home', 'other')),
    detail TEXT NOT NULL,
    collector_reference TEXT,
    collector_name TEXT NOT NULL,
    collector_relationship TEXT NOT NULL,
    collector_permitted INTEGER NOT NULL,
    back_today INTEGER NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    back_time TEXT,
    back_by TEXT,
    back_role TEXT,
    back_at TEXT,
    CHECK ((back_time IS NULL) = (back_at IS NULL)),
    CHECK (back_time IS NULL OR back_time >= out_time)
);
CREATE INDEX sign_outs_date ON sign_outs(date, pupil_id);
-- At most one sign-out without a sign-in per pupil and day.
CREATE UNIQUE INDEX sign_outs_still_out ON sign_outs(pupil_id, date) WHERE back_time IS NULL;

-- A pupil found missing, and each step of the search.
CREATE TABLE missing_alerts (
    id INTEGER PRIMARY KEY,
    pupil_id INTEGER NOT NULL REFERENCES pupils(id),
    noticed_at TEXT NOT NULL,
    noticed_by TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    closed INTEGER NOT NULL DEFAULT 0
);
-- At most one open alert per pupil.
CREATE UNIQUE INDEX missing_alerts_open ON missing_alerts(pupil_id) WHERE closed = 0;

CREATE TABLE missing_steps (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES missing_alerts(id),
    step TEXT NOT NULL CHECK (step IN ('told_office', 'told_dsl', 'told_head',
        'searched_classrooms', 'searched_toilets', 'searched_changing_rooms', 'searched_library',
        'searched_outbuildings', 'searched_grounds', 'searched_outside', 'parents_called',
        'police_called', 'found', 'closed')),
    at TEXT NOT NULL,
    note TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX missing_steps_alert ON missing_steps(alert_id);

-- Where a traveller family is while travelling (code T), and any dual registration.
CREATE TABLE traveller_records (
    id INTEGER PRIMARY KEY,
    pupil_id INTEGER NOT NULL REFERENCES pupils(id),
    from_date TEXT NOT NULL,
    to_date TEXT,
    whereabouts TEXT NOT NULL,
    dual_school TEXT,
    notes TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    CHECK (to_date IS NULL OR to_date >= from_date)
);
CREATE INDEX traveller_records_pupil ON traveller_records(pupil_id, from_date);
