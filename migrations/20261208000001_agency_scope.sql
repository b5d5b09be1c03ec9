-- The agency dashboard's scope (issue 22): one person's view across every workspace they
-- belong to, read in a transaction that presents their session and the flag
-- `app.agency = on` (the Rust type `AgencyTx`, which has no way into a workspace scope).
--
-- What each membership admits, by role (SPEC §1):
--   * OWNER, ADMIN, EDITOR, VIEWER: the workspace's posts, accounts, activity, rollups and
--     the owner's usage;
--   * OWNER, ADMIN also its invitations;
--   * CLIENT: its accounts and calendar counts, and of its posts only those awaiting
--     approval (what it is asked to approve) — no activity, no usage, no failed posts.
-- The agency scope and a workspace scope exclude each other: with `app.workspace_id` set,
-- none of these policies admits a row, so code scoped to one workspace never sees another
-- workspace of the same person, however wrong its query.

CREATE FUNCTION app_agency_workspaces(roles text[]) RETURNS uuid[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF current_setting('app.agency', true) IS DISTINCT FROM 'on'
     OR public.app_workspace_id() IS NOT NULL THEN
    RETURN '{}';
  END IF;
  RETURN (SELECT coalesce(array_agg(m.workspace_id), '{}') FROM public.memberships m
           WHERE m.user_id = public.app_session_user() AND m.role = ANY (roles));
END
$$;
REVOKE ALL ON FUNCTION app_agency_workspaces(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_agency_workspaces(text[]) TO postroom_app;

-- Each policy asks `workspace_id IN (SELECT unnest(…))`: PostgreSQL evaluates that as a
-- hashed sub-plan, built once per statement and probed in constant time per row. The
-- form `= ANY(array)` costs a scan of the whole array per row (or a sort of it per index
-- probe): at 1,000 workspaces that was most of the dashboard's time (the feed: 370 ms →
-- 45 ms). Queries narrow by index themselves (the person's workspace ids); the policy
-- decides which of those rows exist for the caller.
CREATE POLICY posts_agency_read ON posts FOR SELECT TO postroom_app
  USING (workspace_id IN (SELECT unnest(app_agency_workspaces('{OWNER,ADMIN,EDITOR,VIEWER}')))
         OR (status = 'awaiting_approval'
             AND workspace_id IN (SELECT unnest(app_agency_workspaces('{CLIENT}')))));
CREATE POLICY social_accounts_agency_read ON social_accounts FOR SELECT TO postroom_app
  USING (workspace_id IN (SELECT unnest(app_agency_workspaces('{OWNER,ADMIN,EDITOR,VIEWER,CLIENT}'))));
CREATE POLICY activity_log_agency_read ON activity_log FOR SELECT TO postroom_app
  USING (workspace_id IN (SELECT unnest(app_agency_workspaces('{OWNER,ADMIN,EDITOR,VIEWER}'))));
CREATE POLICY invitations_agency_read ON invitations FOR SELECT TO postroom_app
  USING (workspace_id IN (SELECT unnest(app_agency_workspaces('{OWNER,ADMIN}'))));

-- The workspaces a session's user belongs to (the switcher, the dashboard): the same
-- hashed form.
DROP POLICY workspaces_read ON workspaces;
CREATE POLICY workspaces_read ON workspaces FOR SELECT
  USING (id = (SELECT app_acting_workspace())
         OR id IN (SELECT unnest(app_user_workspaces()))
         OR id = (SELECT app_token_workspace()));

-- Posts published per UTC week (Monday) and workspace: the sparkline, the report and the
-- "most active" order read 12 rows per workspace instead of 84 day rows. Kept by the same
-- trigger as the day rows, after them (day rows ascending, then week rows ascending: one
-- lock order for every transaction).
CREATE TABLE workspace_post_weeks (
  workspace_id  uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  week          date NOT NULL CHECK (extract(isodow FROM week) = 1),
  published     int NOT NULL DEFAULT 0 CHECK (published >= 0),
  PRIMARY KEY (workspace_id, week)
);

CREATE FUNCTION stats_add_week(ws uuid, on_week date, d_published int) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF on_week IS NULL OR NOT EXISTS (SELECT 1 FROM public.workspaces w WHERE w.id = ws) THEN
    RETURN;
  END IF;
  INSERT INTO public.workspace_post_weeks (workspace_id, week) VALUES (ws, on_week) ON CONFLICT DO NOTHING;
  UPDATE public.workspace_post_weeks p SET published = p.published + d_published
   WHERE p.workspace_id = ws AND p.week = on_week;
END
$$;

CREATE OR REPLACE FUNCTION posts_rollup() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  ws uuid;
  old_status text;
  new_status text;
  old_wait date;
  new_wait date;
  old_out date;
  new_out date;
  d record;
BEGIN
  IF TG_RELID <> 'public.posts'::regclass OR TG_LEVEL <> 'ROW' OR TG_WHEN <> 'AFTER' THEN
    RAISE EXCEPTION 'posts_rollup() is not a trigger of %.%', TG_TABLE_SCHEMA, TG_TABLE_NAME;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    ws := OLD.workspace_id;
    old_status := OLD.status;
    old_wait := public.post_waiting_day(OLD.status, OLD.scheduled_at);
    old_out := public.post_out_day(OLD.status, OLD.published_at, OLD.scheduled_at);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    ws := NEW.workspace_id;
    new_status := NEW.status;
    new_wait := public.post_waiting_day(NEW.status, NEW.scheduled_at);
    new_out := public.post_out_day(NEW.status, NEW.published_at, NEW.scheduled_at);
  END IF;
  IF old_status IS DISTINCT FROM new_status THEN
    IF old_status IS NOT NULL THEN PERFORM public.stats_add(ws, old_status, -1, 0, 0, 0); END IF;
    IF new_status IS NOT NULL THEN PERFORM public.stats_add(ws, new_status, 1, 0, 0, 0); END IF;
  END IF;
  -- Day rows in ascending order, so two transactions moving posts between the same
  -- days lock them in the same order (no deadlock); then week rows, likewise.
  FOR d IN
    SELECT v.day, sum(v.ds)::int AS ds, sum(v.dp)::int AS dp
      FROM (VALUES (old_wait, -1, 0, old_wait IS DISTINCT FROM new_wait),
                   (new_wait, 1, 0, old_wait IS DISTINCT FROM new_wait),
                   (old_out, 0, -1, old_out IS DISTINCT FROM new_out),
                   (new_out, 0, 1, old_out IS DISTINCT FROM new_out)) v(day, ds, dp, moved)
     WHERE v.moved AND v.day IS NOT NULL
     GROUP BY v.day ORDER BY v.day
  LOOP
    IF d.ds <> 0 OR d.dp <> 0 THEN
      PERFORM public.stats_add_day(ws, d.day, d.ds, d.dp);
    END IF;
  END LOOP;
  FOR d IN
    SELECT date_trunc('week', v.day)::date AS week, sum(v.dp)::int AS dp
      FROM (VALUES (old_out, -1), (new_out, 1)) v(day, dp)
     WHERE v.day IS NOT NULL AND old_out IS DISTINCT FROM new_out
     GROUP BY 1 ORDER BY 1
  LOOP
    IF d.dp <> 0 THEN
      PERFORM public.stats_add_week(ws, d.week, d.dp);
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION stats_add_week(uuid, date, int), posts_rollup() FROM PUBLIC;

INSERT INTO workspace_post_weeks (workspace_id, week, published)
SELECT workspace_id, date_trunc('week', day)::date, sum(published)::int
  FROM workspace_post_days WHERE published > 0 GROUP BY 1, 2;

-- The rollups: read in the workspace in scope or across the agency scope, never across a
-- person's other workspaces from inside one; the stats (failed posts, members) not by a
-- CLIENT, the calendar's counts by every role.
DROP POLICY workspace_stats_members ON workspace_stats;
DROP POLICY workspace_post_days_members ON workspace_post_days;
ALTER TABLE workspace_post_weeks ENABLE ROW LEVEL SECURITY;
ALTER TABLE workspace_post_weeks FORCE ROW LEVEL SECURITY;
GRANT SELECT ON workspace_post_weeks TO postroom_app;
CREATE POLICY workspace_stats_read ON workspace_stats FOR SELECT TO postroom_app
  USING ((workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_acting_role()) <> 'CLIENT')
         OR workspace_id IN (SELECT unnest(app_agency_workspaces('{OWNER,ADMIN,EDITOR,VIEWER}'))));
CREATE POLICY workspace_post_days_read ON workspace_post_days FOR SELECT TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace())
         OR workspace_id IN (SELECT unnest(app_agency_workspaces('{OWNER,ADMIN,EDITOR,VIEWER,CLIENT}'))));
CREATE POLICY workspace_post_weeks_read ON workspace_post_weeks FOR SELECT TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace())
         OR workspace_id IN (SELECT unnest(app_agency_workspaces('{OWNER,ADMIN,EDITOR,VIEWER,CLIENT}'))));

-- The feed's "filter by kind": the newest events of one kind per workspace by index.
CREATE INDEX activity_log_kind_idx ON activity_log (workspace_id, object_type, id DESC);
-- "Needs you": posts that failed or wait for approval, by workspace, without a scan.
CREATE INDEX posts_attention_idx ON posts (workspace_id, status, scheduled_at)
  WHERE status IN ('failed', 'partially_published', 'awaiting_approval');
-- Accounts whose connection runs out soon.
CREATE INDEX social_accounts_expiry_idx ON social_accounts (token_expires_at)
  WHERE status = 'connected' AND token_expires_at IS NOT NULL;

-- Usage across the agency scope: one row per workspace where the caller may see usage
-- (not CLIENT), with its owner's plan, the owner's pooled use and this workspace's share
-- — the same figures app_usage() gives inside one workspace.
CREATE FUNCTION app_agency_usage()
RETURNS TABLE (workspace_id uuid, owner_id uuid, owner_name text, plan_code text, plan_name text,
               cycle_start timestamptz, cycle_end timestamptz,
               max_workspaces int, max_social_accounts int, max_members int, ai_credits_monthly int,
               monthly_posts int, scheduled_posts int, schedule_horizon_days int,
               workspaces_owned bigint, pooled_scheduled bigint, pooled_posts bigint, pooled_accounts bigint,
               pooled_ai_credits bigint, ws_scheduled int, ws_posts int, ws_accounts int, ws_ai_credits int,
               people bigint, trial_ends_at timestamptz, own_plan_name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
  WITH mine AS (SELECT unnest(public.app_agency_workspaces('{OWNER,ADMIN,EDITOR,VIEWER}')) AS id),
       owners AS (SELECT DISTINCT w.owner_id FROM public.workspaces w JOIN mine ON mine.id = w.id),
       o AS (SELECT u.id AS owner_id, u.name AS owner_name, public.usage_cycle_start(u.billing_cycle_anchor) AS c,
                    public.plan_of(u.id) AS plan, u.plan AS own_plan, u.trial_ends_at
               FROM public.users u JOIN owners ON owners.owner_id = u.id),
       pooled AS (
         SELECT o.owner_id, count(*) AS workspaces_owned,
                coalesce(sum(wu.scheduled_now), 0) AS sched,
                coalesce(sum(wu.posts_in_cycle) FILTER (WHERE wu.cycle_start >= o.c), 0) AS posts,
                coalesce(sum(wu.social_accounts), 0) AS accounts,
                coalesce(sum(wu.ai_credits_in_cycle) FILTER (WHERE wu.cycle_start >= o.c), 0) AS ai
           FROM o JOIN public.workspaces w ON w.owner_id = o.owner_id
           LEFT JOIN public.workspace_usage wu ON wu.workspace_id = w.id
          GROUP BY o.owner_id),
       people AS (
         SELECT owner_id, count(DISTINCT email) AS n FROM (
           SELECT w.owner_id, lower(u.email::text) AS email
             FROM public.memberships m JOIN public.users u ON u.id = m.user_id
             JOIN public.workspaces w ON w.id = m.workspace_id
            WHERE w.owner_id IN (SELECT owner_id FROM owners)
           UNION ALL
           SELECT w.owner_id, lower(i.email::text)
             FROM public.invitations i JOIN public.workspaces w ON w.id = i.workspace_id
            WHERE w.owner_id IN (SELECT owner_id FROM owners)
              AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()) x
          GROUP BY owner_id)
  SELECT w.id, o.owner_id, o.owner_name, p.code, p.name, o.c, o.c + interval '1 month',
         p.max_workspaces, p.max_social_accounts, p.max_members, p.ai_credits_monthly,
         p.monthly_posts, p.scheduled_posts, p.schedule_horizon_days,
         pooled.workspaces_owned, pooled.sched, pooled.posts, pooled.accounts, pooled.ai,
         coalesce(wu.scheduled_now, 0),
         coalesce(CASE WHEN wu.cycle_start >= o.c THEN wu.posts_in_cycle END, 0),
         coalesce(wu.social_accounts, 0),
         coalesce(CASE WHEN wu.cycle_start >= o.c THEN wu.ai_credits_in_cycle END, 0),
         coalesce(people.n, 0),
         CASE WHEN o.plan IS DISTINCT FROM o.own_plan THEN o.trial_ends_at END,
         (SELECT op.name FROM public.plans op WHERE op.code = o.own_plan)
    FROM mine JOIN public.workspaces w ON w.id = mine.id
    JOIN o ON o.owner_id = w.owner_id
    JOIN public.plans p ON p.code = o.plan
    JOIN pooled ON pooled.owner_id = o.owner_id
    LEFT JOIN people ON people.owner_id = o.owner_id
    LEFT JOIN public.workspace_usage wu ON wu.workspace_id = w.id
$$;
REVOKE ALL ON FUNCTION app_agency_usage() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_agency_usage() TO postroom_app;

-- The person's own plan as the dashboard's trial notice needs it: the plan that applies
-- now, and the account's own plan (what applies after a trial).
DROP FUNCTION app_own_plan();
CREATE FUNCTION app_own_plan(OUT plan_code text, OUT plan_name text, OUT max_workspaces int,
                             OUT workspaces_owned bigint, OUT own_plan_name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
  SELECT p.code, p.name, p.max_workspaces,
         (SELECT count(*) FROM public.workspaces w WHERE w.owner_id = u.id),
         (SELECT o.name FROM public.plans o WHERE o.code = u.plan)
    FROM public.users u JOIN public.plans p ON p.code = public.plan_of(u.id)
   WHERE u.id = public.app_session_user()
$$;
REVOKE ALL ON FUNCTION app_own_plan() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_own_plan() TO postroom_app;
