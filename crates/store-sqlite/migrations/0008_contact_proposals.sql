-- Changes parents propose to their own contact details (a contact person's phone number, e-mail
-- and postal address), and the office's decision on each. For each detail: whether it changes,
-- what it was when proposed and what it is to become (NULL: none). Accepting sets the changed
-- details on the person in the same transaction as the decision.
CREATE TABLE contact_proposals (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES contact_people(id),
    phone_changed INTEGER NOT NULL CHECK (phone_changed IN (0, 1)),
    phone_from TEXT,
    phone_to TEXT,
    email_changed INTEGER NOT NULL CHECK (email_changed IN (0, 1)),
    email_from TEXT,
    email_to TEXT,
    address_changed INTEGER NOT NULL CHECK (address_changed IN (0, 1)),
    address_from TEXT,
    address_to TEXT,
    proposed_by TEXT NOT NULL,
    proposed_role TEXT NOT NULL,
    proposed_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
    decision_reason TEXT,
    decided_by TEXT,
    decided_role TEXT,
    decided_at TEXT,
    CHECK ((status = 'pending') = (decided_at IS NULL)),
    CHECK (phone_changed = 1 OR (phone_from IS NULL AND phone_to IS NULL)),
    CHECK (email_changed = 1 OR (email_from IS NULL AND email_to IS NULL)),
    CHECK (address_changed = 1 OR (address_from IS NULL AND address_to IS NULL))
);
CREATE INDEX contact_proposals_person ON contact_proposals(person_id, id);
