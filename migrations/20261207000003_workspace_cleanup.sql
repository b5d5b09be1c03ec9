-- What a deleted workspace leaves outside the database.
--
-- Deleting a workspace removes its rows at once (cascades), but two things live
-- elsewhere: its media files in the object store, and its social accounts' tokens at
-- the networks (still valid there until revoked). A trigger on the workspace's own
-- DELETE — whatever path deleted it — queues both in the same transaction, so they are
-- queued exactly when the deletion commits; the jobs role then removes the files and
-- revokes the tokens, retrying until it is done, and deletes each queued item.
-- The queue holds the accounts' tokens still encrypted (bound to the account id), only
-- until they are revoked; the runtime role cannot see it at all.

CREATE TABLE cleanup_queue (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind               text NOT NULL CHECK (kind IN ('media', 'tokens')),
  workspace_id       uuid NOT NULL,  -- no foreign key: the workspace is gone
  object_id          uuid NOT NULL,  -- the media item or the social account
  platform           text,
  access_token_enc   bytea,
  refresh_token_enc  bytea,
  attempts           int NOT NULL DEFAULT 0,
  next_attempt_at    timestamptz NOT NULL DEFAULT now(),
  last_error         text,
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cleanup_queue_due_idx ON cleanup_queue (next_attempt_at);

ALTER TABLE cleanup_queue ENABLE ROW LEVEL SECURITY;
ALTER TABLE cleanup_queue FORCE ROW LEVEL SECURITY;
GRANT SELECT, DELETE ON cleanup_queue TO postroom_jobs;
GRANT UPDATE (attempts, next_attempt_at, last_error) ON cleanup_queue TO postroom_jobs;
CREATE POLICY cleanup_queue_jobs ON cleanup_queue TO postroom_jobs USING (true) WITH CHECK (true);

CREATE FUNCTION workspaces_queue_cleanup() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF TG_RELID <> 'public.workspaces'::regclass OR TG_LEVEL <> 'ROW' OR TG_WHEN <> 'BEFORE'
     OR TG_OP <> 'DELETE' THEN
    RAISE EXCEPTION 'workspaces_queue_cleanup() is not a trigger of %.%', TG_TABLE_SCHEMA, TG_TABLE_NAME;
  END IF;
  INSERT INTO public.cleanup_queue (kind, workspace_id, object_id)
  SELECT 'media', m.workspace_id, m.id FROM public.media m WHERE m.workspace_id = OLD.id;
  INSERT INTO public.cleanup_queue (kind, workspace_id, object_id, platform, access_token_enc, refresh_token_enc)
  SELECT 'tokens', a.workspace_id, a.id, a.platform, a.access_token_enc, a.refresh_token_enc
    FROM public.social_accounts a
   WHERE a.workspace_id = OLD.id
     AND (a.access_token_enc IS NOT NULL OR a.refresh_token_enc IS NOT NULL);
  RETURN OLD;
END
$$;
REVOKE ALL ON FUNCTION workspaces_queue_cleanup() FROM PUBLIC;
CREATE TRIGGER workspaces_queue_cleanup BEFORE DELETE ON workspaces
  FOR EACH ROW EXECUTE FUNCTION workspaces_queue_cleanup();
