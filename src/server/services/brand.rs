//! The brand profile of a workspace (its own settings tab; AI features read it).
use crate::model::{validate, AppError, BrandView, Permission, Problems};
use crate::server::services::activity::{self, Event};
use crate::server::tenancy::ScopedTx;

pub async fn get(tx: &mut ScopedTx) -> Result<BrandView, AppError> {
    tx.ctx().require(Permission::ViewContent)?;
    let ws = tx.workspace_id();
    let row: Option<BrandView> = sqlx::query_as(
        "SELECT website, description, tone, voice_notes, primary_color, background_color, text_color, font, content_language \
         FROM brand_profiles WHERE workspace_id = $1",
    )
    .bind(ws)
    .fetch_optional(tx.conn())
    .await?;
    Ok(row.unwrap_or_else(|| BrandView {
        content_language: "en".into(),
        ..Default::default()
    }))
}

pub use crate::model::BrandInput;

pub async fn update(tx: &mut ScopedTx, input: BrandInput) -> Result<BrandView, AppError> {
    tx.ctx().require(Permission::EditSettings)?;
    let ws = tx.workspace_id();
    let mut p = Problems::default();
    let mut ok = |field: &str, r: Result<Option<String>, String>| {
        r.map_err(|m| p.add(field, m)).ok().flatten()
    };
    let website = ok("website", validate::optional_url(&input.website, "Website"));
    let description = ok(
        "description",
        validate::text(&input.description, "Description", 2000),
    );
    let tone = ok("tone", validate::line(&input.tone, "Tone", 200));
    let voice_notes = ok(
        "voice_notes",
        validate::text(&input.voice_notes, "Voice notes", 4000),
    );
    let primary_color = ok(
        "primary_color",
        validate::color(&input.primary_color, "Primary colour"),
    );
    let background_color = ok(
        "background_color",
        validate::color(&input.background_color, "Background colour"),
    );
    let text_color = ok(
        "text_color",
        validate::color(&input.text_color, "Text colour"),
    );
    let font = ok("font", validate::line(&input.font, "Font", 100));
    let content_language = validate::language(&input.content_language)
        .map_err(|m| p.add("content_language", m))
        .ok();
    p.into_result()?;
    let view = BrandView {
        website,
        description,
        tone,
        voice_notes,
        primary_color,
        background_color,
        text_color,
        font,
        content_language: content_language.unwrap(),
    };
    sqlx::query(
        "INSERT INTO brand_profiles (workspace_id, website, description, tone, voice_notes, primary_color, \
                                     background_color, text_color, font, content_language) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (workspace_id) DO UPDATE SET website = $2, description = $3, tone = $4, voice_notes = $5, \
           primary_color = $6, background_color = $7, text_color = $8, font = $9, content_language = $10",
    )
    .bind(ws)
    .bind(&view.website)
    .bind(&view.description)
    .bind(&view.tone)
    .bind(&view.voice_notes)
    .bind(&view.primary_color)
    .bind(&view.background_color)
    .bind(&view.text_color)
    .bind(&view.font)
    .bind(&view.content_language)
    .execute(tx.conn())
    .await?;
    let (ctx, conn) = tx.parts();
    activity::record(
        conn,
        ctx,
        Event::new(
            "brand.updated",
            "brand_profile",
            "updated the brand profile",
        )
        .object(ws),
    )
    .await?;
    Ok(view)
}
