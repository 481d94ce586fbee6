//! What `jobUpdated` subscribers (on any instance) and idle workers receive: a job as it now
//! stands, after every change of status and every progress report.

use serde::{Deserialize, Serialize};

use super::JobModel;
use crate::platform::pubsub::Message;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobUpdated {
    pub job: JobModel,
}

impl Message for JobUpdated {
    const TOPIC: &'static str = "jobs.updated";
}

impl From<&JobModel> for JobUpdated {
    fn from(job: &JobModel) -> Self {
        Self { job: job.clone() }
    }
}
