//! One database transaction per page view. A signed-in page renders several
//! resources (the workspace layout, the page itself…), each calling a server
//! function in-process; without this each would authorize in a transaction of
//! its own. The page handler puts a `RequestTx` into the request; the first
//! server function that needs the workspace authorizes and leaves its
//! `ScopedTx` here, later ones in the same request reuse it (after checking
//! their own permission on its context), and the handler commits it when the
//! page has rendered. Server-function requests from the browser (POST) do not
//! carry one: each is its own transaction, committed by the function.
use super::{
    authorize, begin_agency, AgencyTx, ForgeAuthorization, Principal, ScopedTx, WorkspaceRef,
};
use crate::model::{AppError, Permission};
use sqlx::PgPool;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};

struct Cached {
    slug: String,
    tx: ScopedTx,
}

/// The page view's shared transaction, if one has been opened: one workspace's, or the
/// agency dashboard's across workspaces (a page never needs both).
#[derive(Clone, Default)]
pub struct RequestTx {
    slot: Arc<Mutex<Option<Cached>>>,
    agency: Arc<Mutex<Option<AgencyTx>>>,
}

impl RequestTx {
    /// Ends the page view: commits what its server functions did (only
    /// bookkeeping such as the last-used workspace; pages do not mutate).
    pub async fn finish(&self) {
        if let Some(cached) = self.slot.lock().await.take() {
            if let Err(e) = cached.tx.commit().await {
                tracing::warn!(error = %e, "page transaction did not commit");
            }
        }
        if let Some(tx) = self.agency.lock().await.take() {
            if let Err(e) = tx.commit().await {
                tracing::warn!(error = %e, "agency page transaction did not commit");
            }
        }
    }
}

/// A transaction authorized for one workspace: either the page view's shared
/// one (held for the duration of one server function) or one of its own.
/// Dropped without `commit()` (an error on the way), an own transaction rolls
/// back, and the shared one is rolled back and forgotten so that the page's
/// other resources start afresh.
pub struct WorkTx {
    inner: Inner,
    done: bool,
}

enum Inner {
    Own(Option<ScopedTx>),
    Shared(OwnedMutexGuard<Option<Cached>>),
}

impl WorkTx {
    /// Done with it: an own transaction commits now; the shared one stays
    /// open for the rest of the page view.
    pub async fn commit(mut self) -> Result<(), AppError> {
        self.done = true;
        match &mut self.inner {
            Inner::Own(tx) => match tx.take() {
                Some(tx) => tx.commit().await,
                None => Ok(()),
            },
            Inner::Shared(_) => Ok(()),
        }
    }
}

impl Drop for WorkTx {
    fn drop(&mut self) {
        if let (false, Inner::Shared(guard)) = (self.done, &mut self.inner) {
            guard.take();
        }
    }
}

impl Deref for WorkTx {
    type Target = ScopedTx;
    fn deref(&self) -> &ScopedTx {
        match &self.inner {
            Inner::Own(tx) => tx.as_ref().expect("used after commit"),
            Inner::Shared(guard) => &guard.as_ref().expect("shared transaction present").tx,
        }
    }
}

impl DerefMut for WorkTx {
    fn deref_mut(&mut self) -> &mut ScopedTx {
        match &mut self.inner {
            Inner::Own(tx) => tx.as_mut().expect("used after commit"),
            Inner::Shared(guard) => &mut guard.as_mut().expect("shared transaction present").tx,
        }
    }
}

/// `authorize()` for a server function: reuses the page view's transaction
/// when there is one for the same workspace (the permission is checked again
/// on its context; a write permission would need the membership lock, so
/// only reads are shared), and otherwise opens one of its own.
pub async fn authorize_in_request(
    request: Option<&RequestTx>,
    pool: &PgPool,
    forge: Option<&ForgeAuthorization>,
    principal: &Principal,
    slug: &str,
    permission: Permission,
) -> Result<WorkTx, AppError> {
    // What page views read with; changes always arrive as their own POST.
    let shareable = super::is_read(permission)
        || matches!(
            permission,
            Permission::EditSettings | Permission::ManageMembers
        );
    let own = || async {
        let tx = authorize(pool, forge, principal, WorkspaceRef::Slug(slug), permission).await?;
        Ok(WorkTx {
            inner: Inner::Own(Some(tx)),
            done: false,
        })
    };
    let Some(request) = request.filter(|_| shareable) else {
        return own().await;
    };
    let mut guard = request.slot.clone().lock_owned().await;
    match &*guard {
        Some(cached) if cached.slug.eq_ignore_ascii_case(slug) => {
            cached.tx.ctx().require(permission)?;
        }
        // Another workspace in the same page (never today): its own transaction.
        Some(_) => {
            drop(guard);
            return own().await;
        }
        None => {
            let tx =
                authorize(pool, forge, principal, WorkspaceRef::Slug(slug), permission).await?;
            *guard = Some(Cached {
                slug: slug.to_string(),
                tx,
            });
        }
    }
    Ok(WorkTx {
        inner: Inner::Shared(guard),
        done: false,
    })
}

/// An agency transaction for a server function: the page view's shared one (its
/// resources — overview, feed, report — read in one transaction) or one of its own.
/// It only reads, so sharing it is always safe.
pub struct AgencyWork {
    inner: AgencyInner,
    done: bool,
}

impl Drop for AgencyWork {
    /// Dropped without `commit()` (an error on the way): the shared transaction may be
    /// aborted, so it is rolled back and forgotten, and the page's other resources start
    /// afresh.
    fn drop(&mut self) {
        if let (false, AgencyInner::Shared(guard)) = (self.done, &mut self.inner) {
            guard.take();
        }
    }
}

enum AgencyInner {
    Own(Option<AgencyTx>),
    Shared(OwnedMutexGuard<Option<AgencyTx>>),
}

impl AgencyWork {
    pub fn tx(&mut self) -> &mut AgencyTx {
        match &mut self.inner {
            AgencyInner::Own(tx) => tx.as_mut().expect("used after commit"),
            AgencyInner::Shared(guard) => guard.as_mut().expect("shared agency transaction"),
        }
    }
    /// Done: an own transaction commits now; the shared one when the page has rendered.
    pub async fn commit(mut self) -> Result<(), AppError> {
        self.done = true;
        match &mut self.inner {
            AgencyInner::Own(tx) => match tx.take() {
                Some(tx) => tx.commit().await,
                None => Ok(()),
            },
            AgencyInner::Shared(_) => Ok(()),
        }
    }
}

pub async fn agency_in_request(
    request: Option<&RequestTx>,
    pool: &PgPool,
    principal: &Principal,
) -> Result<AgencyWork, AppError> {
    let Some(request) = request else {
        return Ok(AgencyWork {
            inner: AgencyInner::Own(Some(begin_agency(pool, principal).await?)),
            done: false,
        });
    };
    let mut guard = request.agency.clone().lock_owned().await;
    if guard.is_none() {
        *guard = Some(begin_agency(pool, principal).await?);
    }
    Ok(AgencyWork {
        inner: AgencyInner::Shared(guard),
        done: false,
    })
}
