-- The school day: pupils signed out at the office and back in, missing-pupil alerts with each
-- step of the search, and where traveller families are.

-- A pupil signed out during the day, and the sign-in that ends it. Times of day are school
-- time. The collector is kept as they were named (a contact's reference is not a foreign key:
-- contacts change, the record of who collected the pupil does not).
CREATE TABLE sign_outs (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pupil_id                bigint NOT NULL REFERENCES pupils (id),
    date                    date NOT NULL,
    out_time                time NOT NULL,
    reason                  text NOT NULL
        CHECK (reason IN ('appointment', 'unwell', 'sent_home', 'other')),
    detail                  text NOT NULL,
    collector_reference     text,
    collector_name          text NOT NULL,
    collector_relationship  text NOT NULL,
    collector_permitted     boolean NOT NULL,
    back_today              boolean NOT NULL,
    recorded_by             text NOT NULL,
    recorded_role           text NOT NULL,
    recorded_at             timestamptz NOT NULL,
    back_time               time,
    back_by                 text,
    back_role               text,
    back_at                 timestamptz,
    CHECK ((back_time IS NULL) = (back_at IS NULL)),
    CHECK (back_time IS NULL OR back_time >= out_time)
);

CREATE INDEX sign_outs_date ON sign_outs (date, pupil_id);
-- At most one sign-out without a sign-in per pupil and day.
CREATE UNIQUE INDEX sign_outs_still_out ON sign_outs (pupil_id, date) WHERE back_time IS NULL;

-- A pupil found missing, and each step of the search.
CREATE TABLE missing_alerts (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pupil_id       bigint NOT NULL REFERENCES pupils (id),
    noticed_at     timestamptz NOT NULL,
    noticed_by     text NOT NULL,
    last_seen      text NOT NULL,
    recorded_by    text NOT NULL,
    recorded_role  text NOT NULL,
    recorded_at    timestamptz NOT NULL,
    closed         boolean NOT NULL DEFAULT false
);

-- At most one open alert per pupil.
CREATE UNIQUE INDEX missing_alerts_open ON missing_alerts (pupil_id) WHERE NOT closed;

CREATE TABLE missing_steps (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id       bigint NOT NULL REFERENCES missing_alerts (id),
    step           text NOT NULL CHECK (step IN ('told_office', 'told_dsl', 'told_head',
        'searched_classrooms', 'searched_toilets', 'searched_changing_rooms', 'searched_library',
        'searched_outbuildings', 'searched_grounds', 'searched_outside', 'parents_called',
        'police_called', 'found', 'closed')),
    at             timestamptz NOT NULL,
    note           text NOT NULL,
    recorded_by    text NOT NULL,
    recorded_role  text NOT NULL,
    recorded_at    timestamptz NOT NULL
);

CREATE INDEX missing_steps_alert ON missing_steps (alert_id);

-- Where a traveller family is while travelling (code T), and any dual registration.
CREATE TABLE traveller_records (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pupil_id       bigint NOT NULL REFERENCES pupils (id),
    from_date      date NOT NULL,
    to_date        date,
    whereabouts    text NOT NULL,
    dual_school    text,
    notes          text NOT NULL,
    recorded_by    text NOT NULL,
    recorded_role  text NOT NULL,
    recorded_at    timestamptz NOT NULL,
    CHECK (to_date IS NULL OR to_date >= from_date)
);

CREATE INDEX traveller_records_pupil ON traveller_records (pupil_id, from_date);
