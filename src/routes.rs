//! Every route of the server: the one place paths meet handlers.

use crate::error::ApiError;
use crate::http::{
    accounts, assets, auth, bans, bench, health, metrics, moderation, openapi, pages, public,
    workspace,
};
use actix_web::{HttpResponse, web};

/// Every route of the API, each path answering 405 to a method it lacks.
pub fn routes(cfg: &mut web::ServiceConfig) {
    /// A path whose other methods get a 405 naming the `allowed` ones.
    fn resource(path: &str, allowed: &'static str) -> actix_web::Resource {
        web::resource(path).default_service(web::to(move || async move {
            Err::<HttpResponse, _>(ApiError::MethodNotAllowed(allowed))
        }))
    }
    cfg.service(resource("/healthz", "GET").route(web::get().to(health::healthz)))
        .service(resource("/metrics", "GET").route(web::get().to(metrics::metrics)))
        .service(resource("/", "GET").route(web::get().to(pages::index)))
        .service(resource("/posts/{slug}", "GET").route(web::get().to(pages::post_page)))
        .service(resource("/threads/{slug}", "GET").route(web::get().to(pages::thread_page)))
        .service(resource("/__bench/fixed/{bytes}", "GET").route(web::get().to(bench::fixed)))
        .service(resource("/embed.js", "GET").route(web::get().to(assets::widget)))
        .service(resource("/embed.css", "GET").route(web::get().to(assets::widget)))
        .service(resource("/admin", "GET").route(web::get().to(assets::admin_redirect)))
        .service(resource("/admin/{file:.*}", "GET").route(web::get().to(assets::admin)))
        .service(resource("/assets/{file:.*}", "GET").route(web::get().to(assets::shared)))
        .service(
            web::scope("/api/v1")
                .service(
                    resource("/openapi.json", "GET").route(web::get().to(openapi::openapi_json)),
                )
                .service(resource("/posts", "GET").route(web::get().to(public::list_posts)))
                .service(resource("/posts/{slug}", "GET").route(web::get().to(public::get_post)))
                .service(
                    resource("/posts/{slug}/comments", "GET, POST")
                        .route(web::get().to(public::thread))
                        .route(web::post().to(public::submit)),
                )
                .service(resource("/counts", "GET").route(web::get().to(public::counts)))
                .service(
                    resource("/comments/{id}/flag", "POST").route(web::post().to(public::flag)),
                )
                .service(resource("/auth/login", "POST").route(web::post().to(auth::login)))
                .service(resource("/auth/logout", "POST").route(web::post().to(auth::logout)))
                .service(
                    resource("/auth/logout-all", "POST").route(web::post().to(auth::logout_all)),
                )
                .service(resource("/auth/me", "GET").route(web::get().to(auth::me)))
                .service(
                    resource("/moderation/comments", "GET").route(web::get().to(moderation::queue)),
                )
                .service(
                    resource("/moderation/comments/bulk", "POST")
                        .route(web::post().to(moderation::bulk)),
                )
                .service(
                    resource("/moderation/comments/{id}/approve", "POST")
                        .route(web::post().to(moderation::approve)),
                )
                .service(
                    resource("/moderation/comments/{id}/reject", "POST")
                        .route(web::post().to(moderation::reject)),
                )
                .service(
                    resource("/moderation/comments/{id}/spam", "POST")
                        .route(web::post().to(moderation::spam)),
                )
                .service(
                    resource("/moderation/posts", "POST")
                        .route(web::post().to(moderation::create_post)),
                )
                .service(
                    resource("/moderation/posts/{slug}", "GET, PATCH")
                        .route(web::get().to(workspace::get_post))
                        .route(web::patch().to(moderation::update_post)),
                )
                .service(
                    resource("/moderation/posts/{slug}/replies", "POST")
                        .route(web::post().to(moderation::reply)),
                )
                .service(resource("/moderation/log", "GET").route(web::get().to(moderation::log)))
                .service(
                    resource("/moderation/reasons", "GET")
                        .route(web::get().to(moderation::reasons)),
                )
                // The moderators' workspace (docs/api.md, "Moderators' workspace").
                .service(
                    resource("/moderation/stats", "GET").route(web::get().to(workspace::stats)),
                )
                .service(
                    resource("/moderation/claims", "GET").route(web::get().to(workspace::claims)),
                )
                .service(
                    resource("/moderation/comments/{id}/claim", "POST, DELETE")
                        .route(web::post().to(workspace::claim))
                        .route(web::delete().to(workspace::release)),
                )
                .service(
                    resource("/moderation/comments/{id}/replies", "POST")
                        .route(web::post().to(workspace::reply_to_comment)),
                )
                .service(
                    resource("/moderation/preview", "POST")
                        .route(web::post().to(workspace::preview)),
                )
                .service(
                    resource("/moderation/bans", "GET, POST")
                        .route(web::get().to(bans::list))
                        .route(web::post().to(bans::create)),
                )
                .service(
                    resource("/moderation/bans/{id}", "DELETE").route(web::delete().to(bans::lift)),
                )
                .service(
                    resource("/moderation/terms", "GET, POST")
                        .route(web::get().to(bans::terms))
                        .route(web::post().to(bans::add_term)),
                )
                .service(
                    resource("/moderation/terms/{id}", "DELETE")
                        .route(web::delete().to(bans::remove_term)),
                )
                .service(
                    resource("/moderation/accounts", "GET, POST")
                        .route(web::get().to(accounts::list))
                        .route(web::post().to(accounts::create)),
                )
                .service(
                    resource("/moderation/accounts/{id}", "PATCH")
                        .route(web::patch().to(accounts::update)),
                )
                .service(
                    resource("/moderation/accounts/{id}/password", "POST")
                        .route(web::post().to(accounts::reset_password)),
                )
                .service(
                    resource("/auth/password", "POST")
                        .route(web::post().to(accounts::change_own_password)),
                ),
        );
}
