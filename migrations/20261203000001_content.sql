-- Content that workspaces isolate: social accounts, labels, signatures, posts
-- and their per-account results, plus the built-in Sandbox network.
--
-- Every tenant table carries `workspace_id` and its keys start with it, and
-- every reference between tenant rows is a composite foreign key
-- `(workspace_id, x_id)`: a foreign-key check runs without row-level
-- security, so a plain `account_id` reference would let a post in workspace A
-- name an account of workspace B even though A cannot see it. With the
-- composite key the referenced row must live in the post's own workspace,
-- which the policies pin to the caller's.

-- Workspace settings the calendar and the approval flow read.
ALTER TABLE workspaces ADD COLUMN timezone text NOT NULL DEFAULT 'UTC'
  CHECK (timezone ~ '^[A-Za-z0-9_+/-]{1,64}$');
ALTER TABLE workspaces ADD COLUMN require_approval boolean NOT NULL DEFAULT false;

-- May the caller create and edit content in the workspace in scope?
CREATE FUNCTION app_can_edit() RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce(app_acting_role() IN ('OWNER', 'ADMIN', 'EDITOR'), false)
$$;

-- May the caller approve or reject posts in the workspace in scope?
CREATE FUNCTION app_can_approve() RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce(app_acting_role() IN ('OWNER', 'ADMIN', 'CLIENT'), false)
$$;

-- Social accounts -------------------------------------------------------------

CREATE TABLE social_accounts (
  workspace_id       uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id                 uuid NOT NULL UNIQUE,
  platform           text NOT NULL CHECK (platform IN ('twitter', 'linkedin', 'instagram', 'threads',
                       'tiktok', 'youtube', 'facebook', 'bluesky', 'mastodon', 'telegram', 'pinterest', 'sandbox')),
  external_id        text NOT NULL CHECK (external_id ~ '^[A-Za-z0-9_.:-]{1,128}$'),
  handle             text NOT NULL,
  display_name       text NOT NULL,
  avatar_url         text,
  profile_url        text,
  status             text NOT NULL DEFAULT 'connected'
                       CHECK (status IN ('connected', 'expired', 'disconnected')),
  -- Encrypted by the app (XChaCha20-Poly1305, key from configuration).
  access_token_enc   bytea,
  refresh_token_enc  bytea,
  token_expires_at   timestamptz,
  connected_by       uuid REFERENCES users(id) ON DELETE SET NULL,
  connected_at       timestamptz NOT NULL DEFAULT now(),
  disconnected_at    timestamptz,
  last_published_at  timestamptz,
  last_error         text,
  PRIMARY KEY (workspace_id, id),
  CONSTRAINT social_accounts_external_key UNIQUE (workspace_id, platform, external_id)
);

-- A connection in progress: the `state` sent to the provider (its digest
-- here) ties the callback to the person and workspace that started it.
CREATE TABLE connect_states (
  state_hash          bytea PRIMARY KEY,
  workspace_id        uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  user_id             uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  platform            text NOT NULL,
  pkce_verifier_enc   bytea,
  created_at          timestamptz NOT NULL DEFAULT now(),
  expires_at          timestamptz NOT NULL
);
CREATE INDEX connect_states_user_idx ON connect_states (user_id);

-- Labels and signatures ---------------------------------------------------------

CREATE TABLE labels (
  workspace_id  uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id            uuid NOT NULL UNIQUE,
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
  color         text NOT NULL CHECK (color ~ '^#[0-9a-f]{6}$'),
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX labels_name_key ON labels (workspace_id, lower(name));

CREATE TABLE signatures (
  workspace_id  uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id            uuid NOT NULL UNIQUE,
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
  body          text NOT NULL CHECK (length(body) BETWEEN 1 AND 1000),
  is_default    boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX signatures_name_key ON signatures (workspace_id, lower(name));
-- At most one default per workspace (checked at commit, so a new default can
-- be set before the old one is cleared).
ALTER TABLE signatures ADD CONSTRAINT signatures_one_default
  EXCLUDE USING btree (workspace_id WITH =) WHERE (is_default)
  DEFERRABLE INITIALLY DEFERRED;
CREATE TRIGGER signatures_updated_at BEFORE UPDATE ON signatures
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Posts -----------------------------------------------------------------------

CREATE TABLE posts (
  workspace_id       uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id                 uuid NOT NULL UNIQUE,
  content            text NOT NULL CHECK (length(content) BETWEEN 1 AND 100000),
  status             text NOT NULL CHECK (status IN ('draft', 'awaiting_approval', 'scheduled',
                       'publishing', 'published', 'failed', 'partially_published')),
  scheduled_at       timestamptz,
  signature_id       uuid,
  created_by         uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  approved_by        uuid REFERENCES users(id) ON DELETE SET NULL,
  approved_at        timestamptz,
  rejected_by        uuid REFERENCES users(id) ON DELETE SET NULL,
  rejected_at        timestamptz,
  rejection_comment  text,
  -- Publishing (the worker's bookkeeping).
  attempts           int NOT NULL DEFAULT 0,
  next_attempt_at    timestamptz,
  lease_until        timestamptz,
  published_at       timestamptz,
  last_error         text,
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, signature_id) REFERENCES signatures (workspace_id, id)
    ON DELETE SET NULL (signature_id),
  CONSTRAINT posts_scheduled_has_time CHECK (status = 'draft' OR scheduled_at IS NOT NULL)
);
CREATE INDEX posts_due_idx ON posts ((coalesce(next_attempt_at, scheduled_at)))
  WHERE status = 'scheduled';
CREATE INDEX posts_lease_idx ON posts (lease_until) WHERE status = 'publishing';
CREATE INDEX posts_calendar_idx ON posts (workspace_id, scheduled_at, id);
CREATE INDEX posts_recent_idx ON posts (workspace_id, created_at DESC, id DESC);
CREATE TRIGGER posts_updated_at BEFORE UPDATE ON posts
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- One row per target account: the attempt's idempotency key and its result.
CREATE TABLE post_targets (
  workspace_id     uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  post_id          uuid NOT NULL,
  account_id       uuid NOT NULL,
  status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'processing', 'published', 'failed')),
  attempt_key      uuid,
  attempts         int NOT NULL DEFAULT 0,
  external_post_id text,
  permalink        text,
  error            text,
  published_at     timestamptz,
  PRIMARY KEY (workspace_id, post_id, account_id),
  FOREIGN KEY (workspace_id, post_id) REFERENCES posts (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, account_id) REFERENCES social_accounts (workspace_id, id)
);
CREATE INDEX post_targets_account_idx ON post_targets (workspace_id, account_id);

CREATE TABLE post_labels (
  workspace_id  uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  post_id       uuid NOT NULL,
  label_id      uuid NOT NULL,
  PRIMARY KEY (workspace_id, post_id, label_id),
  FOREIGN KEY (workspace_id, post_id) REFERENCES posts (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, label_id) REFERENCES labels (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX post_labels_label_idx ON post_labels (workspace_id, label_id);

-- Row-level security ------------------------------------------------------------

ALTER TABLE social_accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE social_accounts FORCE ROW LEVEL SECURITY;
ALTER TABLE connect_states ENABLE ROW LEVEL SECURITY;
ALTER TABLE connect_states FORCE ROW LEVEL SECURITY;
ALTER TABLE labels ENABLE ROW LEVEL SECURITY;
ALTER TABLE labels FORCE ROW LEVEL SECURITY;
ALTER TABLE signatures ENABLE ROW LEVEL SECURITY;
ALTER TABLE signatures FORCE ROW LEVEL SECURITY;
ALTER TABLE posts ENABLE ROW LEVEL SECURITY;
ALTER TABLE posts FORCE ROW LEVEL SECURITY;
ALTER TABLE post_targets ENABLE ROW LEVEL SECURITY;
ALTER TABLE post_targets FORCE ROW LEVEL SECURITY;
ALTER TABLE post_labels ENABLE ROW LEVEL SECURITY;
ALTER TABLE post_labels FORCE ROW LEVEL SECURITY;

-- Social accounts: every member sees them (never their tokens); managers
-- connect and disconnect.
GRANT SELECT (workspace_id, id, platform, external_id, handle, display_name, avatar_url, profile_url,
              status, token_expires_at, connected_by, connected_at, disconnected_at,
              last_published_at, last_error)
  ON social_accounts TO postroom_app;
GRANT INSERT (workspace_id, id, platform, external_id, handle, display_name, avatar_url, profile_url,
              status, access_token_enc, refresh_token_enc, token_expires_at, connected_by)
  ON social_accounts TO postroom_app;
GRANT UPDATE (handle, display_name, avatar_url, profile_url, status, access_token_enc, refresh_token_enc,
              token_expires_at, connected_by, connected_at, disconnected_at, last_error)
  ON social_accounts TO postroom_app;
CREATE POLICY social_accounts_read ON social_accounts FOR SELECT TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()));
CREATE POLICY social_accounts_connect ON social_accounts FOR INSERT TO postroom_app
  WITH CHECK (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_manage())
              AND connected_by = (SELECT app_session_user()));
CREATE POLICY social_accounts_manage ON social_accounts FOR UPDATE TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_manage()))
  WITH CHECK (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_manage()));

-- Connect states: only the person who started the connection sees it; the
-- callback finds it by the state's digest before it knows the workspace.
GRANT SELECT, INSERT, DELETE ON connect_states TO postroom_app;
CREATE POLICY connect_states_own ON connect_states FOR SELECT TO postroom_app
  USING (user_id = (SELECT app_session_user()));
CREATE POLICY connect_states_start ON connect_states FOR INSERT TO postroom_app
  WITH CHECK (user_id = (SELECT app_session_user())
              AND workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_manage()));
CREATE POLICY connect_states_finish ON connect_states FOR DELETE TO postroom_app
  USING (user_id = (SELECT app_session_user()));

-- Labels and signatures: every member reads; OWNER, ADMIN and EDITOR write.
GRANT SELECT, INSERT, UPDATE, DELETE ON labels, signatures TO postroom_app;
CREATE POLICY labels_read ON labels FOR SELECT TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()));
CREATE POLICY labels_create ON labels FOR INSERT TO postroom_app
  WITH CHECK (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_edit()));
CREATE POLICY labels_update ON labels FOR UPDATE TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_edit()))
  WITH CHECK (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_edit()));
CREATE POLICY labels_delete ON labels FOR DELETE TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_edit()));
CREATE POLICY signatures_read ON signatures FOR SELECT TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()));
CREATE POLICY signatures_create ON signatures FOR INSERT TO postroom_app
  WITH CHECK (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_edit()));
CREATE POLICY signatures_update ON signatures FOR UPDATE TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_edit()))
  WITH CHECK (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_edit()));
CREATE POLICY signatures_delete ON signatures FOR DELETE TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_edit()));

-- Posts: every member reads; editors write what is not being published;
-- approvers move a post out of awaiting_approval (and, by the trigger below,
-- change nothing else).
GRANT SELECT, INSERT, DELETE ON posts TO postroom_app;
GRANT UPDATE (content, status, scheduled_at, signature_id, approved_by, approved_at, rejected_by,
              rejected_at, rejection_comment, attempts, next_attempt_at, last_error)
  ON posts TO postroom_app;
CREATE POLICY posts_read ON posts FOR SELECT TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()));
CREATE POLICY posts_create ON posts FOR INSERT TO postroom_app
  WITH CHECK (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_edit())
              AND created_by = (SELECT app_session_user())
              AND status IN ('draft', 'awaiting_approval', 'scheduled')
              AND approved_by IS NULL);
CREATE POLICY posts_edit ON posts FOR UPDATE TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_edit())
         AND status <> 'publishing')
  WITH CHECK (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_edit())
              AND status IN ('draft', 'awaiting_approval', 'scheduled', 'failed',
                             'partially_published', 'published'));
CREATE POLICY posts_approve ON posts FOR UPDATE TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_approve())
         AND status = 'awaiting_approval')
  WITH CHECK (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_approve())
              AND status IN ('scheduled', 'draft'));
CREATE POLICY posts_delete ON posts FOR DELETE TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_edit())
         AND status <> 'publishing');

-- The rules of the approval flow that the database can judge:
-- * in a workspace that needs approval, a post becomes `scheduled` only with
--   an approval recorded by someone who may approve (or a manager);
-- * an approval or rejection names the caller;
-- * a CLIENT (who may approve but not edit) changes nothing but the decision.
-- Only for the web role: the publishing worker has no session.
CREATE FUNCTION posts_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  role text;
  needs_approval boolean;
BEGIN
  IF current_user <> 'postroom_app' THEN
    RETURN NEW;
  END IF;
  role := app_acting_role();
  IF TG_OP = 'UPDATE' THEN
    IF NEW.approved_by IS DISTINCT FROM OLD.approved_by AND NEW.approved_by IS NOT NULL
       AND (NEW.approved_by <> app_session_user() OR role NOT IN ('OWNER', 'ADMIN', 'CLIENT')) THEN
      RAISE EXCEPTION 'an approval must be made by an approver in their own name'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.rejected_by IS DISTINCT FROM OLD.rejected_by AND NEW.rejected_by IS NOT NULL
       AND (NEW.rejected_by <> app_session_user() OR role NOT IN ('OWNER', 'ADMIN', 'CLIENT')) THEN
      RAISE EXCEPTION 'a rejection must be made by an approver in their own name'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF role = 'CLIENT' AND (NEW.content <> OLD.content
        OR NEW.scheduled_at IS DISTINCT FROM OLD.scheduled_at
        OR NEW.signature_id IS DISTINCT FROM OLD.signature_id) THEN
      RAISE EXCEPTION 'a client may approve or reject a post, not edit it'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  IF NEW.status = 'scheduled' AND (TG_OP = 'INSERT' OR OLD.status <> 'scheduled') THEN
    SELECT w.require_approval INTO needs_approval FROM workspaces w WHERE w.id = NEW.workspace_id;
    IF coalesce(needs_approval, false) AND NEW.approved_by IS NULL
       AND role NOT IN ('OWNER', 'ADMIN') THEN
      RAISE EXCEPTION 'posts in this workspace need approval before they are scheduled'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER posts_guard BEFORE INSERT OR UPDATE ON posts
  FOR EACH ROW EXECUTE FUNCTION posts_guard();

-- Targets and labels of a post: read by members, written by editors.
GRANT SELECT, INSERT, DELETE ON post_targets, post_labels TO postroom_app;
GRANT UPDATE (status, attempt_key, error) ON post_targets TO postroom_app;
CREATE POLICY post_targets_read ON post_targets FOR SELECT TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()));
CREATE POLICY post_targets_write ON post_targets FOR INSERT TO postroom_app
  WITH CHECK (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_edit()));
CREATE POLICY post_targets_reset ON post_targets FOR UPDATE TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_edit())
         AND status <> 'processing')
  WITH CHECK (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_edit()));
CREATE POLICY post_targets_remove ON post_targets FOR DELETE TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_edit())
         AND status <> 'processing');
CREATE POLICY post_labels_read ON post_labels FOR SELECT TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()));
CREATE POLICY post_labels_write ON post_labels FOR INSERT TO postroom_app
  WITH CHECK (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_edit()));
CREATE POLICY post_labels_remove ON post_labels FOR DELETE TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_edit()));

-- The publishing worker (jobs role) works across workspaces by nature: it
-- reads what it must publish and records results, and nothing else — no
-- labels, no members, no workspace settings, no activity.
GRANT SELECT (workspace_id, id, content, status, scheduled_at, signature_id, attempts,
              next_attempt_at, lease_until, published_at, last_error),
      UPDATE (status, attempts, next_attempt_at, lease_until, published_at, last_error)
  ON posts TO postroom_jobs;
CREATE POLICY posts_publisher ON posts TO postroom_jobs USING (true) WITH CHECK (true);
GRANT SELECT, UPDATE (status, attempt_key, attempts, external_post_id, permalink, error, published_at)
  ON post_targets TO postroom_jobs;
CREATE POLICY post_targets_publisher ON post_targets TO postroom_jobs USING (true) WITH CHECK (true);
GRANT SELECT (workspace_id, id, body) ON signatures TO postroom_jobs;
CREATE POLICY signatures_publisher ON signatures FOR SELECT TO postroom_jobs USING (true);
GRANT SELECT (workspace_id, id, platform, external_id, status, access_token_enc, refresh_token_enc,
              token_expires_at),
      UPDATE (status, last_published_at, last_error, access_token_enc, refresh_token_enc, token_expires_at)
  ON social_accounts TO postroom_jobs;
CREATE POLICY social_accounts_publisher ON social_accounts TO postroom_jobs USING (true) WITH CHECK (true);

-- The Sandbox network -------------------------------------------------------------
--
-- Not tenant data: these tables stand in for a social network's own servers
-- (its consent grants, tokens and public posts), which the app reaches only
-- through the provider interface, as it would reach a real network over
-- HTTPS. A Sandbox post is public at its permalink, like a post on any
-- network.
CREATE TABLE sandbox_users (
  external_id   text PRIMARY KEY,
  handle        text NOT NULL UNIQUE,
  display_name  text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE sandbox_grants (
  code_hash     bytea PRIMARY KEY,
  external_id   text NOT NULL REFERENCES sandbox_users(external_id),
  redirect_uri  text NOT NULL,
  expires_at    timestamptz NOT NULL
);
CREATE TABLE sandbox_tokens (
  token_hash    bytea PRIMARY KEY,
  external_id   text NOT NULL REFERENCES sandbox_users(external_id),
  kind          text NOT NULL CHECK (kind IN ('access', 'refresh')),
  expires_at    timestamptz NOT NULL,
  revoked_at    timestamptz
);
CREATE TABLE sandbox_posts (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  external_id      text NOT NULL REFERENCES sandbox_users(external_id),
  idempotency_key  text NOT NULL UNIQUE,
  content          text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE, DELETE ON sandbox_users, sandbox_grants, sandbox_tokens TO postroom_app, postroom_jobs;
GRANT SELECT ON sandbox_posts TO postroom_app;
GRANT SELECT, INSERT ON sandbox_posts TO postroom_jobs;
-- Row-level security on, like every table, with policies that say what the
-- network's own pages and the publisher may do with it.
ALTER TABLE sandbox_users ENABLE ROW LEVEL SECURITY;
ALTER TABLE sandbox_users FORCE ROW LEVEL SECURITY;
ALTER TABLE sandbox_grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE sandbox_grants FORCE ROW LEVEL SECURITY;
ALTER TABLE sandbox_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE sandbox_tokens FORCE ROW LEVEL SECURITY;
ALTER TABLE sandbox_posts ENABLE ROW LEVEL SECURITY;
ALTER TABLE sandbox_posts FORCE ROW LEVEL SECURITY;
CREATE POLICY sandbox_users_network ON sandbox_users TO postroom_app, postroom_jobs USING (true) WITH CHECK (true);
CREATE POLICY sandbox_grants_network ON sandbox_grants TO postroom_app, postroom_jobs USING (true) WITH CHECK (true);
CREATE POLICY sandbox_tokens_network ON sandbox_tokens TO postroom_app, postroom_jobs USING (true) WITH CHECK (true);
-- Public posts: anyone reads them at their permalink; only the publisher writes.
CREATE POLICY sandbox_posts_public ON sandbox_posts FOR SELECT TO postroom_app, postroom_jobs USING (true);
CREATE POLICY sandbox_posts_publish ON sandbox_posts FOR INSERT TO postroom_jobs WITH CHECK (true);
