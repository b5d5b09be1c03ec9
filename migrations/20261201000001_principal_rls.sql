-- Principal-bound row-level security.
--
-- Until now a policy admitted a row when `workspace_id = app.workspace_id`, and
-- any server code could set that setting. From here on every transaction
-- presents its caller's *credential* (the SHA-256 digest of the session cookie
-- in `app.session`; of an invitation token in `app.invitation_token`), and a
-- policy admits a row only when that credential is valid and its principal may
-- act in the row's workspace. A bare `set_config('app.workspace_id', <B>)` by
-- someone who is not a member of B sees nothing and writes nothing.
--
-- The checks live in a few SECURITY DEFINER functions owned by the migrator
-- (which bypasses RLS), so that reading `sessions` and `memberships` inside a
-- policy neither recurses into their own policies nor needs the runtime role
-- to see them. Policies call them as uncorrelated sub-selects
-- `(SELECT app_acting_workspace())`, which the planner turns into an InitPlan:
-- the check runs once per statement, not once per row.

DO $$
BEGIN
  IF NOT (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) THEN
    RAISE EXCEPTION 'the migrator role % needs BYPASSRLS (or superuser): the credential checks are SECURITY DEFINER functions it owns', current_user;
  END IF;
  -- The background-jobs role (mail sender, later the publishing worker).
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'postroom_jobs') THEN
    BEGIN
      CREATE ROLE postroom_jobs LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
END
$$;
GRANT USAGE ON SCHEMA public TO postroom_jobs;
-- New tables are not granted to anyone by default any more: each migration
-- grants exactly what each role needs.
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM postroom_app;

-- Credentials ------------------------------------------------------------------

-- The idle limit travels with the session so the database can judge it.
ALTER TABLE sessions ADD COLUMN idle_timeout interval NOT NULL DEFAULT interval '168 hours';

CREATE FUNCTION app_session_hash() RETURNS bytea
LANGUAGE sql STABLE AS $$
  SELECT decode(nullif(current_setting('app.session', true), ''), 'hex')
$$;

-- The user behind the presented session, if it is valid (not expired, not idle too long).
CREATE FUNCTION app_session_user() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT s.user_id FROM public.sessions s
   WHERE s.token_hash = public.app_session_hash()
     AND s.expires_at > now()
     AND s.last_seen_at + s.idle_timeout > now()
$$;

-- The caller's role in the workspace in scope, or NULL when they may not act there.
CREATE FUNCTION app_acting_role() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT m.role FROM public.memberships m
   WHERE m.workspace_id = public.app_workspace_id()
     AND m.user_id = public.app_session_user()
$$;

-- The workspace in scope, only if the caller may act in it.
CREATE FUNCTION app_acting_workspace() RETURNS uuid
LANGUAGE sql STABLE AS $$
  SELECT app_workspace_id() WHERE app_acting_role() IS NOT NULL
$$;

-- May the caller manage the workspace in scope (OWNER or ADMIN)?
CREATE FUNCTION app_can_manage() RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce(app_acting_role() IN ('OWNER', 'ADMIN'), false)
$$;

-- Every workspace the caller belongs to (the switcher).
CREATE FUNCTION app_user_workspaces() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT coalesce(array_agg(m.workspace_id), '{}') FROM public.memberships m
   WHERE m.user_id = public.app_session_user()
$$;

-- The workspace and inviter of the presented invitation token (any state:
-- the invitation page explains expired or used links too).
CREATE FUNCTION app_token_workspace() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT i.workspace_id FROM public.invitations i WHERE i.token_hash = public.app_invitation_token()
$$;

CREATE FUNCTION app_token_inviter() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT i.invited_by FROM public.invitations i WHERE i.token_hash = public.app_invitation_token()
$$;

-- The role the caller may take in `ws` by the invitation token they presented
-- and claimed in this very transaction, if its inviter may still grant it.
CREATE FUNCTION app_claimed_role(ws uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT i.role FROM public.invitations i
   WHERE i.token_hash = public.app_invitation_token()
     AND i.workspace_id = ws
     AND i.accepted_by = public.app_session_user()
     AND i.accepted_at = now()
     AND EXISTS (SELECT 1 FROM public.memberships m
                  WHERE m.workspace_id = ws AND m.user_id = i.invited_by
                    AND m.role IN ('OWNER', 'ADMIN'))
$$;

-- Is the caller founding `ws` right now (they own it and it has no members yet)?
CREATE FUNCTION app_may_found(ws uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT EXISTS (SELECT 1 FROM public.workspaces w
                  WHERE w.id = ws AND w.owner_id = public.app_session_user())
     AND NOT EXISTS (SELECT 1 FROM public.memberships m WHERE m.workspace_id = ws)
$$;

-- Locks the caller's own membership in the workspace in scope (FOR SHARE)
-- until the transaction ends and returns its role: a concurrent demotion,
-- removal or ownership transfer waits for the change in flight. A function,
-- because a plain SELECT … FOR SHARE must pass the UPDATE policies, which
-- only managers do.
CREATE FUNCTION app_lock_membership() RETURNS text
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT m.role FROM public.memberships m
   WHERE m.workspace_id = public.app_workspace_id()
     AND m.user_id = public.app_session_user()
  FOR SHARE
$$;

-- Narrow entry points for what must happen before a session exists or with
-- nothing but the credential in hand. Each needs the secret it is about.

-- Log-in: the password hash of one account, named by its email. The runtime
-- role cannot SELECT password_hash at all (column privileges below).
CREATE FUNCTION auth_login_lookup(login_email text)
RETURNS TABLE (user_id uuid, name text, password_hash text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT u.id, u.name, u.password_hash FROM public.users u
   WHERE u.email = login_email::public.citext
$$;

-- Every request: who holds this session digest? Refreshes last_seen_at at
-- most once a minute. Knowing the digest means holding the cookie.
CREATE FUNCTION auth_resolve_session(digest bytea)
RETURNS TABLE (user_id uuid, email text, name text, last_workspace_id uuid)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  UPDATE public.sessions s SET last_seen_at = now()
   WHERE s.token_hash = digest AND s.expires_at > now()
     AND s.last_seen_at + s.idle_timeout > now()
     AND s.last_seen_at < now() - interval '60 seconds';
  RETURN QUERY
    SELECT u.id, u.email::text, u.name, u.last_workspace_id
      FROM public.sessions s JOIN public.users u ON u.id = s.user_id
     WHERE s.token_hash = digest AND s.expires_at > now()
       AND s.last_seen_at + s.idle_timeout > now();
END
$$;

-- Log-out (or a new log-in replacing it): ends the session with this digest.
CREATE FUNCTION auth_end_session(digest bytea) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  DELETE FROM public.sessions WHERE token_hash = digest
$$;

REVOKE ALL ON FUNCTION app_session_user(), app_acting_role(), app_user_workspaces(), app_lock_membership(),
  app_token_workspace(), app_token_inviter(), app_claimed_role(uuid), app_may_found(uuid),
  auth_login_lookup(text), auth_resolve_session(bytea), auth_end_session(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_session_user(), app_acting_role(), app_user_workspaces(), app_lock_membership(),
  app_token_workspace(), app_token_inviter(), app_claimed_role(uuid), app_may_found(uuid),
  auth_login_lookup(text), auth_resolve_session(bytea), auth_end_session(bytea) TO postroom_app;

-- users: own row, co-members of the workspace in scope, the inviter of a
-- presented token. Never password_hash; never the plan (operators set it).
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
REVOKE ALL ON users FROM postroom_app;
GRANT SELECT (id, email, name, last_workspace_id, created_at, updated_at) ON users TO postroom_app;
GRANT INSERT (id, email, name, password_hash) ON users TO postroom_app;
GRANT UPDATE (name, last_workspace_id) ON users TO postroom_app;
CREATE POLICY users_self ON users FOR SELECT
  USING (id = (SELECT app_session_user()));
CREATE POLICY users_comembers ON users FOR SELECT
  USING (id IN (SELECT m.user_id FROM memberships m
                 WHERE m.workspace_id = (SELECT app_acting_workspace())));
CREATE POLICY users_inviter ON users FOR SELECT
  USING (id = (SELECT app_token_inviter()));
-- Anyone may sign up.
CREATE POLICY users_sign_up ON users FOR INSERT WITH CHECK (true);
CREATE POLICY users_self_update ON users FOR UPDATE
  USING (id = (SELECT app_session_user())) WITH CHECK (id = (SELECT app_session_user()));

-- sessions: only the one whose digest the transaction presents. Creating a
-- session is the log-in's trust root (the password is checked in Rust with
-- argon2, which the database cannot run), so INSERT needs only the digest.
ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
REVOKE ALL ON sessions FROM postroom_app;
GRANT SELECT, INSERT, DELETE ON sessions TO postroom_app;
GRANT UPDATE (last_seen_at) ON sessions TO postroom_app;
CREATE POLICY sessions_own ON sessions TO postroom_app
  USING (token_hash = app_session_hash() AND user_id = (SELECT app_session_user()))
  WITH CHECK (token_hash = app_session_hash());
-- The jobs role purges dead sessions and can see nothing else of them.
GRANT SELECT (token_hash, expires_at, last_seen_at, idle_timeout), DELETE ON sessions TO postroom_jobs;
CREATE POLICY sessions_dead_read ON sessions FOR SELECT TO postroom_jobs
  USING (expires_at <= now() OR last_seen_at + idle_timeout <= now());
CREATE POLICY sessions_dead_purge ON sessions FOR DELETE TO postroom_jobs
  USING (expires_at <= now() OR last_seen_at + idle_timeout <= now());

-- Tenant tables ----------------------------------------------------------------

DROP POLICY workspaces_scope ON workspaces;
DROP POLICY workspaces_member_read ON workspaces;
CREATE POLICY workspaces_read ON workspaces FOR SELECT
  USING (id = (SELECT app_acting_workspace())
         OR id = ANY ((SELECT app_user_workspaces())::uuid[])
         OR id = (SELECT app_token_workspace()));
CREATE POLICY workspaces_create ON workspaces FOR INSERT
  WITH CHECK (owner_id = (SELECT app_session_user()));
CREATE POLICY workspaces_update ON workspaces FOR UPDATE
  USING (id = (SELECT app_acting_workspace()) AND (SELECT app_can_manage()))
  WITH CHECK (id = (SELECT app_acting_workspace()) AND (SELECT app_can_manage()));
CREATE POLICY workspaces_delete ON workspaces FOR DELETE
  USING (id = (SELECT app_acting_workspace()) AND (SELECT app_acting_role()) = 'OWNER');

-- One owner per workspace, checked at commit so that a transfer can promote
-- the new owner before it demotes the old one.
DROP INDEX memberships_one_owner;
ALTER TABLE memberships ADD CONSTRAINT memberships_one_owner
  EXCLUDE USING btree (workspace_id WITH =) WHERE (role = 'OWNER')
  DEFERRABLE INITIALLY DEFERRED;

DROP POLICY memberships_scope ON memberships;
DROP POLICY memberships_self_read ON memberships;
CREATE POLICY memberships_read ON memberships FOR SELECT
  USING (workspace_id = (SELECT app_acting_workspace())
         OR user_id = (SELECT app_session_user()));
-- A membership is created only by founding a workspace (as its OWNER) or by
-- claiming an invitation token for exactly its workspace and role.
CREATE POLICY memberships_join ON memberships FOR INSERT
  WITH CHECK (user_id = (SELECT app_session_user())
              AND ((role = 'OWNER' AND app_may_found(workspace_id))
                   OR role = app_claimed_role(workspace_id)));
-- Managers re-role members; only the OWNER touches or grants OWNER.
CREATE POLICY memberships_manage ON memberships FOR UPDATE
  USING (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_manage())
         AND (role <> 'OWNER' OR (SELECT app_acting_role()) = 'OWNER'))
  WITH CHECK (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_manage())
              AND (role <> 'OWNER' OR (SELECT app_acting_role()) = 'OWNER'));
-- Managers remove members, anyone leaves; the OWNER row goes only with its workspace.
CREATE POLICY memberships_remove ON memberships FOR DELETE
  USING (workspace_id = (SELECT app_acting_workspace()) AND role <> 'OWNER'
         AND ((SELECT app_can_manage()) OR user_id = (SELECT app_session_user())));

DROP POLICY brand_profiles_scope ON brand_profiles;
CREATE POLICY brand_profiles_read ON brand_profiles FOR SELECT
  USING (workspace_id = (SELECT app_acting_workspace()));
CREATE POLICY brand_profiles_write ON brand_profiles FOR INSERT
  WITH CHECK (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_manage()));
CREATE POLICY brand_profiles_update ON brand_profiles FOR UPDATE
  USING (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_manage()))
  WITH CHECK (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_manage()));

-- Activity: readable by every role but CLIENT; written only in the caller's
-- own name.
DROP POLICY activity_log_scope ON activity_log;
CREATE POLICY activity_log_read ON activity_log FOR SELECT
  USING (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_acting_role()) <> 'CLIENT');
CREATE POLICY activity_log_write ON activity_log FOR INSERT
  WITH CHECK (workspace_id = (SELECT app_acting_workspace())
              AND actor_user_id = (SELECT app_session_user()));
REVOKE UPDATE, DELETE ON activity_log FROM postroom_app;

-- Invitations: managers of the workspace, or the bearer of one token.
DROP POLICY invitations_scope ON invitations;
DROP POLICY invitations_by_token ON invitations;
CREATE POLICY invitations_read ON invitations FOR SELECT TO postroom_app
  USING ((workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_manage()))
         OR token_hash = (SELECT app_invitation_token()));
CREATE POLICY invitations_create ON invitations FOR INSERT TO postroom_app
  WITH CHECK (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_manage())
              AND invited_by = (SELECT app_session_user()));
CREATE POLICY invitations_manage ON invitations FOR UPDATE TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_manage()))
  WITH CHECK (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_manage()));
-- The bearer of an open invitation's token claims it, in their own name.
CREATE POLICY invitations_claim ON invitations FOR UPDATE TO postroom_app
  USING (token_hash = (SELECT app_invitation_token())
         AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now())
  WITH CHECK (token_hash = (SELECT app_invitation_token())
              AND accepted_by = (SELECT app_session_user()));
REVOKE DELETE ON invitations FROM postroom_app;

-- What an invitation offers never changes after it is made (a claim or a
-- manager's update can touch only its token, expiry and state).
CREATE FUNCTION invitations_keep_offer() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.workspace_id <> OLD.workspace_id OR NEW.id <> OLD.id OR NEW.email <> OLD.email
     OR NEW.role <> OLD.role OR NEW.invited_by IS DISTINCT FROM OLD.invited_by
     OR NEW.created_at <> OLD.created_at THEN
    RAISE EXCEPTION 'an invitation''s workspace, address, role and inviter cannot change'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER invitations_keep_offer BEFORE UPDATE ON invitations
  FOR EACH ROW EXECUTE FUNCTION invitations_keep_offer();

-- The email outbox ----------------------------------------------------------------
--
-- The web role queues and cancels messages of the workspace it manages and
-- can read back no address, subject or body. The body never holds a usable
-- link: it carries the placeholder {{invite_link}}, and the sender (the jobs
-- role) mints a fresh token for the invitation at send time, so a database
-- dump lets nobody join a workspace.
ALTER TABLE email_outbox ADD COLUMN lease_until timestamptz;
ALTER TABLE email_outbox DROP CONSTRAINT email_outbox_status_check;
ALTER TABLE email_outbox ADD CONSTRAINT email_outbox_status_check
  CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled'));
UPDATE email_outbox SET status = 'cancelled', body_text = NULL WHERE status = 'pending';

ALTER TABLE email_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE email_outbox FORCE ROW LEVEL SECURITY;
REVOKE ALL ON email_outbox FROM postroom_app;
GRANT INSERT (workspace_id, invitation_id, to_address, subject, body_text) ON email_outbox TO postroom_app;
GRANT SELECT (id, workspace_id, invitation_id, status) ON email_outbox TO postroom_app;
GRANT UPDATE (status, body_text) ON email_outbox TO postroom_app;
CREATE POLICY email_outbox_queue ON email_outbox FOR INSERT TO postroom_app
  WITH CHECK (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_manage()));
CREATE POLICY email_outbox_read ON email_outbox FOR SELECT TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_manage()));
CREATE POLICY email_outbox_cancel ON email_outbox FOR UPDATE TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_manage()))
  WITH CHECK (workspace_id = (SELECT app_acting_workspace()) AND status = 'cancelled');

GRANT SELECT, UPDATE ON email_outbox TO postroom_jobs;
CREATE POLICY email_outbox_sender ON email_outbox TO postroom_jobs USING (true) WITH CHECK (true);

-- The sender re-tokens exactly the open invitations whose message it holds a
-- lease on, and reads nothing else of them.
GRANT SELECT (workspace_id, id, accepted_at, revoked_at, expires_at) ON invitations TO postroom_jobs;
GRANT UPDATE (token_hash) ON invitations TO postroom_jobs;
CREATE POLICY invitations_sender_read ON invitations FOR SELECT TO postroom_jobs
  USING (EXISTS (SELECT 1 FROM email_outbox o
                  WHERE o.workspace_id = invitations.workspace_id
                    AND o.invitation_id = invitations.id
                    AND o.status = 'sending' AND o.lease_until > now()));
CREATE POLICY invitations_sender_retoken ON invitations FOR UPDATE TO postroom_jobs
  USING (EXISTS (SELECT 1 FROM email_outbox o
                  WHERE o.workspace_id = invitations.workspace_id
                    AND o.invitation_id = invitations.id
                    AND o.status = 'sending' AND o.lease_until > now()))
  WITH CHECK (true);

-- Activity summaries no longer spell out email addresses: the list shows
-- them (from detail.email) only to those who may see the team list.
UPDATE activity_log SET summary = replace(summary, detail->>'email', '{email}')
 WHERE detail ? 'email' AND strpos(summary, detail->>'email') > 0;
UPDATE activity_log SET summary = regexp_replace(summary, ' \([^()]*@[^()]*\)', '', 'g')
 WHERE action IN ('member.removed', 'workspace.ownership_transferred');
