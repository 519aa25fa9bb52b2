-- Issue 15.1: the job queue (procrastinate; its own schema, the procrastinate_* objects, is
-- applied by the migration runner before these files: hub/db/queue_schema.py, docs/jobs.md).
--
-- procrastinate keeps a job's status and attempts but not why an attempt failed; the hub's
-- workers (hub/jobs/worker.py) record each failed attempt's error here, in the same place as
-- the job, so a dead letter (a job `failed` after its last try) is listed with its error
-- (`hub jobs failed`). Deleting a job (procrastinate's pruning) deletes its errors.
CREATE TABLE job_error (
  job_id    bigint NOT NULL REFERENCES procrastinate_jobs (id) ON DELETE CASCADE,
  attempt   integer NOT NULL CHECK (attempt >= 1),
  error     text NOT NULL CHECK (length(error) BETWEEN 1 AND 4000),
  failed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, attempt)
);
