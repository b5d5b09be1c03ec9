-- Rollups for the agency dashboard (issue 22): what each workspace's card and the
-- "needs you" list show, kept current by the same transactions that change posts,
-- accounts and members (row triggers), so a view over 1,000 workspaces reads 1,000
-- small rows instead of scanning a million posts.
--
-- * workspace_stats: posts by status now, accounts connected and expired, members.
-- * workspace_post_days: per workspace and UTC day, posts waiting to go out on that day
--   (awaiting approval, scheduled, publishing; by scheduled_at) and posts that went out
--   that day (published or partially published; by published_at). "Scheduled in the
--   next 7 days", "published in the last 30" and the 12-week sparkline sum a few rows.
--
-- Members of a workspace read its rows (any role: CLIENTs see its calendar and posts
-- too); nobody writes them but the triggers, which run as the owner and act only for
-- their own table.

CREATE TABLE workspace_stats (
  workspace_id         uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
  drafts               int NOT NULL DEFAULT 0 CHECK (drafts >= 0),
  awaiting_approval    int NOT NULL DEFAULT 0 CHECK (awaiting_approval >= 0),
  scheduled            int NOT NULL DEFAULT 0 CHECK (scheduled >= 0),
  publishing           int NOT NULL DEFAULT 0 CHECK (publishing >= 0),
  published            int NOT NULL DEFAULT 0 CHECK (published >= 0),
  failed               int NOT NULL DEFAULT 0 CHECK (failed >= 0),
  partially_published  int NOT NULL DEFAULT 0 CHECK (partially_published >= 0),
  accounts_connected   int NOT NULL DEFAULT 0 CHECK (accounts_connected >= 0),
  accounts_expired     int NOT NULL DEFAULT 0 CHECK (accounts_expired >= 0),
  members              int NOT NULL DEFAULT 0 CHECK (members >= 0)
);

CREATE TABLE workspace_post_days (
  workspace_id  uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  day           date NOT NULL,
  scheduled     int NOT NULL DEFAULT 0 CHECK (scheduled >= 0),
  published     int NOT NULL DEFAULT 0 CHECK (published >= 0),
  PRIMARY KEY (workspace_id, day)
);

-- Adds deltas to a workspace's stats row (created on first use). Nothing for a
-- workspace that is being deleted (its rows go with it).
CREATE FUNCTION stats_add(ws uuid, d_status text, d int, d_connected int, d_expired int, d_members int)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM public.workspaces w WHERE w.id = ws) THEN
    RETURN;
  END IF;
  INSERT INTO public.workspace_stats (workspace_id) VALUES (ws) ON CONFLICT DO NOTHING;
  UPDATE public.workspace_stats s SET
    drafts = s.drafts + CASE WHEN d_status = 'draft' THEN d ELSE 0 END,
    awaiting_approval = s.awaiting_approval + CASE WHEN d_status = 'awaiting_approval' THEN d ELSE 0 END,
    scheduled = s.scheduled + CASE WHEN d_status = 'scheduled' THEN d ELSE 0 END,
    publishing = s.publishing + CASE WHEN d_status = 'publishing' THEN d ELSE 0 END,
    published = s.published + CASE WHEN d_status = 'published' THEN d ELSE 0 END,
    failed = s.failed + CASE WHEN d_status = 'failed' THEN d ELSE 0 END,
    partially_published = s.partially_published + CASE WHEN d_status = 'partially_published' THEN d ELSE 0 END,
    accounts_connected = s.accounts_connected + d_connected,
    accounts_expired = s.accounts_expired + d_expired,
    members = s.members + d_members
  WHERE s.workspace_id = ws;
END
$$;

CREATE FUNCTION stats_add_day(ws uuid, on_day date, d_scheduled int, d_published int) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF on_day IS NULL OR NOT EXISTS (SELECT 1 FROM public.workspaces w WHERE w.id = ws) THEN
    RETURN;
  END IF;
  INSERT INTO public.workspace_post_days (workspace_id, day) VALUES (ws, on_day) ON CONFLICT DO NOTHING;
  UPDATE public.workspace_post_days p
     SET scheduled = p.scheduled + d_scheduled, published = p.published + d_published
   WHERE p.workspace_id = ws AND p.day = on_day;
END
$$;

-- The day a post counts on, for each kind (NULL: it does not count).
CREATE FUNCTION post_waiting_day(status text, scheduled_at timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, public, pg_temp AS $$
  SELECT CASE WHEN status IN ('awaiting_approval', 'scheduled', 'publishing')
              THEN (scheduled_at AT TIME ZONE 'UTC')::date END
$$;
CREATE FUNCTION post_out_day(status text, published_at timestamptz, scheduled_at timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, public, pg_temp AS $$
  SELECT CASE WHEN status IN ('published', 'partially_published')
              THEN (coalesce(published_at, scheduled_at) AT TIME ZONE 'UTC')::date END
$$;

CREATE FUNCTION posts_rollup() RETURNS trigger
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
  -- days lock them in the same order (no deadlock).
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
  RETURN NULL;
END
$$;
-- On every UPDATE, not only those naming status: a BEFORE trigger (posts_keep_approval)
-- may move the status of a post whose text alone was edited.
CREATE TRIGGER posts_rollup AFTER INSERT OR UPDATE OR DELETE ON posts
  FOR EACH ROW EXECUTE FUNCTION posts_rollup();

CREATE FUNCTION social_accounts_rollup() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  d_connected int := 0;
  d_expired int := 0;
BEGIN
  IF TG_RELID <> 'public.social_accounts'::regclass OR TG_LEVEL <> 'ROW' OR TG_WHEN <> 'AFTER' THEN
    RAISE EXCEPTION 'social_accounts_rollup() is not a trigger of %.%', TG_TABLE_SCHEMA, TG_TABLE_NAME;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    d_connected := d_connected - (OLD.status = 'connected')::int;
    d_expired := d_expired - (OLD.status = 'expired')::int;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    d_connected := d_connected + (NEW.status = 'connected')::int;
    d_expired := d_expired + (NEW.status = 'expired')::int;
  END IF;
  IF d_connected <> 0 OR d_expired <> 0 THEN
    PERFORM public.stats_add(CASE WHEN TG_OP = 'DELETE' THEN OLD.workspace_id ELSE NEW.workspace_id END,
                             NULL, 0, d_connected, d_expired, 0);
  END IF;
  RETURN NULL;
END
$$;
-- Named to fire after social_accounts_usage (AFTER triggers fire in name order): every
-- path locks a workspace's usage row before its stats row, as posts do (their usage
-- trigger is BEFORE, their rollup AFTER), so the two never deadlock.
CREATE TRIGGER social_accounts_usage_rollup AFTER INSERT OR UPDATE OR DELETE ON social_accounts
  FOR EACH ROW EXECUTE FUNCTION social_accounts_rollup();

CREATE FUNCTION memberships_rollup() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF TG_RELID <> 'public.memberships'::regclass OR TG_LEVEL <> 'ROW' OR TG_WHEN <> 'AFTER' THEN
    RAISE EXCEPTION 'memberships_rollup() is not a trigger of %.%', TG_TABLE_SCHEMA, TG_TABLE_NAME;
  END IF;
  IF TG_OP = 'INSERT' THEN
    PERFORM public.stats_add(NEW.workspace_id, NULL, 0, 0, 0, 1);
  ELSE
    PERFORM public.stats_add(OLD.workspace_id, NULL, 0, 0, 0, -1);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER memberships_rollup AFTER INSERT OR DELETE ON memberships
  FOR EACH ROW EXECUTE FUNCTION memberships_rollup();

REVOKE ALL ON FUNCTION stats_add(uuid, text, int, int, int, int), stats_add_day(uuid, date, int, int),
  post_waiting_day(text, timestamptz), post_out_day(text, timestamptz, timestamptz), posts_rollup(),
  social_accounts_rollup(), memberships_rollup() FROM PUBLIC;

-- What exists already.
INSERT INTO workspace_stats (workspace_id, drafts, awaiting_approval, scheduled, publishing, published,
                             failed, partially_published, accounts_connected, accounts_expired, members)
SELECT w.id,
       (SELECT count(*) FROM posts p WHERE p.workspace_id = w.id AND p.status = 'draft'),
       (SELECT count(*) FROM posts p WHERE p.workspace_id = w.id AND p.status = 'awaiting_approval'),
       (SELECT count(*) FROM posts p WHERE p.workspace_id = w.id AND p.status = 'scheduled'),
       (SELECT count(*) FROM posts p WHERE p.workspace_id = w.id AND p.status = 'publishing'),
       (SELECT count(*) FROM posts p WHERE p.workspace_id = w.id AND p.status = 'published'),
       (SELECT count(*) FROM posts p WHERE p.workspace_id = w.id AND p.status = 'failed'),
       (SELECT count(*) FROM posts p WHERE p.workspace_id = w.id AND p.status = 'partially_published'),
       (SELECT count(*) FROM social_accounts a WHERE a.workspace_id = w.id AND a.status = 'connected'),
       (SELECT count(*) FROM social_accounts a WHERE a.workspace_id = w.id AND a.status = 'expired'),
       (SELECT count(*) FROM memberships m WHERE m.workspace_id = w.id)
  FROM workspaces w;
INSERT INTO workspace_post_days (workspace_id, day, scheduled, published)
SELECT workspace_id, day, sum(s)::int, sum(o)::int FROM (
  SELECT p.workspace_id, post_waiting_day(p.status, p.scheduled_at) AS day, 1 AS s, 0 AS o FROM posts p
   WHERE post_waiting_day(p.status, p.scheduled_at) IS NOT NULL
  UNION ALL
  SELECT p.workspace_id, post_out_day(p.status, p.published_at, p.scheduled_at), 0, 1 FROM posts p
   WHERE post_out_day(p.status, p.published_at, p.scheduled_at) IS NOT NULL) x
 GROUP BY workspace_id, day;

ALTER TABLE workspace_stats ENABLE ROW LEVEL SECURITY;
ALTER TABLE workspace_stats FORCE ROW LEVEL SECURITY;
ALTER TABLE workspace_post_days ENABLE ROW LEVEL SECURITY;
ALTER TABLE workspace_post_days FORCE ROW LEVEL SECURITY;
GRANT SELECT ON workspace_stats, workspace_post_days TO postroom_app;
CREATE POLICY workspace_stats_members ON workspace_stats FOR SELECT TO postroom_app
  USING (workspace_id = ANY ((SELECT app_user_workspaces())::uuid[]));
CREATE POLICY workspace_post_days_members ON workspace_post_days FOR SELECT TO postroom_app
  USING (workspace_id = ANY ((SELECT app_user_workspaces())::uuid[]));
