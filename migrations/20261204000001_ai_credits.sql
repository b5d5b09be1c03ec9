-- AI drafts and the credits they spend (SPEC §3).
--
-- Each draft is one row of a per-workspace ledger. A row is written
-- `reserved` (one credit, the least a draft costs) in the transaction that
-- locks the owner's usage and checks the plan, so concurrent drafts cannot
-- overshoot the pool; when the endpoint has answered, the same person
-- settles it once — `settled` with the credits the tokens came to, or
-- `failed` with none. A trigger keeps the workspace's meter equal to the sum
-- of its ledger in the current cycle.

CREATE TABLE ai_credit_ledger (
  workspace_id      uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id                uuid NOT NULL DEFAULT gen_random_uuid(),
  user_id           uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  settled_at        timestamptz,
  status            text NOT NULL DEFAULT 'reserved' CHECK (status IN ('reserved', 'settled', 'failed')),
  model             text NOT NULL CHECK (length(model) <= 200),
  prompt_tokens     int CHECK (prompt_tokens >= 0),
  completion_tokens int CHECK (completion_tokens >= 0),
  credits           int NOT NULL CHECK (credits >= 0),
  -- The billing cycle the credits count in (set by the trigger).
  cycle_start       timestamptz,
  PRIMARY KEY (workspace_id, id),
  CHECK ((status = 'reserved') = (settled_at IS NULL))
);
CREATE INDEX ai_credit_ledger_recent ON ai_credit_ledger (workspace_id, created_at DESC);

-- Adds `d` credits to a workspace's meter for cycle `c` (nothing when the row
-- belongs to an earlier cycle, which the meter no longer shows).
CREATE FUNCTION usage_add_ai(ws uuid, c timestamptz, d int) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  INSERT INTO public.workspace_usage AS u (workspace_id, cycle_start, ai_credits_in_cycle)
  VALUES (ws, c, greatest(d, 0))
  ON CONFLICT (workspace_id) DO UPDATE SET
    posts_in_cycle = CASE WHEN u.cycle_start < c THEN 0 ELSE u.posts_in_cycle END,
    ai_credits_in_cycle = greatest(CASE WHEN u.cycle_start < c THEN 0 ELSE u.ai_credits_in_cycle END + d, 0),
    cycle_start = greatest(u.cycle_start, c);
END
$$;

CREATE FUNCTION ai_credit_usage() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  c timestamptz := (SELECT cycle FROM public.usage_owner_cycle(NEW.workspace_id));
BEGIN
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
CREATE TRIGGER ai_credit_usage BEFORE INSERT OR UPDATE ON ai_credit_ledger
  FOR EACH ROW EXECUTE FUNCTION ai_credit_usage();
REVOKE ALL ON FUNCTION usage_add_ai(uuid, timestamptz, int) FROM PUBLIC;

ALTER TABLE ai_credit_ledger ENABLE ROW LEVEL SECURITY;
ALTER TABLE ai_credit_ledger FORCE ROW LEVEL SECURITY;

-- Members read their workspace's ledger; OWNER, ADMIN and EDITOR draft (a
-- reservation in their own name); only the person who reserved a row may
-- settle it, once.
GRANT SELECT, INSERT ON ai_credit_ledger TO postroom_app;
GRANT UPDATE (status, settled_at, prompt_tokens, completion_tokens, credits) ON ai_credit_ledger TO postroom_app;
CREATE POLICY ai_credit_read ON ai_credit_ledger FOR SELECT TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()));
CREATE POLICY ai_credit_reserve ON ai_credit_ledger FOR INSERT TO postroom_app
  WITH CHECK (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_edit())
              AND user_id = (SELECT app_session_user()) AND status = 'reserved');
CREATE POLICY ai_credit_settle ON ai_credit_ledger FOR UPDATE TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()) AND user_id = (SELECT app_session_user())
         AND status = 'reserved')
  WITH CHECK (workspace_id = (SELECT app_acting_workspace()) AND user_id = (SELECT app_session_user())
              AND status IN ('settled', 'failed'));
