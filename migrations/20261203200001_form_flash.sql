-- Form flashes: the outcome of a form posted without JavaScript, kept for the one page
-- view the browser is redirected to (post/redirect/get). Keyed by the SHA-256 of a
-- random, HttpOnly, one-minute cookie (`postroom_flash`) and bound to the session digest
-- the post presented (NULL when signed out): another browser, or another session in the
-- same browser, never reads it. The payload is sealed by the app (XChaCha20-Poly1305,
-- bound to the key digest), so a one-time secret such as an invitation link is never
-- readable from the table alone. Taking a flash deletes it: it is shown once.
--
-- The runtime role reaches the table only through the two functions below; RLS is
-- forced and no policy admits anything, so a direct SELECT sees nothing.
CREATE TABLE form_flashes (
  key_hash     bytea PRIMARY KEY,
  session_hash bytea,
  payload      bytea NOT NULL,
  expires_at   timestamptz NOT NULL
);
CREATE INDEX form_flashes_expiry_idx ON form_flashes (expires_at);
ALTER TABLE form_flashes ENABLE ROW LEVEL SECURITY;
ALTER TABLE form_flashes FORCE ROW LEVEL SECURITY;
REVOKE ALL ON form_flashes FROM PUBLIC, postroom_app;

CREATE FUNCTION app_put_flash(key bytea, session bytea, sealed bytea, ttl_seconds integer)
RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  -- Expired flashes go as new ones arrive (the index keeps this cheap).
  DELETE FROM public.form_flashes WHERE expires_at <= now();
  INSERT INTO public.form_flashes (key_hash, session_hash, payload, expires_at)
  VALUES (key, session, sealed, now() + make_interval(secs => least(greatest(ttl_seconds, 1), 300)))
  ON CONFLICT (key_hash) DO UPDATE
    SET session_hash = EXCLUDED.session_hash, payload = EXCLUDED.payload,
        expires_at = EXCLUDED.expires_at;
$$;

-- Returns the payload once: only for the same key, the same session (or both signed
-- out), before it expires. Whatever the key names is deleted, matched or not.
CREATE FUNCTION app_take_flash(key bytea, session bytea)
RETURNS bytea
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  WITH gone AS (
    DELETE FROM public.form_flashes f WHERE f.key_hash = key
    RETURNING f.session_hash, f.payload, f.expires_at
  )
  SELECT payload FROM gone
   WHERE session_hash IS NOT DISTINCT FROM session AND expires_at > now();
$$;

REVOKE ALL ON FUNCTION app_put_flash(bytea, bytea, bytea, integer), app_take_flash(bytea, bytea)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_put_flash(bytea, bytea, bytea, integer), app_take_flash(bytea, bytea)
  TO postroom_app;
