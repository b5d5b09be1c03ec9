-- The media library: images and short videos uploaded to a workspace and
-- attached to posts. The bytes live in an object store (a local directory
-- by default, any S3-compatible store when configured) under keys derived
-- from the workspace and media ids; this table holds what the app knows of
-- them. A row is written only after its objects are stored, in the same
-- transaction as its activity entry, so a half-finished upload leaves none.
CREATE TABLE media (
  workspace_id   uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id             uuid NOT NULL UNIQUE,
  kind           text NOT NULL CHECK (kind IN ('image', 'video')),
  content_type   text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp', 'image/gif',
                                                        'video/mp4', 'video/quicktime', 'video/webm')),
  byte_size      bigint NOT NULL CHECK (byte_size > 0),
  width          int,
  height         int,
  original_name  text NOT NULL CHECK (length(original_name) BETWEEN 1 AND 200),
  has_thumbnail  boolean NOT NULL DEFAULT false,
  uploaded_by    uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX media_recent_idx ON media (workspace_id, created_at DESC, id DESC);

CREATE TABLE post_media (
  workspace_id  uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  post_id       uuid NOT NULL,
  media_id      uuid NOT NULL,
  position      int NOT NULL DEFAULT 0,
  PRIMARY KEY (workspace_id, post_id, media_id),
  FOREIGN KEY (workspace_id, post_id) REFERENCES posts (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, media_id) REFERENCES media (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX post_media_media_idx ON post_media (workspace_id, media_id);

ALTER TABLE media ENABLE ROW LEVEL SECURITY;
ALTER TABLE media FORCE ROW LEVEL SECURITY;
ALTER TABLE post_media ENABLE ROW LEVEL SECURITY;
ALTER TABLE post_media FORCE ROW LEVEL SECURITY;

-- Members see the library; OWNER, ADMIN and EDITOR upload, attach and delete.
GRANT SELECT, INSERT, DELETE ON media, post_media TO postroom_app;
CREATE POLICY media_read ON media FOR SELECT TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()));
CREATE POLICY media_upload ON media FOR INSERT TO postroom_app
  WITH CHECK (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_edit())
              AND uploaded_by = (SELECT app_session_user()));
CREATE POLICY media_delete ON media FOR DELETE TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_edit()));
CREATE POLICY post_media_read ON post_media FOR SELECT TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()));
CREATE POLICY post_media_attach ON post_media FOR INSERT TO postroom_app
  WITH CHECK (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_edit()));
CREATE POLICY post_media_detach ON post_media FOR DELETE TO postroom_app
  USING (workspace_id = (SELECT app_acting_workspace()) AND (SELECT app_can_edit()));

-- The publisher reads which files go with a post (to hand the network
-- signed, expiring links to them).
GRANT SELECT (workspace_id, id, kind, content_type) ON media TO postroom_jobs;
GRANT SELECT ON post_media TO postroom_jobs;
CREATE POLICY media_publisher ON media FOR SELECT TO postroom_jobs USING (true);
CREATE POLICY post_media_publisher ON post_media FOR SELECT TO postroom_jobs USING (true);

-- What a Sandbox post carried (links to its images and videos).
ALTER TABLE sandbox_posts ADD COLUMN media jsonb NOT NULL DEFAULT '[]'::jsonb;
