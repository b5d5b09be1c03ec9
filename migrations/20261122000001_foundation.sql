-- Foundation: accounts, sessions, workspaces, memberships, brand profiles,
-- activity log, plans. Tenant tables carry workspace_id first in their key and
-- are protected by row-level security keyed on the transaction-local setting
-- app.workspace_id (and, for the switcher, app.user_id).

CREATE EXTENSION IF NOT EXISTS citext;

-- The runtime role: no ownership, no BYPASSRLS. Created here when missing so a
-- bare database works; the scripts normally create it beforehand.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'postroom_app') THEN
    BEGIN
      CREATE ROLE postroom_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
END
$$;

CREATE FUNCTION app_workspace_id() RETURNS uuid
LANGUAGE sql STABLE AS $$
  SELECT nullif(current_setting('app.workspace_id', true), '')::uuid
$$;

CREATE FUNCTION app_user_id() RETURNS uuid
LANGUAGE sql STABLE AS $$
  SELECT nullif(current_setting('app.user_id', true), '')::uuid
$$;

CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;

CREATE TABLE plans (
  code                   text PRIMARY KEY,
  name                   text NOT NULL,
  sort_order             int  NOT NULL,
  max_workspaces         int  NOT NULL,
  max_social_accounts    int  NOT NULL,
  max_members            int  NOT NULL,
  ai_credits_monthly     int  NOT NULL,
  monthly_posts          int  NOT NULL,
  scheduled_posts        int  NOT NULL,
  schedule_horizon_days  int  NOT NULL,
  api_access             boolean NOT NULL,
  managed_users          boolean NOT NULL
);

INSERT INTO plans VALUES
  ('starter', 'Starter', 1,  1,   5,  1,  1000,   300,   50,  30, false, false),
  ('plus',    'Plus',    2,  5,  10,  5,  2000,  1000,  200,  90, true,  false),
  ('pro',     'Pro',     3, 15,  30, 15,  5000,  5000, 1000, 180, true,  true),
  ('max',     'Max',     4, 50, 100, 20, 15000, 20000, 5000, 365, true,  true);

CREATE TABLE users (
  id                 uuid PRIMARY KEY,
  email              citext NOT NULL,
  name               text NOT NULL,
  password_hash      text NOT NULL,
  plan               text NOT NULL DEFAULT 'starter' REFERENCES plans(code),
  last_workspace_id  uuid,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_email_key UNIQUE (email)
);
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE sessions (
  token_hash    bytea PRIMARY KEY,
  user_id       uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  user_agent    text,
  ip            text
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expiry_idx ON sessions (expires_at);

-- Tenant tables -------------------------------------------------------------

CREATE TABLE workspaces (
  id                uuid PRIMARY KEY,
  name              text NOT NULL,
  slug              text NOT NULL,
  owner_id          uuid NOT NULL REFERENCES users(id),
  logo_url          text,
  primary_color     text CHECK (primary_color ~ '^#[0-9a-f]{6}$'),
  is_personal       boolean NOT NULL DEFAULT false,
  default_language  text NOT NULL DEFAULT 'en',
  settings          jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT workspaces_slug_key UNIQUE (slug)
);
CREATE INDEX workspaces_owner_idx ON workspaces (owner_id);
CREATE TRIGGER workspaces_updated_at BEFORE UPDATE ON workspaces
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE memberships (
  workspace_id  uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  user_id       uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role          text NOT NULL CHECK (role IN ('OWNER', 'ADMIN', 'EDITOR', 'VIEWER', 'CLIENT')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);

CREATE TABLE brand_profiles (
  workspace_id      uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
  website           text,
  description       text,
  tone              text,
  voice_notes       text,
  primary_color     text CHECK (primary_color ~ '^#[0-9a-f]{6}$'),
  background_color  text CHECK (background_color ~ '^#[0-9a-f]{6}$'),
  text_color        text CHECK (text_color ~ '^#[0-9a-f]{6}$'),
  font              text,
  content_language  text NOT NULL DEFAULT 'en',
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER brand_profiles_updated_at BEFORE UPDATE ON brand_profiles
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE activity_log (
  workspace_id   uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id             bigint GENERATED ALWAYS AS IDENTITY,
  actor_user_id  uuid REFERENCES users(id) ON DELETE SET NULL,
  actor_key_id   uuid,
  actor_label    text NOT NULL,
  action         text NOT NULL,
  object_type    text NOT NULL,
  object_id      text,
  summary        text NOT NULL,
  detail         jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX activity_log_recent_idx ON activity_log (workspace_id, created_at DESC, id DESC);

-- Row-level security ----------------------------------------------------------

ALTER TABLE workspaces ENABLE ROW LEVEL SECURITY;
ALTER TABLE workspaces FORCE ROW LEVEL SECURITY;
CREATE POLICY workspaces_scope ON workspaces
  USING (id = app_workspace_id()) WITH CHECK (id = app_workspace_id());
CREATE POLICY workspaces_member_read ON workspaces FOR SELECT
  USING (EXISTS (SELECT 1 FROM memberships m
                 WHERE m.workspace_id = workspaces.id AND m.user_id = app_user_id()));

ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY memberships_scope ON memberships
  USING (workspace_id = app_workspace_id()) WITH CHECK (workspace_id = app_workspace_id());
CREATE POLICY memberships_self_read ON memberships FOR SELECT
  USING (user_id = app_user_id());

ALTER TABLE brand_profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE brand_profiles FORCE ROW LEVEL SECURITY;
CREATE POLICY brand_profiles_scope ON brand_profiles
  USING (workspace_id = app_workspace_id()) WITH CHECK (workspace_id = app_workspace_id());

ALTER TABLE activity_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE activity_log FORCE ROW LEVEL SECURITY;
CREATE POLICY activity_log_scope ON activity_log
  USING (workspace_id = app_workspace_id()) WITH CHECK (workspace_id = app_workspace_id());

-- Privileges for the runtime role ---------------------------------------------

GRANT USAGE ON SCHEMA public TO postroom_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO postroom_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO postroom_app;
REVOKE INSERT, UPDATE, DELETE ON plans FROM postroom_app;
REVOKE ALL ON _sqlx_migrations FROM postroom_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO postroom_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO postroom_app;
