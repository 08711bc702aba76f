//! The 404s the services give, each worded once.

use crate::domain::comment::CommentId;
use crate::error::ApiError;

/// No post has this slug.
pub fn post(slug: &str) -> ApiError {
    ApiError::NotFound(format!("There is no post {slug:?}."))
}

/// No comment has this id.
pub fn comment(id: CommentId) -> ApiError {
    ApiError::NotFound(format!("There is no comment {id}."))
}

/// No approved comment has this id (readers learn nothing of others).
pub fn published_comment(id: CommentId) -> ApiError {
    ApiError::NotFound(format!("There is no published comment {id}."))
}

/// No statement of reasons was made about this comment.
pub fn statement(id: CommentId) -> ApiError {
    ApiError::NotFound(format!(
        "There is no statement of reasons about comment {id}."
    ))
}

/// No ban has this id.
pub fn ban(id: i32) -> ApiError {
    ApiError::NotFound(format!("There is no ban {id}."))
}

/// No term has this id.
pub fn term(id: i32) -> ApiError {
    ApiError::NotFound(format!("There is no term {id}."))
}

/// No account has this id.
pub fn account() -> ApiError {
    ApiError::NotFound("There is no such account.".into())
}
