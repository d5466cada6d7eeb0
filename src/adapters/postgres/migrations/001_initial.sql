-- The consent store's tables. Every row carries `number`, the label of the bot's WhatsApp number:
-- one database holds many numbers, each with its own contacts and its own hash-chained ledger.
--
-- Documents are `json`, not `jsonb`: json keeps the exact text written (key order included) and
-- takes every string JavaScript writes, where jsonb refuses some (\u0000, a lone surrogate) and
-- would turn a contact's message into a write that can never succeed. What is searched (ids, the
-- `…@lid`, the person a ledger entry concerns) sits in plain columns beside the documents.

CREATE TABLE contacts (
  number text NOT NULL,
  id text NOT NULL,
  -- The person's WhatsApp `…@lid` when `id` is their phone number (load finds them by either).
  lid text,
  data json NOT NULL,
  PRIMARY KEY (number, id)
);
CREATE INDEX contacts_by_lid ON contacts (number, lid) WHERE lid IS NOT NULL;

CREATE TABLE conversations (
  number text NOT NULL,
  id text NOT NULL,
  data json NOT NULL,
  PRIMARY KEY (number, id),
  -- A conversation goes with its contact (a merge or an erasure removes both).
  FOREIGN KEY (number, id) REFERENCES contacts (number, id) ON DELETE CASCADE
);

-- The last entry of each number's ledger. A write locks this row (SELECT … FOR UPDATE) before it
-- chains anything, so two writers can never fork a chain; it also anchors the head: a ledger
-- whose last rows were deleted no longer ends where this row says.
CREATE TABLE ledger_heads (
  number text PRIMARY KEY,
  seq bigint NOT NULL CHECK (seq >= 0),
  hash text NOT NULL,
  -- ISO 8601, as written (text: a timestamp type would reformat it).
  at text NOT NULL
);

-- The consent ledger: append-only; an erasure only nulls `personal` and `personal_contact`.
CREATE TABLE ledger (
  number text NOT NULL,
  seq bigint NOT NULL CHECK (seq >= 1),
  prev text NOT NULL,
  hash text NOT NULL,
  record_id text NOT NULL,
  record json NOT NULL,
  personal_digest text NOT NULL,
  personal json,
  -- personal.contact, to find a person's entries at erasure; nulled with `personal`.
  personal_contact text,
  written_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (number, seq),
  CHECK (personal IS NOT NULL OR personal_contact IS NULL)
);
-- A receipt by its id; and a retried write finds the records a lost COMMIT answer did keep.
CREATE INDEX ledger_by_record ON ledger (number, record_id);
CREATE INDEX ledger_by_contact ON ledger (number, personal_contact) WHERE personal_contact IS NOT NULL;

-- The exact notice texts the ledger's hashes refer to, once per hash and number.
CREATE TABLE notices (
  number text NOT NULL,
  hash text NOT NULL,
  notice json NOT NULL,
  PRIMARY KEY (number, hash)
);

-- Each number's Ed25519 key, made at its first start: it signs the ledger's heads.
CREATE TABLE ledger_keys (
  number text PRIMARY KEY,
  algorithm text NOT NULL,
  fingerprint text NOT NULL,
  public_key text NOT NULL,
  private_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Signed heads (checkpoints): every 1000 records, at start and at a clean stop.
CREATE TABLE ledger_seals (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  number text NOT NULL,
  seq bigint NOT NULL,
  hash text NOT NULL,
  at text NOT NULL,
  key text NOT NULL,
  signature text NOT NULL
);
CREATE INDEX ledger_seals_by_number ON ledger_seals (number, id);
