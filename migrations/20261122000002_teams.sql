-- Teams: one owner per workspace, invitations (tenant table under RLS) and the
-- email outbox the background mailer drains.

-- Exactly one OWNER per workspace; ownership moves only by transfer.
CREATE UNIQUE INDEX memberships_one_owner ON memberships (workspace_id) WHERE role = 'OWNER';

CREATE TABLE invitations (
  workspace_id  uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id            uuid NOT NULL,
  email         citext NOT NULL,
  role          text NOT NULL CHECK (role IN ('ADMIN', 'EDITOR', 'VIEWER', 'CLIENT')),
  -- SHA-256 of the 256-bit token in the link; the token itself is never stored.
  token_hash    bytea NOT NULL,
  invited_by    uuid REFERENCES users(id) ON DELETE SET NULL,
  expires_at    timestamptz NOT NULL DEFAULT now() + interval '7 days',
  accepted_at   timestamptz,
  accepted_by   uuid REFERENCES users(id) ON DELETE SET NULL,
  revoked_at    timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  CONSTRAINT invitations_token_hash_key UNIQUE (token_hash)
);
-- One open invitation per address and workspace (an expired one is revoked
-- by the service before a new one is made).
CREATE UNIQUE INDEX invitations_open_email_key ON invitations (workspace_id, email)
  WHERE accepted_at IS NULL AND revoked_at IS NULL;

ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY invitations_scope ON invitations
  USING (workspace_id = app_workspace_id()) WITH CHECK (workspace_id = app_workspace_id());

-- Opening /invite/{token} happens before any workspace scope exists. Rather
-- than a SECURITY DEFINER function (FORCE ROW LEVEL SECURITY binds the table
-- owner too, so it would need a BYPASSRLS owner) or a lookup table outside
-- RLS (which would list every workspace's pending tokens to the runtime role),
-- a transaction may present the digest of a token in `app.invitation_token`
-- (hex) and then SELECT exactly the one row carrying that digest. Holding the
-- token is the capability: without it the digest cannot be known, and the
-- policy grants reads only — accepting still needs the workspace scope, which
-- the service sets from that row inside the same transaction.
CREATE FUNCTION app_invitation_token() RETURNS bytea
LANGUAGE sql STABLE AS $$
  SELECT decode(nullif(current_setting('app.invitation_token', true), ''), 'hex')
$$;

CREATE POLICY invitations_by_token ON invitations FOR SELECT
  USING (token_hash = app_invitation_token());

-- Outgoing email. Not a tenant table on purpose: the mailer drains it across
-- all workspaces with no workspace scope, so RLS keyed on app.workspace_id
-- would hide every row from it. It holds no secret beyond the one link each
-- message must carry, and only until delivery ends: the body is cleared when
-- a message is sent, given up on, or cancelled (resend/revoke). Rows go with
-- their invitation (and so with their workspace).
CREATE TABLE email_outbox (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workspace_id     uuid,
  invitation_id    uuid,
  to_address       citext NOT NULL,
  subject          text NOT NULL,
  body_text        text,
  status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
  attempts         int NOT NULL DEFAULT 0,
  max_attempts     int NOT NULL DEFAULT 6,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  sent_at          timestamptz,
  FOREIGN KEY (workspace_id, invitation_id)
    REFERENCES invitations (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX email_outbox_due_idx ON email_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX email_outbox_invitation_idx ON email_outbox (workspace_id, invitation_id);

-- New tables reach postroom_app through the foundation's ALTER DEFAULT
-- PRIVILEGES (tests/it/invitations.rs checks the grants).
