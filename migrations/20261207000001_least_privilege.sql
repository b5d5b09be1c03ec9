-- Least privilege: the database refuses a hostile runtime or jobs session.
--
-- Written as if an attacker had a SQL prompt as `postroom_app` or `postroom_jobs`
-- (tests/it/adversary.rs does exactly that; tests/it/catalog.rs fails when something
-- new is added without being classified here). What changes:
--
-- * No temporary objects, no CREATE anywhere: a hostile session cannot build the tables
--   it would need to shadow ours or to feed definer trigger functions.
-- * No function is executable by PUBLIC. Each role gets EXECUTE on exactly the functions
--   it calls (directly or through its policies); trigger functions are executable by
--   nobody (a trigger fires without EXECUTE) and act only for the table they belong to.
-- * Every function pins search_path (pg_catalog, public, pg_temp last) and qualifies
--   its tables.
-- * UPDATE is granted only on the columns the app writes. Ownership moves only through
--   app_transfer_ownership(), which checks the current OWNER and the new owner (ADMIN).
-- * Sessions are created (and password hashes read) only by a third role,
--   `postroom_auth`, used by sign-up, log-in and invitation sign-up; it may SET ROLE
--   postroom_app inside those transactions (NOINHERIT: nothing of the runtime role's
--   comes to it otherwise). The runtime role can never create a credential.
-- * What a client approved is what is published: changing a post's text, media or
--   signature (or the signature's body) withdraws its approval, enforced here.
-- * Functions enforce the roles table of SPEC §1 (usage: not CLIENT; people: managers).
-- * Publishing never repeats: a published target is final for every role, and the jobs
--   role moves posts and targets only along the publishing state machine.

-- The log-in role -------------------------------------------------------------------

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'postroom_auth') THEN
    BEGIN
      CREATE ROLE postroom_auth LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
  IF NOT pg_has_role('postroom_auth', 'postroom_app', 'MEMBER') THEN
    BEGIN
      GRANT postroom_app TO postroom_auth;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE EXCEPTION 'cannot GRANT postroom_app TO postroom_auth as %: run that once as a superuser (scripts/lib/postgres.sh does), then migrate again', current_user;
    WHEN unique_violation OR duplicate_object THEN NULL;
    END;
  END IF;
END
$$;
GRANT USAGE ON SCHEMA public TO postroom_auth;

-- No temporary objects, no CREATE ------------------------------------------------------

DO $$
BEGIN
  EXECUTE format('REVOKE TEMPORARY, CREATE ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('REVOKE TEMPORARY, CREATE ON DATABASE %I FROM postroom_app, postroom_jobs, postroom_auth',
                 current_database());
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO postroom_app, postroom_jobs, postroom_auth',
                 current_database());
EXCEPTION WHEN insufficient_privilege THEN
  RAISE EXCEPTION 'the migrator % must own database % (to revoke TEMPORARY from PUBLIC)',
    current_user, current_database();
END
$$;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- Functions: nobody executes what they have no business calling ---------------------

-- Every function of ours (not those of extensions such as citext), present and future.
DO $$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = 'public'::regnamespace
       AND NOT EXISTS (SELECT 1 FROM pg_depend d
                        WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC, postroom_app, postroom_jobs, postroom_auth', f);
  END LOOP;
END
$$;
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- Trigger functions act only for their own table (and a trigger fires without EXECUTE).

CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_SCHEMA <> 'public' OR TG_TABLE_NAME NOT IN ('users', 'workspaces', 'brand_profiles',
                                                          'signatures', 'posts') THEN
    RAISE EXCEPTION 'set_updated_at() is not a trigger of %.%', TG_TABLE_SCHEMA, TG_TABLE_NAME;
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION invitations_keep_offer() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_RELID <> 'public.invitations'::regclass THEN
    RAISE EXCEPTION 'invitations_keep_offer() is not a trigger of %.%', TG_TABLE_SCHEMA, TG_TABLE_NAME;
  END IF;
  IF NEW.workspace_id <> OLD.workspace_id OR NEW.id <> OLD.id OR NEW.email <> OLD.email
     OR NEW.role <> OLD.role OR NEW.invited_by IS DISTINCT FROM OLD.invited_by
     OR NEW.created_at <> OLD.created_at THEN
    RAISE EXCEPTION 'an invitation''s workspace, address, role and inviter cannot change'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION posts_usage() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  active_statuses text[] := ARRAY['awaiting_approval', 'scheduled', 'publishing'];
  was_active boolean;
  is_active boolean;
  ws uuid;
  c timestamptz;
  d_scheduled int;
  d_posts int := 0;
BEGIN
  IF TG_RELID <> 'public.posts'::regclass OR TG_LEVEL <> 'ROW' OR TG_WHEN <> 'BEFORE' THEN
    RAISE EXCEPTION 'posts_usage() is not a trigger of %.%', TG_TABLE_SCHEMA, TG_TABLE_NAME;
  END IF;
  was_active := TG_OP <> 'INSERT' AND OLD.status = ANY (active_statuses);
  is_active := TG_OP <> 'DELETE' AND NEW.status = ANY (active_statuses);
  ws := CASE WHEN TG_OP = 'DELETE' THEN OLD.workspace_id ELSE NEW.workspace_id END;
  c := (SELECT cycle FROM public.usage_owner_cycle(ws));
  d_scheduled := (is_active::int - was_active::int);
  IF is_active AND NOT was_active AND (TG_OP = 'INSERT' OR OLD.usage_cycle IS DISTINCT FROM c) THEN
    d_posts := 1;
    NEW.usage_cycle := c;
  ELSIF was_active AND NOT is_active
        AND (TG_OP = 'DELETE' OR NEW.status IN ('draft', 'failed'))
        AND OLD.usage_cycle = c THEN
    d_posts := -1;
    IF TG_OP <> 'DELETE' THEN
      NEW.usage_cycle := NULL;
    END IF;
  END IF;
  IF d_scheduled <> 0 OR d_posts <> 0 THEN
    PERFORM public.usage_add(ws, d_scheduled, d_posts, 0);
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

CREATE OR REPLACE FUNCTION social_accounts_usage() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  was boolean;
  now_ boolean;
BEGIN
  IF TG_RELID <> 'public.social_accounts'::regclass OR TG_LEVEL <> 'ROW' OR TG_WHEN <> 'AFTER' THEN
    RAISE EXCEPTION 'social_accounts_usage() is not a trigger of %.%', TG_TABLE_SCHEMA, TG_TABLE_NAME;
  END IF;
  was := TG_OP <> 'INSERT' AND OLD.status <> 'disconnected';
  now_ := TG_OP <> 'DELETE' AND NEW.status <> 'disconnected';
  IF was <> now_ THEN
    PERFORM public.usage_add(CASE WHEN TG_OP = 'DELETE' THEN OLD.workspace_id ELSE NEW.workspace_id END,
                             0, 0, now_::int - was::int);
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION ai_credit_usage() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  c timestamptz;
BEGIN
  IF TG_RELID <> 'public.ai_credit_ledger'::regclass OR TG_LEVEL <> 'ROW' OR TG_WHEN <> 'BEFORE' THEN
    RAISE EXCEPTION 'ai_credit_usage() is not a trigger of %.%', TG_TABLE_SCHEMA, TG_TABLE_NAME;
  END IF;
  c := (SELECT cycle FROM public.usage_owner_cycle(NEW.workspace_id));
  IF TG_OP = 'INSERT' THEN
    NEW.cycle_start := c;
    PERFORM public.usage_add_ai(NEW.workspace_id, c, NEW.credits);
  ELSE
    NEW.cycle_start := OLD.cycle_start;
    IF NEW.credits <> OLD.credits AND OLD.cycle_start = c THEN
      PERFORM public.usage_add_ai(NEW.workspace_id, c, NEW.credits - OLD.credits);
    END IF;
  END IF;
  RETURN NEW;
END
$$;

-- The approval rules, now with every table qualified (an unqualified `workspaces` could
-- be shadowed by a temporary table of that name).
CREATE OR REPLACE FUNCTION posts_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  role text;
  needs_approval boolean;
BEGIN
  IF TG_RELID <> 'public.posts'::regclass OR TG_LEVEL <> 'ROW' OR TG_WHEN <> 'BEFORE' THEN
    RAISE EXCEPTION 'posts_guard() is not a trigger of %.%', TG_TABLE_SCHEMA, TG_TABLE_NAME;
  END IF;
  IF current_user = 'postroom_jobs' THEN
    -- The publisher moves a post only along the publishing state machine, and only
    -- its bookkeeping columns (column grants) change.
    IF TG_OP <> 'UPDATE' OR NOT (
         (OLD.status = NEW.status)
      OR (OLD.status = 'scheduled' AND NEW.status = 'publishing')
      OR (OLD.status = 'publishing' AND NEW.status IN ('publishing', 'scheduled', 'published', 'failed',
                                                      'partially_published'))) THEN
      RAISE EXCEPTION 'the publisher cannot move a post from % to %', OLD.status, NEW.status
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
  END IF;
  IF current_user <> 'postroom_app' THEN
    RETURN NEW;
  END IF;
  role := public.app_acting_role();
  IF TG_OP = 'UPDATE' THEN
    IF NEW.approved_by IS DISTINCT FROM OLD.approved_by AND NEW.approved_by IS NOT NULL
       AND (NEW.approved_by <> public.app_session_user() OR role NOT IN ('OWNER', 'ADMIN', 'CLIENT')) THEN
      RAISE EXCEPTION 'an approval must be made by an approver in their own name'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.approved_at IS DISTINCT FROM OLD.approved_at AND NEW.approved_at IS NOT NULL
       AND NEW.approved_by IS NOT DISTINCT FROM OLD.approved_by THEN
      RAISE EXCEPTION 'an approval''s time is set only with the approval'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.rejected_by IS DISTINCT FROM OLD.rejected_by AND NEW.rejected_by IS NOT NULL
       AND (NEW.rejected_by <> public.app_session_user() OR role NOT IN ('OWNER', 'ADMIN', 'CLIENT')) THEN
      RAISE EXCEPTION 'a rejection must be made by an approver in their own name'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF role = 'CLIENT' AND (NEW.content <> OLD.content
        OR NEW.scheduled_at IS DISTINCT FROM OLD.scheduled_at
        OR NEW.signature_id IS DISTINCT FROM OLD.signature_id) THEN
      RAISE EXCEPTION 'a client may approve or reject a post, not edit it'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  ELSIF NEW.approved_by IS NOT NULL OR NEW.approved_at IS NOT NULL THEN
    RAISE EXCEPTION 'a new post has no approval yet' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.status = 'scheduled' AND (TG_OP = 'INSERT' OR OLD.status <> 'scheduled') THEN
    SELECT w.require_approval INTO needs_approval FROM public.workspaces w WHERE w.id = NEW.workspace_id;
    IF coalesce(needs_approval, false) AND NEW.approved_by IS NULL
       AND role NOT IN ('OWNER', 'ADMIN') THEN
      RAISE EXCEPTION 'posts in this workspace need approval before they are scheduled'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  RETURN NEW;
END
$$;

-- What was approved is what is published ---------------------------------------------
--
-- A change of what a post will publish (its text, its signature, its media, or the body
-- of its signature) withdraws its approval. In a workspace that requires approval a
-- scheduled post then goes back to `awaiting_approval` — unless the post carried no
-- approval and an OWNER or ADMIN (who may schedule without one) made the change. A new
-- time alone changes nothing here.

-- Withdraws the approval of one post (called by the triggers below, as the owner).
CREATE FUNCTION posts_withdraw_approval(ws uuid, post uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  UPDATE public.posts p
     SET approved_by = NULL, approved_at = NULL,
         status = CASE WHEN p.status = 'scheduled'
                        AND (SELECT w.require_approval FROM public.workspaces w WHERE w.id = p.workspace_id)
                        AND (p.approved_by IS NOT NULL
                             OR coalesce(public.app_acting_role() NOT IN ('OWNER', 'ADMIN'), true))
                       THEN 'awaiting_approval' ELSE p.status END
   WHERE p.workspace_id = ws AND p.id = post
     AND p.status IN ('draft', 'awaiting_approval', 'scheduled', 'failed');
END
$$;

CREATE FUNCTION posts_keep_approval() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF TG_RELID <> 'public.posts'::regclass OR TG_LEVEL <> 'ROW' OR TG_WHEN <> 'BEFORE' OR TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION 'posts_keep_approval() is not a trigger of %.%', TG_TABLE_SCHEMA, TG_TABLE_NAME;
  END IF;
  IF (NEW.content IS DISTINCT FROM OLD.content OR NEW.signature_id IS DISTINCT FROM OLD.signature_id)
     AND NEW.status IN ('draft', 'awaiting_approval', 'scheduled', 'failed') THEN
    IF NEW.status = 'scheduled'
       AND (SELECT w.require_approval FROM public.workspaces w WHERE w.id = NEW.workspace_id)
       AND (OLD.approved_by IS NOT NULL OR NEW.approved_by IS NOT NULL
            OR coalesce(public.app_acting_role() NOT IN ('OWNER', 'ADMIN'), true)) THEN
      NEW.status := 'awaiting_approval';
    END IF;
    NEW.approved_by := NULL;
    NEW.approved_at := NULL;
  END IF;
  RETURN NEW;
END
$$;
-- Named to fire after posts_guard (which judges the statement as written) and before
-- posts_usage (which counts the final status).
CREATE TRIGGER posts_keep_approval BEFORE UPDATE OF content, signature_id ON posts
  FOR EACH ROW EXECUTE FUNCTION posts_keep_approval();

CREATE FUNCTION post_media_keep_approval() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF TG_RELID <> 'public.post_media'::regclass OR TG_LEVEL <> 'ROW' OR TG_WHEN <> 'AFTER' THEN
    RAISE EXCEPTION 'post_media_keep_approval() is not a trigger of %.%', TG_TABLE_SCHEMA, TG_TABLE_NAME;
  END IF;
  IF TG_OP = 'DELETE' THEN
    PERFORM public.posts_withdraw_approval(OLD.workspace_id, OLD.post_id);
  ELSE
    PERFORM public.posts_withdraw_approval(NEW.workspace_id, NEW.post_id);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER post_media_keep_approval AFTER INSERT OR DELETE ON post_media
  FOR EACH ROW EXECUTE FUNCTION post_media_keep_approval();

CREATE FUNCTION signatures_keep_approval() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  p uuid;
BEGIN
  IF TG_RELID <> 'public.signatures'::regclass OR TG_LEVEL <> 'ROW' OR TG_WHEN <> 'AFTER'
     OR TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION 'signatures_keep_approval() is not a trigger of %.%', TG_TABLE_SCHEMA, TG_TABLE_NAME;
  END IF;
  IF NEW.body IS DISTINCT FROM OLD.body THEN
    FOR p IN SELECT x.id FROM public.posts x
              WHERE x.workspace_id = NEW.workspace_id AND x.signature_id = NEW.id
                AND x.approved_by IS NOT NULL
                AND x.status IN ('awaiting_approval', 'scheduled')
    LOOP
      PERFORM public.posts_withdraw_approval(NEW.workspace_id, p);
    END LOOP;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER signatures_keep_approval AFTER UPDATE OF body ON signatures
  FOR EACH ROW EXECUTE FUNCTION signatures_keep_approval();

-- Publishing never repeats ------------------------------------------------------------
--
-- A target that went out (`published`) is final: nobody resets, deletes or re-keys it.
-- The publisher moves targets only pending → processing → published | failed | pending
-- (retry), or pending → failed (given up) and keeps a target's key while it is processing.
CREATE FUNCTION post_targets_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF TG_RELID <> 'public.post_targets'::regclass OR TG_LEVEL <> 'ROW' OR TG_WHEN <> 'BEFORE' THEN
    RAISE EXCEPTION 'post_targets_guard() is not a trigger of %.%', TG_TABLE_SCHEMA, TG_TABLE_NAME;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF current_user IN ('postroom_app', 'postroom_jobs')
       AND (NEW.status <> 'pending' OR NEW.attempt_key IS NOT NULL OR NEW.external_post_id IS NOT NULL
            OR NEW.published_at IS NOT NULL OR NEW.attempts <> 0) THEN
      RAISE EXCEPTION 'a new target is pending' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'DELETE' THEN
    IF OLD.status IN ('published', 'processing') AND current_user IN ('postroom_app', 'postroom_jobs') THEN
      RAISE EXCEPTION 'a target that is being published or went out stays'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.status = 'published' AND (NEW.status <> 'published' OR NEW.attempt_key IS DISTINCT FROM OLD.attempt_key
      OR NEW.external_post_id IS DISTINCT FROM OLD.external_post_id)
     AND current_user IN ('postroom_app', 'postroom_jobs') THEN
    RAISE EXCEPTION 'a published target is final' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF current_user = 'postroom_jobs' THEN
    IF NOT ((OLD.status = NEW.status AND (NEW.status <> 'processing' OR NEW.attempt_key IS NOT DISTINCT FROM OLD.attempt_key))
         OR (OLD.status = 'pending' AND NEW.status IN ('processing', 'failed'))
         OR (OLD.status = 'processing' AND NEW.status IN ('published', 'failed', 'pending'))) THEN
      RAISE EXCEPTION 'the publisher cannot move a target from % to %', OLD.status, NEW.status
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  ELSIF current_user = 'postroom_app' AND NEW.status NOT IN ('pending', OLD.status) THEN
    RAISE EXCEPTION 'people reset a target to pending; only the publisher records results'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER post_targets_guard BEFORE INSERT OR UPDATE OR DELETE ON post_targets
  FOR EACH ROW EXECUTE FUNCTION post_targets_guard();

-- Column-level UPDATE only ---------------------------------------------------------------

REVOKE UPDATE ON workspaces, memberships, brand_profiles, invitations, labels, signatures
  FROM postroom_app;
REVOKE DELETE ON brand_profiles FROM postroom_app;
GRANT UPDATE (name, slug, logo_url, primary_color, default_language, timezone, require_approval)
  ON workspaces TO postroom_app;
GRANT UPDATE (role) ON memberships TO postroom_app;
GRANT UPDATE (website, description, tone, voice_notes, primary_color, background_color, text_color,
              font, content_language)
  ON brand_profiles TO postroom_app;
GRANT UPDATE (token_hash, expires_at, accepted_at, accepted_by, revoked_at) ON invitations TO postroom_app;
GRANT UPDATE (name, color) ON labels TO postroom_app;
GRANT UPDATE (name, body, is_default) ON signatures TO postroom_app;

-- The Sandbox network's tables: only what its pages and the publisher change.
REVOKE UPDATE ON sandbox_users, sandbox_grants, sandbox_tokens FROM postroom_app, postroom_jobs;
GRANT UPDATE (display_name) ON sandbox_users TO postroom_app, postroom_jobs;
GRANT UPDATE (revoked_at) ON sandbox_tokens TO postroom_app, postroom_jobs;
-- The mail sender: its bookkeeping, never an address, subject or the row's identity.
REVOKE UPDATE ON email_outbox FROM postroom_jobs;
GRANT UPDATE (status, attempts, next_attempt_at, last_error, sent_at, body_text, lease_until)
  ON email_outbox TO postroom_jobs;
-- Plans are reference data everyone may read; row-level security on, like every table.
ALTER TABLE plans ENABLE ROW LEVEL SECURITY;
ALTER TABLE plans FORCE ROW LEVEL SECURITY;
CREATE POLICY plans_read ON plans FOR SELECT USING (true);

-- Nobody changes their own role, the OWNER's row, or grants OWNER by an UPDATE: OWNER
-- moves only through app_transfer_ownership().
DROP POLICY memberships_manage ON memberships;
CREATE POLICY memberships_manage ON memberships FOR UPDATE TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_manage())
         AND role <> 'OWNER' AND user_id <> (SELECT app_session_user()))
  WITH CHECK (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_manage())
              AND role <> 'OWNER' AND user_id <> (SELECT app_session_user()));

-- A published target is never reset or removed (the trigger above says why).
DROP POLICY post_targets_reset ON post_targets;
CREATE POLICY post_targets_reset ON post_targets FOR UPDATE TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_edit())
         AND status IN ('pending', 'failed'))
  WITH CHECK (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_edit())
              AND status = 'pending');
DROP POLICY post_targets_remove ON post_targets;
CREATE POLICY post_targets_remove ON post_targets FOR DELETE TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_edit())
         AND status IN ('pending', 'failed'));

-- Ownership ---------------------------------------------------------------------------

-- Can `target`, a member of the workspace in scope, take on one more workspace under
-- their own plan? Only the OWNER asks; the target's usage row is locked until the
-- transaction ends, so two transfers (or a transfer and a workspace creation) to the
-- same person cannot both pass the check.
DROP FUNCTION app_transfer_capacity(uuid);
CREATE FUNCTION app_transfer_capacity(target uuid)
RETURNS TABLE (plan_name text, max_workspaces int, workspaces_owned bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF public.app_acting_role() IS DISTINCT FROM 'OWNER'
     OR NOT EXISTS (SELECT 1 FROM public.memberships m
                     WHERE m.workspace_id = public.app_workspace_id() AND m.user_id = target) THEN
    RETURN;
  END IF;
  INSERT INTO public.owner_usage (owner_id, cycle_start) VALUES (target, now()) ON CONFLICT DO NOTHING;
  PERFORM 1 FROM public.owner_usage o WHERE o.owner_id = target FOR UPDATE;
  RETURN QUERY
    SELECT p.name, p.max_workspaces, (SELECT count(*) FROM public.workspaces w WHERE w.owner_id = u.id)
      FROM public.users u JOIN public.plans p ON p.code = u.plan
     WHERE u.id = target;
END
$$;

-- Hands the workspace in scope to `new_owner`: only its current OWNER (by the session
-- presented), only to one of its ADMINs. The old owner becomes ADMIN.
CREATE FUNCTION app_transfer_ownership(new_owner uuid) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  ws uuid := public.app_workspace_id();
  me uuid := public.app_session_user();
BEGIN
  IF ws IS NULL OR me IS NULL THEN
    RAISE EXCEPTION 'no workspace in scope' USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM 1 FROM public.memberships m
    WHERE m.workspace_id = ws AND m.user_id IN (me, new_owner) ORDER BY m.user_id FOR UPDATE;
  IF NOT EXISTS (SELECT 1 FROM public.memberships m
                  WHERE m.workspace_id = ws AND m.user_id = me AND m.role = 'OWNER') THEN
    RAISE EXCEPTION 'only the owner transfers a workspace' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM public.memberships m
                  WHERE m.workspace_id = ws AND m.user_id = new_owner AND m.role = 'ADMIN') THEN
    RAISE EXCEPTION 'ownership goes only to an admin of the workspace' USING ERRCODE = 'check_violation';
  END IF;
  INSERT INTO public.owner_usage (owner_id, cycle_start) VALUES (new_owner, now()) ON CONFLICT DO NOTHING;
  PERFORM 1 FROM public.owner_usage WHERE owner_id = new_owner FOR UPDATE;
  UPDATE public.memberships SET role = 'OWNER' WHERE workspace_id = ws AND user_id = new_owner;
  UPDATE public.memberships SET role = 'ADMIN' WHERE workspace_id = ws AND user_id = me;
  UPDATE public.workspaces SET owner_id = new_owner WHERE id = ws;
END
$$;

-- Functions that answer by role (SPEC §1) -----------------------------------------------

-- Usage meters: every role but CLIENT. `people` is the owner's member count (for the
-- usage page; the invitation check uses app_owner_people, managers only).
DROP FUNCTION app_usage();
CREATE FUNCTION app_usage()
RETURNS TABLE (owner_id uuid, plan_code text, plan_name text, cycle_start timestamptz, cycle_end timestamptz,
               max_workspaces int, max_social_accounts int, max_members int, ai_credits_monthly int,
               monthly_posts int, scheduled_posts int, schedule_horizon_days int,
               workspaces_owned bigint, pooled_scheduled bigint, pooled_posts bigint, pooled_accounts bigint,
               pooled_ai_credits bigint, ws_scheduled int, ws_posts int, ws_accounts int, ws_ai_credits int,
               people bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
  WITH me AS (SELECT w.owner_id, public.usage_cycle_start(u.billing_cycle_anchor) AS c, u.plan
                FROM public.workspaces w JOIN public.users u ON u.id = w.owner_id
               WHERE w.id = public.app_acting_workspace()
                 AND public.app_acting_role() IN ('OWNER', 'ADMIN', 'EDITOR', 'VIEWER')),
       owned AS (SELECT wu.* FROM public.workspaces w JOIN public.workspace_usage wu ON wu.workspace_id = w.id
                  WHERE w.owner_id = (SELECT owner_id FROM me)),
       people AS (
         SELECT lower(u.email::text) AS email FROM public.memberships m JOIN public.users u ON u.id = m.user_id
          JOIN public.workspaces w ON w.id = m.workspace_id
          WHERE w.owner_id = (SELECT owner_id FROM me)
         UNION
         SELECT lower(i.email::text) FROM public.invitations i
          JOIN public.workspaces w ON w.id = i.workspace_id
          WHERE w.owner_id = (SELECT owner_id FROM me)
            AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now())
  SELECT me.owner_id, p.code, p.name, me.c, me.c + interval '1 month',
         p.max_workspaces, p.max_social_accounts, p.max_members, p.ai_credits_monthly,
         p.monthly_posts, p.scheduled_posts, p.schedule_horizon_days,
         (SELECT count(*) FROM public.workspaces w WHERE w.owner_id = me.owner_id),
         coalesce((SELECT sum(scheduled_now) FROM owned), 0),
         coalesce((SELECT sum(posts_in_cycle) FROM owned WHERE owned.cycle_start >= me.c), 0),
         coalesce((SELECT sum(social_accounts) FROM owned), 0),
         coalesce((SELECT sum(ai_credits_in_cycle) FROM owned WHERE owned.cycle_start >= me.c), 0),
         coalesce(wu.scheduled_now, 0),
         coalesce(CASE WHEN wu.cycle_start >= me.c THEN wu.posts_in_cycle END, 0),
         coalesce(wu.social_accounts, 0),
         coalesce(CASE WHEN wu.cycle_start >= me.c THEN wu.ai_credits_in_cycle END, 0),
         (SELECT count(*) FROM people)
    FROM me JOIN public.plans p ON p.code = me.plan
    LEFT JOIN public.workspace_usage wu ON wu.workspace_id = public.app_acting_workspace()
$$;

-- The people of the owner of the workspace in scope and whether `candidate` is one of
-- them: only for those who may invite (OWNER, ADMIN).
CREATE OR REPLACE FUNCTION app_owner_people(candidate text, OUT people bigint, OUT known boolean,
                                            OUT max_members int, OUT plan_name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
  WITH me AS (SELECT w.owner_id, u.plan FROM public.workspaces w JOIN public.users u ON u.id = w.owner_id
               WHERE w.id = public.app_acting_workspace()
                 AND public.app_acting_role() IN ('OWNER', 'ADMIN')),
       owned AS (SELECT w.id FROM public.workspaces w WHERE w.owner_id = (SELECT owner_id FROM me)),
       people AS (
         SELECT lower(u.email::text) AS email FROM public.memberships m JOIN public.users u ON u.id = m.user_id
          WHERE m.workspace_id IN (SELECT id FROM owned)
         UNION
         SELECT lower(i.email::text) FROM public.invitations i
          WHERE i.workspace_id IN (SELECT id FROM owned)
            AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now())
  SELECT (SELECT count(*) FROM people),
         EXISTS (SELECT 1 FROM people WHERE email = lower(candidate)),
         p.max_members, p.name
    FROM me JOIN public.plans p ON p.code = me.plan
$$;

-- Locks the owner's usage row for a gated action: those who may do one (OWNER, ADMIN,
-- EDITOR) in the workspace in scope, or the session's own user with no workspace in
-- scope (creating a workspace).
CREATE OR REPLACE FUNCTION app_lock_owner_usage() RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  o uuid;
BEGIN
  IF public.app_workspace_id() IS NOT NULL THEN
    IF public.app_acting_role() IN ('OWNER', 'ADMIN', 'EDITOR') THEN
      SELECT w.owner_id INTO o FROM public.workspaces w WHERE w.id = public.app_workspace_id();
    END IF;
  ELSE
    o := public.app_session_user();
  END IF;
  IF o IS NULL THEN
    RETURN NULL;
  END IF;
  INSERT INTO public.owner_usage (owner_id, cycle_start) VALUES (o, now()) ON CONFLICT DO NOTHING;
  PERFORM 1 FROM public.owner_usage WHERE owner_id = o FOR UPDATE;
  RETURN o;
END
$$;

-- Sessions: created only by the log-in role ---------------------------------------------

REVOKE INSERT, UPDATE ON sessions FROM postroom_app;
REVOKE INSERT ON users FROM postroom_app;
DROP POLICY users_sign_up ON users;
GRANT INSERT (id, email, name, password_hash) ON users TO postroom_auth;
CREATE POLICY users_sign_up ON users FOR INSERT TO postroom_auth WITH CHECK (true);
GRANT INSERT (token_hash, user_id, expires_at, idle_timeout, user_agent, ip) ON sessions TO postroom_auth;
CREATE POLICY sessions_create ON sessions FOR INSERT TO postroom_auth
  WITH CHECK (expires_at <= now() + interval '400 days');
-- The runtime role reads and ends only the session it presents.
DROP POLICY sessions_own ON sessions;
CREATE POLICY sessions_own ON sessions FOR SELECT TO postroom_app
  USING (token_hash = app_session_hash() AND user_id = (SELECT app_session_user()));
CREATE POLICY sessions_end ON sessions FOR DELETE TO postroom_app
  USING (token_hash = app_session_hash());

-- Every function pins its search_path -------------------------------------------------

DO $$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = 'public'::regnamespace
       AND NOT EXISTS (SELECT 1 FROM pg_depend d
                        WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, public, pg_temp', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
  END LOOP;
END
$$;

-- EXECUTE, role by role ---------------------------------------------------------------
--
-- The runtime role: the credential checks its policies call, and the narrow entry
-- points it calls itself (tests/it/catalog.rs lists them with a reason each).
GRANT EXECUTE ON FUNCTION
  app_workspace_id(), app_session_hash(), app_invitation_token(),
  app_session_user(), app_acting_role(), app_acting_workspace(), app_can_manage(), app_can_edit(),
  app_can_approve(), app_user_workspaces(), app_token_workspace(), app_token_inviter(),
  app_claimed_role(uuid), app_may_found(uuid), app_lock_membership(),
  auth_resolve_session(bytea), auth_end_session(bytea),
  app_usage(), app_lock_owner_usage(), app_own_plan(), app_owner_people(text),
  app_transfer_capacity(uuid), app_transfer_ownership(uuid),
  app_put_flash(bytea, bytea, bytea, integer), app_take_flash(bytea, bytea)
  TO postroom_app;
-- The log-in role: the password hash of one account, by email.
GRANT EXECUTE ON FUNCTION auth_login_lookup(text) TO postroom_auth;
-- The jobs role calls none.
