//! What the AI chat domain records in the audit log (never the messages' text).

crate::audit_actions! {
    pub enum AiAction {
        Send = "ai.send_message" writes ["Conversation", "ChatMessage"],
        DeleteConversation = "ai.delete_conversation" writes ["Conversation", "ChatMessage"],
    }
}
