-- Casework: cases about one pupil with their actions in order, the alerts' dispositions, when
-- each user last looked at the alerts, and attendance and parenting contracts with their reviews.
-- Kinds are kept as text and read back by Rollcall, which refuses any it does not know, so that
-- a new kind of action needs no new migration.

-- A case: opened from a finding (its stable id, rule and date; `reason` is its evidence) or by
-- hand (no finding; `reason` is why), owned, on a stage of the ladder; kept after it closes.
CREATE TABLE cases (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pupil_id bigint NOT NULL REFERENCES pupils(id),
    owner_id bigint NOT NULL REFERENCES users(id),
    stage text NOT NULL,
    opened_on date NOT NULL,
    finding_id text,
    finding_rule text,
    finding_date date,
    reason text NOT NULL,
    present bigint NOT NULL CHECK (present >= 0),
    possible bigint NOT NULL CHECK (possible >= present),
    opened_by text NOT NULL,
    opened_role text NOT NULL,
    opened_at timestamptz NOT NULL,
    closed_on date,
    outcome text,
    outcome_note text,
    closed_by text,
    closed_role text,
    closed_at timestamptz,
    CHECK ((finding_id IS NULL) = (finding_rule IS NULL)),
    CHECK ((finding_id IS NULL) = (finding_date IS NULL)),
    CHECK ((closed_on IS NULL) = (outcome IS NULL))
);
CREATE INDEX cases_pupil ON cases(pupil_id);

-- Siblings' cases, each pair once (the smaller id first).
CREATE TABLE case_links (
    case_a bigint NOT NULL REFERENCES cases(id),
    case_b bigint NOT NULL REFERENCES cases(id),
    PRIMARY KEY (case_a, case_b),
    CHECK (case_a < case_b)
);

-- Every action on a case, in order of id.
CREATE TABLE case_actions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES cases(id),
    kind text NOT NULL,
    done_on date NOT NULL,
    by_id bigint NOT NULL REFERENCES users(id),
    summary text NOT NULL,
    meeting_status text,
    attended text,
    minutes text,
    support text,
    support_note text,
    review_on date,
    document_id bigint,
    recorded_by text NOT NULL,
    recorded_role text NOT NULL,
    recorded_at timestamptz NOT NULL,
    review_done_on date,
    review_note text,
    reviewed_by text,
    reviewed_role text,
    reviewed_at timestamptz,
    CHECK (review_done_on IS NULL OR review_on IS NOT NULL)
);
CREATE INDEX case_actions_case ON case_actions(case_id);

-- What became of a finding: dismissed with a reason, or taken into a case.
CREATE TABLE alert_dispositions (
    school_id bigint NOT NULL REFERENCES schools(id),
    finding_id text NOT NULL,
    pupil_id bigint NOT NULL REFERENCES pupils(id),
    case_id bigint REFERENCES cases(id),
    reason text,
    recorded_by text NOT NULL,
    recorded_role text NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (school_id, finding_id),
    CHECK ((case_id IS NULL) <> (reason IS NULL))
);

-- When each user last looked at a school's alerts.
CREATE TABLE alerts_seen (
    school_id bigint NOT NULL REFERENCES schools(id),
    user_id bigint NOT NULL REFERENCES users(id),
    seen_at timestamptz NOT NULL,
    PRIMARY KEY (school_id, user_id)
);

-- Attendance and parenting contracts on a case.
CREATE TABLE contracts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES cases(id),
    kind text NOT NULL,
    difficulties text NOT NULL,
    target_permille bigint NOT NULL CHECK (target_permille BETWEEN 0 AND 1000),
    start_on date NOT NULL,
    review_on date NOT NULL,
    recorded_by text NOT NULL,
    recorded_role text NOT NULL,
    recorded_at timestamptz NOT NULL
);
CREATE INDEX contracts_case ON contracts(case_id);

CREATE TABLE contract_actions (
    contract_id bigint NOT NULL REFERENCES contracts(id),
    position bigint NOT NULL,
    party text NOT NULL,
    action text NOT NULL,
    owner text NOT NULL,
    by_date date,
    PRIMARY KEY (contract_id, position)
);

CREATE TABLE contract_signatures (
    contract_id bigint NOT NULL REFERENCES contracts(id),
    position bigint NOT NULL,
    name text NOT NULL,
    signed_on date NOT NULL,
    PRIMARY KEY (contract_id, position)
);

CREATE TABLE contract_reviews (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contract_id bigint NOT NULL REFERENCES contracts(id),
    reviewed_on date NOT NULL,
    present bigint NOT NULL,
    possible bigint NOT NULL,
    met boolean NOT NULL,
    note text NOT NULL,
    decision text NOT NULL,
    recorded_by text NOT NULL,
    recorded_role text NOT NULL,
    recorded_at timestamptz NOT NULL
);
CREATE INDEX contract_reviews_contract ON contract_reviews(contract_id);
