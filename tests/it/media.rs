//! The media library: uploads checked by their bytes, cleaned, stored and
//! served only to members; attached to posts and handed to networks through
//! signed, expiring links.
use crate::common::TestApp;
use crate::publishing::connect_sandbox;
use chrono::{Duration, Utc};
use postroom::api::content as c;
use reqwest::{multipart, Client, StatusCode};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::io::Cursor;
use uuid::Uuid;

fn png() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(120, 80, image::Rgb([20, 160, 90]));
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

fn jpeg_with_exif() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(60, 60, image::Rgb([200, 120, 10]));
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    let plain = out.into_inner();
    let payload = b"Exif\0\0GPS-SECRET-LOCATION";
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE1];
    bytes.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    bytes.extend_from_slice(payload);
    bytes.extend_from_slice(&plain[2..]);
    bytes
}

/// Uploads as a script would (asking for JSON); returns the status and body.
async fn upload(
    app: &TestApp,
    client: &Client,
    slug: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    let form = multipart::Form::new().part(
        "file",
        multipart::Part::bytes(bytes).file_name(name.to_string()),
    );
    let res = client
        .post(format!("{}/w/{slug}/media", app.base))
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or_default())
}

#[sqlx::test]
async fn uploads_are_checked_cleaned_and_served_only_to_members(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let slug = app.create_workspace(&alice, "Alpha Co").await;
    let (bob, _) = app.sign_up("Bob", "bob@example.test").await;
    let theirs = app.create_workspace(&bob, "Beta Co").await;

    let (status, body) = upload(&app, &alice, &slug, "photo.png", png()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_str().unwrap().to_string();
    let (w, h, name, thumb): (Option<i32>, Option<i32>, String, bool) = sqlx::query_as(
        "SELECT width, height, original_name, has_thumbnail FROM media WHERE id = $1::uuid",
    )
    .bind(&id)
    .fetch_one(&app.admin)
    .await
    .unwrap();
    assert_eq!(
        (w, h, name.as_str(), thumb),
        (Some(120), Some(80), "photo.png", true)
    );
    let res = alice
        .get(format!("{}/w/{slug}/media/{id}/file", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    let res = alice
        .get(format!("{}/w/{slug}/media/{id}/thumb", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // Metadata is gone from a photo.
    let (status, body) = upload(
        &app,
        &alice,
        &slug,
        "../../etc/passwd.jpg",
        jpeg_with_exif(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let jpg = body["id"].as_str().unwrap().to_string();
    let stored = alice
        .get(format!("{}/w/{slug}/media/{jpg}/file", app.base))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&stored[..2], &[0xFF, 0xD8]);
    assert!(
        !stored.windows(10).any(|w| w == b"GPS-SECRET"),
        "EXIF survived"
    );
    let name: String = sqlx::query_scalar("SELECT original_name FROM media WHERE id = $1::uuid")
        .bind(&jpg)
        .fetch_one(&app.admin)
        .await
        .unwrap();
    assert_eq!(name, "passwd.jpg", "no path in stored names");

    // The type comes from the bytes: a text file called .png is refused, nothing kept.
    let (status, body) = upload(
        &app,
        &alice,
        &slug,
        "fake.png",
        b"<script>alert(1)</script>".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("JPEG, PNG, WebP and GIF"),
        "{body}"
    );
    let (status, _) = upload(&app, &alice, &slug, "empty.png", vec![]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(app.count("SELECT count(*) FROM media").await, 2);

    // Without JavaScript the form comes back to the library with the outcome.
    let form = multipart::Form::new().part(
        "file",
        multipart::Part::bytes(b"nope".to_vec()).file_name("x.gif"),
    );
    let res = alice
        .post(format!("{}/w/{slug}/media", app.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"],
        format!("/w/{slug}/media?error=type")
    );

    // Someone else: no upload into Alice's workspace, no file out of it.
    let (status, _) = upload(&app, &bob, &slug, "spy.png", png()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for who in [&bob, &app.client()] {
        let res = who
            .get(format!("{}/w/{slug}/media/{id}/file", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
    // Nor through Bob's own workspace with Alice's id.
    let res = bob
        .get(format!("{}/w/{theirs}/media/{id}/file", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count("SELECT count(*) FROM media").await, 2);

    // A viewer may look but not upload.
    let (viewer, _) = app.sign_up("Vic", "vic@example.test").await;
    app.add_member(&slug, "vic@example.test", "VIEWER").await;
    let (status, _) = upload(&app, &viewer, &slug, "v.png", png()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let res = viewer
        .get(format!("{}/w/{slug}/media/{id}/file", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // Deleting removes the row and the file.
    let (status, _) = app
        .call::<c::DeleteMedia>(
            &alice,
            &[("slug", slug.as_str()), ("media_id", id.as_str())],
        )
        .await;
    assert!(status.is_success());
    let res = alice
        .get(format!("{}/w/{slug}/media/{id}/file", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let key = postroom::server::media_store::original_key(
        app.workspace_id(&slug).await,
        Uuid::parse_str(&id).unwrap(),
    );
    assert!(app.media.get(&key).await.is_err(), "the object is gone too");
}

#[sqlx::test]
async fn with_rust_checks_off_files_still_stay_in_their_workspace(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn_forged(pool_opts, opts).await;
    let (alice, _) = app.sign_up("Alice", "alice@example.test").await;
    let slug = app.create_workspace(&alice, "Alpha Co").await;
    let (bob, _) = app.sign_up("Bob", "bob@example.test").await;
    let (status, body) = upload(&app, &alice, &slug, "photo.png", png()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_str().unwrap().to_string();
    let res = bob
        .get(format!("{}/w/{slug}/media/{id}/file", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let (status, _) = upload(&app, &bob, &slug, "spy.png", png()).await;
    assert_ne!(status, StatusCode::CREATED);
    assert_eq!(app.count("SELECT count(*) FROM media").await, 1);
}

#[sqlx::test]
async fn attached_media_reach_the_network_through_signed_links(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (owner, _) = app.sign_up("Olive", "olive@example.test").await;
    let slug = app.create_workspace(&owner, "Acme").await;
    let account = connect_sandbox(&app, &owner, &slug, "acme_pics").await;
    let (_, body) = upload(&app, &owner, &slug, "a.png", png()).await;
    let media = body["id"].as_str().unwrap().to_string();
    let at = Utc::now() + Duration::minutes(5);
    let (status, body) = app
        .call::<c::SavePost>(
            &owner,
            &[
                ("slug", slug.clone()),
                ("content", "With a picture".into()),
                ("account_ids[0]", account.to_string()),
                ("media_ids[0]", media.clone()),
                ("date", at.format("%Y-%m-%d").to_string()),
                ("time", at.format("%H:%M").to_string()),
                ("intent", "schedule".into()),
            ],
        )
        .await;
    assert!(status.is_success(), "{body}");
    sqlx::query("UPDATE posts SET scheduled_at = now() - interval '1 second'")
        .execute(&app.admin)
        .await
        .unwrap();
    let w = postroom::server::jobs::publisher::new(
        app.jobs.clone(),
        &app.base,
        app.cipher.clone(),
        app.media.clone(),
    );
    assert_eq!(w.run_due().await.unwrap(), 1);
    let links: serde_json::Value = sqlx::query_scalar("SELECT media FROM sandbox_posts")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    let url = links[0]["url"].as_str().unwrap().to_string();
    assert_eq!(links[0]["content_type"], "image/png");
    // Anyone with the link may fetch it (no session), until it expires; a forged one is refused.
    let res = app.client().get(&url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    // (Its last character changed: to "1" when it already was "0".)
    let last = if url.ends_with('0') { '1' } else { '0' };
    let forged = format!("{}{last}", &url[..url.len() - 1]);
    let res = app.client().get(&forged).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // The post page shows the attachment to members.
    let post: Uuid = sqlx::query_scalar("SELECT id FROM posts")
        .fetch_one(&app.admin)
        .await
        .unwrap();
    let (_, page) = app.get(&owner, &format!("/w/{slug}/posts/{post}")).await;
    assert!(page.contains(&format!("/w/{slug}/media/{media}/thumb")));
}

/// One person has at most a few uploads in flight (each may hold up to 100 MB while
/// it is read and checked): a third is refused with 429 before its body is read;
/// someone else uploads meanwhile; when the first ones end, the person can upload.
#[sqlx::test]
async fn one_person_has_only_a_few_uploads_in_flight(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (owner, slug) = app.sign_up("Olive", "olive@example.test").await;
    let (editor, _) = app.sign_up("Ed", "ed@example.test").await;
    app.add_member(&slug, "ed@example.test", "EDITOR").await;
    // Two uploads whose bodies never finish arriving.
    let mut stalled = vec![];
    for _ in 0..2 {
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
        tx.send(Ok(vec![0x89, b'P', b'N', b'G'])).await.unwrap();
        let body = reqwest::Body::wrap_stream(futures::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|x| (x, rx))
        }));
        let form = multipart::Form::new()
            .part("file", multipart::Part::stream(body).file_name("slow.png"));
        let req = owner
            .post(format!("{}/w/{slug}/media", app.base))
            .header("accept", "application/json")
            .multipart(form);
        stalled.push((tx, tokio::spawn(req.send())));
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (status, body) = upload(&app, &owner, &slug, "third.png", png()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let (status, body) = upload(&app, &editor, &slug, "other.png", png()).await;
    assert_eq!(status, StatusCode::CREATED, "someone else: {body}");
    for (tx, task) in stalled {
        drop(tx); // the body ends (short and unreadable as a PNG)
        let _ = task.await;
    }
    let (status, body) = upload(&app, &owner, &slug, "later.png", png()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(app.count("SELECT count(*) FROM media").await, 2);
}

/// Deleting a workspace takes its files out of the store and revokes its accounts'
/// tokens at the network, after the deletion commits, through the jobs role (queued
/// by the database on the workspace's own DELETE, so no deletion path skips it).
#[sqlx::test]
async fn a_deleted_workspace_leaves_no_files_and_no_live_tokens(
    pool_opts: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (owner, _) = app.sign_up("Olive", "olive@example.test").await;
    let slug = app.create_workspace(&owner, "Gone Co").await;
    let ws = app.workspace_id(&slug).await;
    let account = crate::publishing::connect_sandbox(&app, &owner, &slug, "gone_co").await;
    let (status, body) = upload(&app, &owner, &slug, "logo.png", png()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = uuid::Uuid::parse_str(body["id"].as_str().unwrap()).unwrap();
    let original = postroom::server::media_store::original_key(ws, id);
    assert!(app.media.get(&original).await.is_ok());
    let live = "SELECT count(*) FROM sandbox_tokens WHERE revoked_at IS NULL";
    assert_eq!(app.count(live).await, 2, "access and refresh token");
    let (status, _) = app
        .call::<postroom::api::workspaces::DeleteWorkspace>(
            &owner,
            &[("slug", slug.as_str()), ("confirm_name", "Gone Co")],
        )
        .await;
    assert!(status.is_success() || status.is_redirection(), "{status}");
    assert_eq!(app.count("SELECT count(*) FROM media").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM cleanup_queue").await, 2);
    let worker = postroom::server::jobs::publisher::new(
        app.jobs.clone(),
        &app.base,
        app.cipher.clone(),
        app.media.clone(),
    );
    assert_eq!(worker.clean_up_deleted().await.unwrap(), 2);
    assert!(
        app.media.get(&original).await.is_err(),
        "the file is still stored"
    );
    assert_eq!(
        app.count(live).await,
        0,
        "a token of the deleted workspace still works"
    );
    assert_eq!(app.count("SELECT count(*) FROM cleanup_queue").await, 0);
    let _ = account;
    // Nothing else is queued by other deletions of rows.
    assert_eq!(worker.clean_up_deleted().await.unwrap(), 0);
}

fn bmff_box(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut b = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
    b.extend_from_slice(kind);
    b.extend_from_slice(payload);
    b
}

/// A video keeps its pictures but not where it was filmed: the stored file has the
/// same length (offsets into it stay right) and no location; a video whose structure
/// does not add up is refused with the reason.
#[sqlx::test]
async fn videos_lose_their_location_on_upload(pool_opts: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(pool_opts, opts).await;
    let (owner, slug) = app.sign_up("Olive", "olive@example.test").await;
    let location = bmff_box(b"udta", &bmff_box(b"\xa9xyz", b"+48.8584+002.2945/"));
    let moov = bmff_box(b"moov", &[bmff_box(b"mvhd", &[7; 100]), location].concat());
    let frames = bmff_box(b"mdat", &[42; 4000]);
    let video = [
        bmff_box(b"ftyp", b"isom\0\0\x02\0isomiso2mp41"),
        moov,
        frames.clone(),
    ]
    .concat();
    let (status, body) = upload(&app, &owner, &slug, "harbour.mp4", video.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let url = body["url"].as_str().unwrap().to_string();
    let stored = owner
        .get(format!("{}{url}", app.base))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(stored.len(), video.len());
    assert!(
        !String::from_utf8_lossy(&stored).contains("48.8584"),
        "the location was kept"
    );
    assert!(stored.ends_with(&frames), "the pictures changed");
    let mut broken = video.clone();
    broken[28..32].copy_from_slice(&u32::MAX.to_be_bytes()); // moov claims 4 GB
    let (status, body) = upload(&app, &owner, &slug, "broken.mp4", broken).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("could not be read"),
        "{body}"
    );
    assert_eq!(app.count("SELECT count(*) FROM media").await, 1);
}
