-- A session of a serving role cannot sit inside an open transaction: after 60 seconds
-- idle in one, PostgreSQL ends the session (rolling the transaction back). The app never
-- waits on anything slow inside a transaction, so this only ever ends a session that
-- holds row locks it should not — say, a hostile session keeping an owner's usage row
-- locked to stall every gated action — or a connection a bug left behind.
DO $$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['postroom_app', 'postroom_jobs', 'postroom_auth'] LOOP
    BEGIN
      EXECUTE format('ALTER ROLE %I IN DATABASE %I SET idle_in_transaction_session_timeout = %L',
                     r, current_database(), '60s');
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE WARNING 'could not set idle_in_transaction_session_timeout for % (needs CREATEROLE): set it yourself', r;
    END;
  END LOOP;
END
$$;
