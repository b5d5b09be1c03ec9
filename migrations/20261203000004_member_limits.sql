-- Member limits (distinct people across an owner's workspaces, pending
-- invitations included) and the capacity check of an ownership transfer.

-- The people of the owner of the workspace in scope, and whether `candidate`
-- (an email address) is one of them already — for someone acting in it.
CREATE FUNCTION app_owner_people(candidate text, OUT people bigint, OUT known boolean,
                                 OUT max_members int, OUT plan_name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  WITH me AS (SELECT w.owner_id, u.plan FROM public.workspaces w JOIN public.users u ON u.id = w.owner_id
               WHERE w.id = public.app_acting_workspace()),
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

-- Can `target`, a member of the workspace in scope, take on one more
-- workspace under their own plan?
CREATE FUNCTION app_transfer_capacity(target uuid, OUT plan_name text, OUT max_workspaces int,
                                      OUT workspaces_owned bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT p.name, p.max_workspaces, (SELECT count(*) FROM public.workspaces w WHERE w.owner_id = u.id)
    FROM public.users u JOIN public.plans p ON p.code = u.plan
   WHERE u.id = target
     AND EXISTS (SELECT 1 FROM public.memberships m
                  WHERE m.workspace_id = public.app_acting_workspace() AND m.user_id = target)
$$;

REVOKE ALL ON FUNCTION app_owner_people(text), app_transfer_capacity(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_owner_people(text), app_transfer_capacity(uuid) TO postroom_app;
