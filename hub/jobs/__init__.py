"""The job queue's tasks (procrastinate on the hub's PostgreSQL; docs/jobs.md).

``queue`` builds the procrastinate app with every task and its schedule, ``steps`` holds the
tasks (thin wrappers over services), ``worker`` runs them (``hub worker``), and
``dead_letters`` lists and retries the jobs that failed their last try. Jobs call services;
nothing below this layer imports it (.importlinter).
"""
