-- Changes parents propose to their own contact details (a contact person's phone number, e-mail
-- and postal address), and the office's decision on each. For each detail: whether it changes,
-- what it was when proposed and what it is to become (NULL: none). Accepting sets the changed
-- details on the person in the same transaction as the decision.
CREATE TABLE contact_proposals (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id        bigint NOT NULL REFERENCES contact_people (id),
    phone_changed    boolean NOT NULL,
    phone_from       text,
    phone_to         text,
    email_changed    boolean NOT NULL,
    email_from       text,
    email_to         text,
    address_changed  boolean NOT NULL,
    address_from     text,
    address_to       text,
    proposed_by      text NOT NULL,
    proposed_role    text NOT NULL,
    proposed_at      timestamptz NOT NULL,
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'accepted', 'rejected')),
    decision_reason  text,
    decided_by       text,
    decided_role     text,
    decided_at       timestamptz,
    CHECK ((status = 'pending') = (decided_at IS NULL)),
    CHECK (phone_changed OR (phone_from IS NULL AND phone_to IS NULL)),
    CHECK (email_changed OR (email_from IS NULL AND email_to IS NULL)),
    CHECK (address_changed OR (address_from IS NULL AND address_to IS NULL))
);

CREATE INDEX contact_proposals_person ON contact_proposals (person_id, id);
