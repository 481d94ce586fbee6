//! What the social domain records in the audit log.

crate::audit_actions! {
    pub enum SocialAction {
        CreatePost = "social.post.create" writes ["Post"],
        DeletePost = "social.post.delete" writes ["Post", "Comment"],
        AddComment = "social.comment.add" writes ["Comment", "Post"],
        DeleteComment = "social.comment.delete" writes ["Comment", "Post"],
        Like = "social.post.like" writes ["Post"],
        Unlike = "social.post.unlike" writes ["Post"],
        // A follow changes counts on `User` and which posts a feed shows.
        Follow = "social.follow" writes ["User", "Post"],
        Unfollow = "social.unfollow" writes ["User", "Post"],
    }
}
