//! What the jobs domain records in the audit log (the `/prism` console follows it live).

crate::audit_actions! {
    pub enum JobAction {
        Submit = "job.submit" writes ["Job"],
        Cancel = "job.cancel" writes ["Job"],
        Retry = "job.retry" writes ["Job"],
        /// Recorded by the worker (no actor) when a job ends, with its notification.
        Finish = "job.finish" writes ["Job", "Notification"],
    }
}
