-- Notice campaigns (see campaigns.ts), by `number` like every other table. Documents are `json`
-- for the reason 001 gives: a target's name from the owner's list or a provider's error text may
-- hold what jsonb refuses (\u0000), and a mark that can never be written would stop a campaign.

-- One row per campaign: its plan (written once) and its status (the latest).
CREATE TABLE campaigns (
  number text NOT NULL,
  id text NOT NULL,
  plan json NOT NULL,
  status json NOT NULL,
  -- The plan's createdAt, for listing newest first.
  created_at timestamptz NOT NULL,
  PRIMARY KEY (number, id)
);

-- One row per target, made `planned` with its campaign; a mark replaces its state.
CREATE TABLE campaign_targets (
  number text NOT NULL,
  campaign text NOT NULL,
  idx integer NOT NULL CHECK (idx >= 0),
  state json NOT NULL,
  PRIMARY KEY (number, campaign, idx),
  FOREIGN KEY (number, campaign) REFERENCES campaigns (number, id)
);

-- Each number's key for the suppression list's HMACs (32 random bytes, hex), made on its first need.
CREATE TABLE campaign_suppression_keys (
  number text PRIMARY KEY,
  key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Addresses erased at their request, never written to by a campaign again: only their HMAC-SHA256
-- (hex) under the number's key, never the address.
CREATE TABLE campaign_suppression (
  number text NOT NULL,
  digest text NOT NULL,
  PRIMARY KEY (number, digest)
);
