"""Harbor's replication (jobservice) for harbor-sim: filters, flattening, cron, engine."""
