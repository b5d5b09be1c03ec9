-- AI drafts are settled by a capability, not a session.
--
-- A draft reserves one credit when it starts; when the endpoint has answered, the
-- reservation is settled with what the tokens came to. The settle used to need the
-- author's session, so a draft whose author logged out (or was removed) while it was
-- being written stayed reserved at one credit although its text was delivered. Now
-- the reservation carries the SHA-256 of a random token that only the process that
-- started the draft holds, and app_settle_ai_draft() settles it once with that token.
-- The runtime role no longer UPDATEs the ledger at all.

ALTER TABLE ai_credit_ledger ADD COLUMN settle_hash bytea;

CREATE FUNCTION app_settle_ai_draft(r_id uuid, r_token bytea, r_status text, r_prompt int,
                                    r_completion int, r_credits int) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  n int;
BEGIN
  IF r_status NOT IN ('settled', 'failed') OR r_credits IS NULL OR r_credits < 0
     OR (r_status = 'settled' AND r_credits < 1) OR (r_status = 'failed' AND r_credits <> 0)
     OR r_prompt < 0 OR r_completion < 0 THEN
    RAISE EXCEPTION 'a draft is settled with at least one credit, or failed with none'
      USING ERRCODE = 'check_violation';
  END IF;
  UPDATE public.ai_credit_ledger l
     SET status = r_status, settled_at = now(), prompt_tokens = r_prompt,
         completion_tokens = r_completion, credits = r_credits, settle_hash = NULL
   WHERE l.id = r_id AND l.status = 'reserved'
     AND l.settle_hash IS NOT NULL AND l.settle_hash = pg_catalog.sha256(r_token);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n = 1;
END
$$;
REVOKE ALL ON FUNCTION app_settle_ai_draft(uuid, bytea, text, integer, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_settle_ai_draft(uuid, bytea, text, integer, integer, integer) TO postroom_app;

DROP POLICY ai_credit_settle ON ai_credit_ledger;
REVOKE UPDATE ON ai_credit_ledger FROM postroom_app;
-- A reservation is one credit, with its settle token's digest.
DROP POLICY ai_credit_reserve ON ai_credit_ledger;
CREATE POLICY ai_credit_reserve ON ai_credit_ledger FOR INSERT TO postroom_app
  WITH CHECK (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_edit())
              AND user_id = (SELECT app_session_user()) AND status = 'reserved'
              AND credits = 1 AND settle_hash IS NOT NULL);
