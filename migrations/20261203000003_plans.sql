-- Plans, limits and usage meters (SPEC §3).
--
-- Limits are per owner account, pooled across the workspaces it owns. The
-- meters are counters kept current by the database itself: triggers on
-- `posts` and `social_accounts` (SECURITY DEFINER, so every path — web
-- requests, the publishing worker, cascades when a workspace is deleted —
-- keeps them right). A gated action locks its owner's row (FOR UPDATE,
-- through `app_lock_owner_usage()`) in the transaction that does the work,
-- so concurrent requests are served one after another and cannot overshoot.

ALTER TABLE users ADD COLUMN billing_cycle_anchor timestamptz NOT NULL DEFAULT date_trunc('day', now());

CREATE TABLE owner_usage (
  owner_id           uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  cycle_start        timestamptz NOT NULL,
  posts_in_cycle     int NOT NULL DEFAULT 0 CHECK (posts_in_cycle >= 0),
  scheduled_now      int NOT NULL DEFAULT 0 CHECK (scheduled_now >= 0),
  social_accounts    int NOT NULL DEFAULT 0 CHECK (social_accounts >= 0),
  ai_credits_in_cycle int NOT NULL DEFAULT 0 CHECK (ai_credits_in_cycle >= 0)
);

CREATE TABLE workspace_usage (
  workspace_id       uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
  cycle_start        timestamptz NOT NULL,
  posts_in_cycle     int NOT NULL DEFAULT 0 CHECK (posts_in_cycle >= 0),
  scheduled_now      int NOT NULL DEFAULT 0 CHECK (scheduled_now >= 0),
  social_accounts    int NOT NULL DEFAULT 0 CHECK (social_accounts >= 0),
  ai_credits_in_cycle int NOT NULL DEFAULT 0 CHECK (ai_credits_in_cycle >= 0)
);

-- In which cycle a post was counted (a post counted in an earlier cycle gives nothing back).
ALTER TABLE posts ADD COLUMN usage_cycle timestamptz;

-- The start of an owner's current billing cycle: the anchor plus whole months.
CREATE FUNCTION usage_cycle_start(anchor timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
  SELECT anchor + make_interval(months =>
           (extract(year FROM age(now(), anchor)) * 12 + extract(month FROM age(now(), anchor)))::int)
$$;

-- The owner of a workspace and the start of that owner's current cycle.
CREATE FUNCTION usage_owner_cycle(ws uuid, OUT owner uuid, OUT cycle timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT w.owner_id, public.usage_cycle_start(u.billing_cycle_anchor)
    FROM public.workspaces w JOIN public.users u ON u.id = w.owner_id WHERE w.id = ws
$$;

-- Adds deltas to a workspace's counters, starting a new cycle when its owner's has rolled.
CREATE FUNCTION usage_add(ws uuid, d_scheduled int, d_posts int, d_accounts int) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  c timestamptz := (SELECT cycle FROM public.usage_owner_cycle(ws));
BEGIN
  IF c IS NULL THEN
    RETURN; -- the workspace is being deleted: its counters go with it
  END IF;
  INSERT INTO public.workspace_usage AS u (workspace_id, cycle_start, scheduled_now, posts_in_cycle, social_accounts)
  VALUES (ws, c, greatest(d_scheduled, 0), greatest(d_posts, 0), greatest(d_accounts, 0))
  ON CONFLICT (workspace_id) DO UPDATE SET
    scheduled_now = greatest(u.scheduled_now + d_scheduled, 0),
    posts_in_cycle = greatest(CASE WHEN u.cycle_start < c THEN 0 ELSE u.posts_in_cycle END + d_posts, 0),
    ai_credits_in_cycle = CASE WHEN u.cycle_start < c THEN 0 ELSE u.ai_credits_in_cycle END,
    social_accounts = greatest(u.social_accounts + d_accounts, 0),
    cycle_start = greatest(u.cycle_start, c);
END
$$;

-- Posts: "scheduled now" counts posts on their way out (awaiting approval,
-- scheduled, publishing); "posts this cycle" counts each post once when it is
-- first scheduled in a cycle, and gives it back if it goes back to draft,
-- fails or is deleted before it is published.
CREATE FUNCTION posts_usage() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  active_statuses text[] := ARRAY['awaiting_approval', 'scheduled', 'publishing'];
  was_active boolean := TG_OP <> 'INSERT' AND OLD.status = ANY (active_statuses);
  is_active boolean := TG_OP <> 'DELETE' AND NEW.status = ANY (active_statuses);
  ws uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.workspace_id ELSE NEW.workspace_id END;
  c timestamptz := (SELECT cycle FROM public.usage_owner_cycle(ws));
  d_scheduled int := (is_active::int - was_active::int);
  d_posts int := 0;
BEGIN
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
CREATE TRIGGER posts_usage BEFORE INSERT OR UPDATE OF status OR DELETE ON posts
  FOR EACH ROW EXECUTE FUNCTION posts_usage();

-- Social accounts: every account not disconnected holds a slot.
CREATE FUNCTION social_accounts_usage() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  was boolean := TG_OP <> 'INSERT' AND OLD.status <> 'disconnected';
  now_ boolean := TG_OP <> 'DELETE' AND NEW.status <> 'disconnected';
BEGIN
  IF was <> now_ THEN
    PERFORM public.usage_add(CASE WHEN TG_OP = 'DELETE' THEN OLD.workspace_id ELSE NEW.workspace_id END,
                             0, 0, now_::int - was::int);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER social_accounts_usage AFTER INSERT OR UPDATE OF status OR DELETE ON social_accounts
  FOR EACH ROW EXECUTE FUNCTION social_accounts_usage();

-- Counters for what exists already.
INSERT INTO workspace_usage (workspace_id, cycle_start, scheduled_now, social_accounts)
SELECT w.id, usage_cycle_start(u.billing_cycle_anchor),
       (SELECT count(*) FROM posts p WHERE p.workspace_id = w.id AND p.status IN ('awaiting_approval', 'scheduled', 'publishing')),
       (SELECT count(*) FROM social_accounts a WHERE a.workspace_id = w.id AND a.status <> 'disconnected')
  FROM workspaces w JOIN users u ON u.id = w.owner_id;

-- The pooled use and the plan of the owner of the workspace in scope — only
-- for someone acting in it (so: in any of that owner's workspaces).
CREATE FUNCTION app_usage()
RETURNS TABLE (owner_id uuid, plan_code text, plan_name text, cycle_start timestamptz, cycle_end timestamptz,
               max_workspaces int, max_social_accounts int, max_members int, ai_credits_monthly int,
               monthly_posts int, scheduled_posts int, schedule_horizon_days int,
               workspaces_owned bigint, pooled_scheduled bigint, pooled_posts bigint, pooled_accounts bigint,
               pooled_ai_credits bigint, ws_scheduled int, ws_posts int, ws_accounts int, ws_ai_credits int)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  WITH me AS (SELECT w.owner_id, public.usage_cycle_start(u.billing_cycle_anchor) AS c, u.plan
                FROM public.workspaces w JOIN public.users u ON u.id = w.owner_id
               WHERE w.id = public.app_acting_workspace()),
       owned AS (SELECT wu.* FROM public.workspaces w JOIN public.workspace_usage wu ON wu.workspace_id = w.id
                  WHERE w.owner_id = (SELECT owner_id FROM me))
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
         coalesce(CASE WHEN wu.cycle_start >= me.c THEN wu.ai_credits_in_cycle END, 0)
    FROM me JOIN public.plans p ON p.code = me.plan
    LEFT JOIN public.workspace_usage wu ON wu.workspace_id = public.app_acting_workspace()
$$;

-- Serialises the gated actions of one owner: locks (creating it if needed)
-- the owner's row for the workspace in scope, or for the session's own user
-- when no workspace is in scope (creating a workspace).
CREATE FUNCTION app_lock_owner_usage() RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  o uuid;
BEGIN
  IF public.app_acting_workspace() IS NOT NULL THEN
    SELECT w.owner_id INTO o FROM public.workspaces w WHERE w.id = public.app_acting_workspace();
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

-- What a person's own plan allows, for creating a workspace (no workspace in scope).
CREATE FUNCTION app_own_plan(OUT plan_code text, OUT plan_name text, OUT max_workspaces int, OUT workspaces_owned bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT p.code, p.name, p.max_workspaces,
         (SELECT count(*) FROM public.workspaces w WHERE w.owner_id = u.id)
    FROM public.users u JOIN public.plans p ON p.code = u.plan
   WHERE u.id = public.app_session_user()
$$;

ALTER TABLE owner_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE owner_usage FORCE ROW LEVEL SECURITY;
ALTER TABLE workspace_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE workspace_usage FORCE ROW LEVEL SECURITY;
-- No direct access for the web or jobs roles: the functions above are the only way in.
REVOKE ALL ON FUNCTION app_usage(), app_lock_owner_usage(), app_own_plan(), usage_add(uuid, int, int, int),
  usage_owner_cycle(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_usage(), app_lock_owner_usage(), app_own_plan() TO postroom_app;
