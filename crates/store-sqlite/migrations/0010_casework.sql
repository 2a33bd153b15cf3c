-- Casework: cases about one pupil with their actions in order, the alerts' dispositions, when
-- each user last looked at the alerts, and attendance and parenting contracts with their reviews.
-- Kinds are kept as text and read back by Rollcall, which refuses any it does not know, so that
-- a new kind of action needs no new migration.

-- A case: opened from a finding (its stable id, rule and date; `reason` is its evidence) or by
-- hand (no finding; `reason` is why), owned, on a stage of the ladder; kept after it closes.
CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    pupil_id INTEGER NOT NULL REFERENCES pupils(id),
    owner_id INTEGER NOT NULL REFERENCES users(id),
    stage TEXT NOT NULL,
    opened_on TEXT NOT NULL,
    finding_id TEXT,
    finding_rule TEXT,
    finding_date TEXT,
    reason TEXT NOT NULL,
    present INTEGER NOT NULL CHECK (present >= 0),
    possible INTEGER NOT NULL CHECK (possible >= present),
    opened_by TEXT NOT NULL,
    opened_role TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    closed_on TEXT,
    outcome TEXT,
    outcome_note TEXT,
    closed_by TEXT,
    closed_role TEXT,
    closed_at TEXT,
    CHECK ((finding_id IS NULL) = (finding_rule IS NULL)),
    CHECK ((finding_id IS NULL) = (finding_date IS NULL)),
    CHECK ((closed_on IS NULL) = (outcome IS NULL))
);
CREATE INDEX cases_pupil ON cases(pupil_id);

-- Siblings' cases, each pair once (the smaller id first).
CREATE TABLE case_links (
    case_a INTEGER NOT NULL REFERENCES cases(id),
    case_b INTEGER NOT NULL REFERENCES cases(id),
    PRIMARY KEY (case_a, case_b),
    CHECK (case_a < case_b)
);

-- Every action on a case, in order of id.
CREATE TABLE case_actions (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    kind TEXT NOT NULL,
    done_on TEXT NOT NULL,
    by_id INTEGER NOT NULL REFERENCES users(id),
    summary TEXT NOT NULL,
    meeting_status TEXT,
    attended TEXT,
    minutes TEXT,
    support TEXT,
    support_note TEXT,
    review_on TEXT,
    document_id INTEGER,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    review_done_on TEXT,
    review_note TEXT,
    reviewed_by TEXT,
    reviewed_role TEXT,
    reviewed_at TEXT,
    CHECK (review_done_on IS NULL OR review_on IS NOT NULL)
);
CREATE INDEX case_actions_case ON case_actions(case_id);

-- What became of a finding: dismissed with a reason, or taken into a case.
CREATE TABLE alert_dispositions (
    school_id INTEGER NOT NULL REFERENCES schools(id),
    finding_id TEXT NOT NULL,
    pupil_id INTEGER NOT NULL REFERENCES pupils(id),
    case_id INTEGER REFERENCES cases(id),
    reason TEXT,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (school_id, finding_id),
    CHECK ((case_id IS NULL) <> (reason IS NULL))
);

-- When each user last looked at a school's alerts.
CREATE TABLE alerts_seen (
    school_id INTEGER NOT NULL REFERENCES schools(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    seen_at TEXT NOT NULL,
    PRIMARY KEY (school_id, user_id)
);

-- Attendance and parenting contracts on a case.
CREATE TABLE contracts (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    kind TEXT NOT NULL,
    difficulties TEXT NOT NULL,
    target_permille INTEGER NOT NULL CHECK (target_permille BETWEEN 0 AND 1000),
    start_on TEXT NOT NULL,
    review_on TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX contracts_case ON contracts(case_id);

CREATE TABLE contract_actions (
    contract_id INTEGER NOT NULL REFERENCES contracts(id),
    position INTEGER NOT NULL,
    party TEXT NOT NULL,
    action TEXT NOT NULL,
    owner TEXT NOT NULL,
    by_date TEXT,
    PRIMARY KEY (contract_id, position)
);

CREATE TABLE contract_signatures (
    contract_id INTEGER NOT NULL REFERENCES contracts(id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    signed_on TEXT NOT NULL,
    PRIMARY KEY (contract_id, position)
);

CREATE TABLE contract_reviews (
    id INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL REFERENCES contracts(id),
    reviewed_on TEXT NOT NULL,
    present INTEGER NOT NULL,
    possible INTEGER NOT NULL,
    met INTEGER NOT NULL,
    note TEXT NOT NULL,
    decision TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX contract_reviews_contract ON contract_reviews(contract_id);
