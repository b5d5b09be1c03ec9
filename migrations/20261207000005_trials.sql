-- Trials (SPEC §3, issue 22): a new account in cloud billing mode starts on a better
-- plan for a while (configured: Pro for 14 days by default), so an agency can create
-- its first client workspaces on day one. When the trial ends the account is back on
-- its own plan: nothing is deleted, only new actions over a cap are refused.
--
-- The plan that applies is computed in one place, plan_of(), which every limit and
-- usage function now uses: the trial's plan while it runs and ranks above the
-- account's own, else the account's own.

ALTER TABLE users ADD COLUMN trial_plan text REFERENCES plans(code);
ALTER TABLE users ADD COLUMN trial_ends_at timestamptz;
ALTER TABLE users ADD CONSTRAINT users_trial_check CHECK (
  (trial_plan IS NULL) = (trial_ends_at IS NULL)
  AND (trial_ends_at IS NULL OR trial_ends_at <= created_at + interval '90 days'));
-- Set once, at sign-up, by the log-in role (the runtime role reads it, never writes it).
GRANT INSERT (trial_plan, trial_ends_at) ON users TO postroom_auth;
GRANT SELECT (trial_plan, trial_ends_at) ON users TO postroom_app;

CREATE FUNCTION plan_of(person uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
  SELECT CASE WHEN u.trial_ends_at > now()
               AND (SELECT t.sort_order FROM public.plans t WHERE t.code = u.trial_plan)
                 > (SELECT o.sort_order FROM public.plans o WHERE o.code = u.plan)
              THEN u.trial_plan ELSE u.plan END
    FROM public.users u WHERE u.id = person
$$;
REVOKE ALL ON FUNCTION plan_of(uuid) FROM PUBLIC;

-- app_usage, with the trial's end and the account's own plan for the usage page.
DROP FUNCTION app_usage();
CREATE FUNCTION app_usage()
RETURNS TABLE (owner_id uuid, plan_code text, plan_name text, cycle_start timestamptz, cycle_end timestamptz,
               max_workspaces int, max_social_accounts int, max_members int, ai_credits_monthly int,
               monthly_posts int, scheduled_posts int, schedule_horizon_days int,
               workspaces_owned bigint, pooled_scheduled bigint, pooled_posts bigint, pooled_accounts bigint,
               pooled_ai_credits bigint, ws_scheduled int, ws_posts int, ws_accounts int, ws_ai_credits int,
               people bigint, trial_ends_at timestamptz, own_plan_name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
  WITH me AS (SELECT w.owner_id, public.usage_cycle_start(u.billing_cycle_anchor) AS c,
                     public.plan_of(u.id) AS plan, u.plan AS own_plan,
                     CASE WHEN public.plan_of(u.id) IS DISTINCT FROM u.plan THEN u.trial_ends_at END AS trial_ends_at
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
         (SELECT count(*) FROM people),
         me.trial_ends_at,
         (SELECT o.name FROM public.plans o WHERE o.code = me.own_plan)
    FROM me JOIN public.plans p ON p.code = me.plan
    LEFT JOIN public.workspace_usage wu ON wu.workspace_id = public.app_acting_workspace()
$$;
REVOKE ALL ON FUNCTION app_usage() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_usage() TO postroom_app;

CREATE OR REPLACE FUNCTION app_own_plan(OUT plan_code text, OUT plan_name text, OUT max_workspaces int,
                                        OUT workspaces_owned bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
  SELECT p.code, p.name, p.max_workspaces,
         (SELECT count(*) FROM public.workspaces w WHERE w.owner_id = u.id)
    FROM public.users u JOIN public.plans p ON p.code = public.plan_of(u.id)
   WHERE u.id = public.app_session_user()
$$;

CREATE OR REPLACE FUNCTION app_owner_people(candidate text, OUT people bigint, OUT known boolean,
                                            OUT max_members int, OUT plan_name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
  WITH me AS (SELECT w.owner_id, public.plan_of(w.owner_id) AS plan FROM public.workspaces w
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

CREATE OR REPLACE FUNCTION app_transfer_capacity(target uuid)
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
      FROM public.users u JOIN public.plans p ON p.code = public.plan_of(u.id)
     WHERE u.id = target;
END
$$;
